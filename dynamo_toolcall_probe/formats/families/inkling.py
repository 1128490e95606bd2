"""Inkling tool calls (Dynamo parser `inkling`)::

    <|message_model|>get_weather<|content_invoke_tool_json|>{"name": "get_weather", "args": {"location": "Paris"}}<|end_message|>

One block per call: an optional `<|message_model|>NAME` header (redundant; the JSON `name` wins),
`<|content_invoke_tool_json|>`, a JSON object with `name` and `args` (NOT `arguments`), then
`<|end_message|>`. `<|message_model|>` also opens thinking and text blocks
(`<|message_model|><|content_thinking|>...<|end_message|>`): only `<|content_invoke_tool_json|>`
opens a call. Pair it with the `inkling` reasoning parser.

Verified on the real 1.6.1 frontend (with and without the `inkling` reasoning parser, header and
header-less, two calls). An object with `arguments` instead of `args` is returned as a call with
EMPTY arguments `{}` (reported as malformed); a block without `<|end_message|>` is dropped.
"""

from __future__ import annotations

import json
from typing import Any

from ..base import (MALFORMED, MISSING_END_MARKER, MISSING_NAME, CallCandidate, FormatSpec,
                    Problem, decode_json_object, partial_name)

HEADER, INVOKE, END = "<|message_model|>", "<|content_invoke_tool_json|>", "<|end_message|>"


class Inkling(FormatSpec):
    family = "inkling"
    start_markers = (INVOKE,)
    end_marker = END
    leak_markers = (INVOKE, END, HEADER)

    def scan(self, text: str) -> list[CallCandidate]:
        out = []
        pos = 0
        while (at := text.find(INVOKE, pos)) >= 0:
            start = text.rfind(HEADER, pos, at)
            if start < 0 or "<|" in text[start + len(HEADER):at]:
                start = at  # no header of its own (another block's `<|...|>` sits between)
            body = at + len(INVOKE)
            end = text.find(END, body)
            nxt = text.find(INVOKE, body)
            closed = end >= 0 and (nxt < 0 or end < nxt)
            hi = end if closed else (nxt if nxt >= 0 else len(text))
            stop = end + len(END) if closed else hi
            if not closed and nxt >= 0:  # stop before the next block's header
                h = text.rfind(HEADER, body, nxt)
                hi = stop = h if h >= 0 else hi
            out.append(self._call(text, body, hi, (start, stop), closed))
            pos = stop
        return out

    def _call(self, text: str, lo: int, hi: int, span: tuple[int, int], closed: bool) -> CallCandidate:
        payload = text[lo:hi]
        obj, problem = decode_json_object(payload, lo)
        problems: list[Problem] = [problem] if problem else []
        name: Any = partial_name(payload) if problem else None
        args: Any = None
        if not problem:
            if not isinstance(obj, dict):
                problems.append(Problem(MALFORMED, "call payload is not a JSON object", span))
            else:
                name = obj.get("name")
                args = obj.get("args")
                if "args" not in obj:
                    problems.append(Problem(MALFORMED, "no \"args\" key" + (
                        " (\"arguments\" is not read: Dynamo returns the call with empty arguments)"
                        if "arguments" in obj else ""), span))
                    args = None
                elif not isinstance(args, dict):
                    problems.append(Problem(MALFORMED, "\"args\" is not a JSON object", span))
                    args = None
        if not isinstance(name, str) or not name:
            name = None
            if not problem:
                problems.append(Problem(MISSING_NAME, "call has no \"name\"", span))
        if not closed:
            problems.append(Problem(MISSING_END_MARKER, f"no {END} after {INVOKE}"
                                    + (" (text ends first)" if span[1] == len(text) else ""), span))
        return CallCandidate(name, args, payload.strip(), span, problems)

    def render(self, calls: list[tuple[str, dict[str, Any]]]) -> str:
        return "".join(f"{HEADER}{n}{INVOKE}{json.dumps({'name': n, 'args': a}, ensure_ascii=False)}{END}"
                       for n, a in calls)


SPEC = Inkling()
