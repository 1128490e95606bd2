"""What every shape does with a region once `split_regions` found it: decode a JSON payload, take
name and arguments out of it, and say what is wrong with how the region ended."""

from __future__ import annotations

import json
import re
from typing import Any

from .base import (INVALID_JSON, JSON, MALFORMED, MISSING_END_MARKER, MISSING_NAME, TRUNCATED,
                   CallCandidate, FormatSpec, Problem, Region)


def decode_json_object(text: str, offset: int, at_eof: bool = True) -> tuple[Any, Problem | None]:
    """Decode `text` as one JSON value; on failure say whether it is broken or just cut short
    (cut short only counts at the end of the output: JSON left open before the next call or a
    marker is broken, not truncated)."""
    stripped = text.strip()
    try:
        return json.loads(stripped), None
    except json.JSONDecodeError as exc:
        kind = TRUNCATED if at_eof and looks_truncated(stripped) else INVALID_JSON
        where = offset + (len(text) - len(text.lstrip())) + exc.pos
        # json's messages may end in "at" ("Unterminated string starting at"): no second "at"
        at = "char" if exc.msg.endswith(" at") else "at char"
        return None, Problem(kind, f"{'truncated' if kind == TRUNCATED else 'invalid'} JSON: {exc.msg} "
                                   f"{at} {exc.pos}", (where, offset + len(text)))


_NAME_RE = re.compile(r'"name"\s*:\s*"((?:[^"\\]|\\.)*)"')
_TOKENS = JSON.token_re()


def partial_name(payload: str) -> str | None:
    """The tool name of a call whose JSON did not decode, when its `"name"` field is intact."""
    match = _NAME_RE.search(payload)
    return match.group(1) if match else None


def looks_truncated(text: str) -> bool:
    """JSON that only lacks its end: open strings, objects or arrays at EOF."""
    depth = 0
    for tok in _TOKENS.finditer(text):
        t = tok.group(0)
        if t == '"':
            return True  # a string that never closes
        if t in "{[":
            depth += 1
        elif t in "}]":
            depth -= 1
    return depth > 0


def name_and_arguments(obj: Any, span: tuple[int, int], text: str,
                       arg_keys: tuple[str, ...] = ("arguments", "parameters")) -> CallCandidate:
    """A candidate from a decoded `{"name": ..., "arguments"|"parameters": {...}}` object."""
    problems: list[Problem] = []
    if not isinstance(obj, dict):
        return CallCandidate(None, None, text, span,
                             [Problem(MALFORMED, "call payload is not a JSON object", span)])
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        problems.append(Problem(MISSING_NAME, "call has no \"name\"", span))
        name = None
    args: Any = None
    for key in arg_keys:
        if key in obj:
            args = obj[key]
            break
    args, problem = arguments_object(args, span)
    problems += problem
    return CallCandidate(name, args, json.dumps(args) if args is not None else text, span, problems)


def arguments_object(args: Any, span: tuple[int, int]) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Arguments as a dict: absent is {}, a JSON string is decoded (some models write the
    arguments as a string), anything else that is not an object is malformed."""
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except json.JSONDecodeError as exc:
            return None, [Problem(INVALID_JSON, f"arguments string is not JSON: {exc.msg}", span)]
    if args is None:
        return {}, []
    if not isinstance(args, dict):
        return None, [Problem(MALFORMED, "arguments are not a JSON object", span)]
    return args, []


def end_problems(spec: FormatSpec, region: Region, what: str = "") -> tuple[list[Problem], bool]:
    """(problems, ended_at_eof) for how a region ended.

    Closed by its end marker: fine. Running to the end of the output: fine when the family's end
    marker is a stop token (the engine swallowed it) and the payload is complete, else missing.
    Cut by the next call or a foreign marker: the end marker is missing.
    """
    if region.closed:
        return [], False
    complete = region.value_closed if region.value_start is not None else True
    if region.at_eof and spec.end_is_stop_token:
        return [], complete
    if not spec.end_marker:
        return [], False  # nothing to miss: the payload's own problems say the rest
    what = what or (region.opener.group(0).strip() or "the call")
    follow = "text ends" if region.at_eof else {"start": "the next call starts", "cut": "another message starts",
                                                 "value": "text follows", "eof": "text ends"}[region.stop]
    return [Problem(MISSING_END_MARKER, f"no {spec.end_marker} after {what} ({follow} first)",
                    (region.start, region.end))], False


def json_call(spec: FormatSpec, text: str, region: Region, lo: int, hi: int,
              arg_keys: tuple[str, ...] = ("arguments", "parameters")) -> CallCandidate:
    """A candidate from a region whose text[lo:hi] is one `{"name", "arguments"}` object."""
    span = (region.start, region.end)
    payload = text[lo:hi]
    obj, problem = decode_json_object(payload, lo, region.at_eof)
    if problem:
        cand = CallCandidate(partial_name(payload), None, payload.strip(), span, [problem])
    else:
        cand = name_and_arguments(obj, span, payload.strip(), arg_keys)
    extra, cand.ended_at_eof = end_problems(spec, region)
    cand.problems += extra
    return cand
