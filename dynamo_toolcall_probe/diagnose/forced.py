"""Calls forced by `tool_choice`: the JSON shape Dynamo constrains the engine's output to.

For `"tool_choice": "required"` Dynamo's frontend sends the worker a JSON Schema of an array of
`{"name", "parameters"}` objects; for a named function, the JSON Schema of that function's
parameters alone (measured with the hook on 1.0.2, 1.2.1, 1.5.1 and 1.6.1: the worker's
`sampling_options.guided_decoding.json`). An engine that applies the constraint writes no
tool-call markers: a named call's raw output is its bare arguments object, which the frontend
returns as a call to the named function. That shape is the call format of a forced request,
whatever --dyn-tool-call-parser says, so it is read before any family's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..formats import base as kinds
from ..formats.extract import schema_errors, text_outside, tool_schemas
from ..formats.reasoning import reasoning_spans
from ..verdicts import Verdict
from .fix import CUT_OFF, FORCED_FAULT_FIX, NOTHING_TO_FIX
from .no_call import tool_choice_required


@dataclass(frozen=True)
class ForcedCall:
    name: str
    arguments: Any


def answer_text(text: str, reasoning_parser: str | None) -> str:
    """`text` without its reasoning spans: what a constraint on the answer applies to."""
    return text_outside(text, [(start, end) for start, end, _ in reasoning_spans(text, reasoning_parser)])


@dataclass(frozen=True)
class ForcedAnswer:
    """An answer to a forced tool_choice that is JSON-shaped (it starts with `{` or `[`): the
    calls it holds, or why it is not the forced shape (`problem`, a finding `check`)."""

    calls: list[ForcedCall]
    problem: str | None = None
    check: str | None = None
    wrapped: tuple[str, ...] = ()  # tool-call markers around the payload (wrapped_forced_answer)


def forced_answer(text: str, request: dict[str, Any] | None,
                  reasoning_parser: str | None = None) -> ForcedAnswer | None:
    """The answer read in the forced shape of `request`'s tool_choice; None when the request
    forces no call or the answer is not JSON-shaped (a family's markup, prose)."""
    forced = tool_choice_required(request)
    answer = answer_text(text, reasoning_parser).strip()
    if forced is None or not answer.startswith(("{", "[")):
        return None
    try:
        value = json.loads(answer)
    except ValueError as exc:
        return ForcedAnswer([], f"not valid JSON ({exc.msg} at char {exc.pos})", kinds.INVALID_JSON)
    if forced != "*":
        if isinstance(value, dict):
            return ForcedAnswer([ForcedCall(forced, value)])
        return ForcedAnswer([], "not a JSON object", kinds.MALFORMED)
    # "one call object or an array of them" (Dynamo's conformance suite, GuidedJson mode)
    items = value if isinstance(value, list) else [value]
    calls, broken = [], []
    for i, item in enumerate(items):
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            # "parameters" is what 1.6.1's constraint asks for; "arguments" is the OpenAI key
            # and what Dynamo's own guided fixtures use: both are read.
            calls.append(ForcedCall(item["name"], item["parameters"] if "parameters" in item
                                    else item.get("arguments")))
        else:
            broken.append(i)
    if broken or not items:
        what = (f"element(s) {', '.join(map(str, broken))} of the array are not calls (no name)"
                if broken else "an empty array")
        return ForcedAnswer(calls, what, kinds.MISSING_NAME)
    return ForcedAnswer(calls)


def wrapped_forced_answer(text: str, request: dict[str, Any] | None, reasoning_parser: str | None,
                          family: str | None) -> ForcedAnswer | None:
    """The forced shape inside the tool-call markup of `family` (the detected family, under
    which the text holds no well-formed call): `<tool_call>[{...}]</tool_call>`. Dynamo's parser
    conformance suite has such payloads (opener, closer or both around it) and 1.6.1 returns
    their calls. None when there is no such payload."""
    if family is None or tool_choice_required(request) is None:
        return None
    from ..formats import get_spec

    spec = get_spec(family)
    answer = answer_text(text, reasoning_parser).strip()
    stripped = []
    for marker in sorted(spec.start_markers, key=len, reverse=True):
        if marker and answer.startswith(marker):
            answer, stripped = answer[len(marker):].strip(), [marker]
            break
    if spec.end_marker and answer.endswith(spec.end_marker):
        answer, stripped = answer[:-len(spec.end_marker)].strip(), [*stripped, spec.end_marker]
    found = forced_answer(answer, request) if stripped else None
    if found is None or found.problem:
        return None
    return ForcedAnswer(found.calls, wrapped=tuple(stripped))


def forced_calls(text: str, request: dict[str, Any] | None,
                 reasoning_parser: str | None = None) -> list[ForcedCall] | None:
    """The calls of an answer that is in the forced shape; None otherwise."""
    answer = forced_answer(text, request, reasoning_parser)
    return answer.calls if answer is not None and answer.problem is None else None


def shape_of(request: dict[str, Any] | None) -> str:
    forced = tool_choice_required(request)
    if forced == "*":
        return 'tool_choice "required": a JSON array of {"name", "parameters"} objects'
    return f"tool_choice naming {forced!r}: that function's arguments as one JSON object"


def forced_faults(calls: list[ForcedCall], request: dict[str, Any] | None) -> list[str]:
    """What breaks the request's tools in `calls`: an unknown name, arguments that are not an
    object or break the tool's JSON Schema."""
    schemas = tool_schemas((request or {}).get("tools")) or {}
    faults = []
    for call in calls:
        if call.name not in schemas:
            faults.append(f"{call.name!r} is not an offered tool")
        elif not isinstance(call.arguments, dict):
            faults.append(f"{call.name}: the arguments are not a JSON object")
        else:
            faults += [f"{call.name}: {e}" for e in schema_errors(call.arguments, schemas[call.name])]
    return faults


def same_calls(calls: list[ForcedCall], observed: list[Any]) -> bool:
    """The response returns exactly `calls` (`ObservedCall`s: name and decoded arguments)."""
    return len(calls) == len(observed) and all(
        c.name == o.name and c.arguments == o.arguments for c, o in zip(calls, observed))


def meant(call: ForcedCall, forced: str | None) -> ForcedCall:
    """A named call whose "arguments" are a whole call object ({"name": <the function>,
    "arguments"/"parameters": {...}}): what the model meant is the inner object."""
    args = call.arguments
    if forced not in (None, "*") and isinstance(args, dict) and args.get("name") == call.name:
        inner = next((args[k] for k in ("arguments", "parameters") if isinstance(args.get(k), dict)), None)
        if inner is not None and set(args) <= {"name", "arguments", "parameters"}:
            return ForcedCall(call.name, inner)
    return call


def judge_forced(answer: ForcedAnswer, observed: list[Any], request: dict[str, Any] | None,
                 finish_reason: str | None, add, lost_fix: str | None) -> None:
    """Findings for a JSON-shaped answer to a forced tool_choice. `add(verdict, check, message,
    fix, note)` as the judge's; `lost_fix`: the release's measured fix for a lost forced call.
    A fault of the answer is one the constraint should have made impossible: its fix is the
    engine's (or max_tokens, when generation was cut off)."""
    shape = shape_of(request)
    if answer.problem:
        cut = finish_reason == "length"
        add(Verdict.MODEL, kinds.TRUNCATED if cut else answer.check,
            f"the answer to {shape} is {answer.problem}" + (" (cut off by max_tokens)" if cut else ""),
            CUT_OFF["length"] if cut else FORCED_FAULT_FIX, False)
        if observed:
            add(Verdict.PARSER_LOGIC, "forced_fail_open", f"the response still returns "
                f"{len(observed)} call(s) from a payload that failed validation (Dynamo's parser "
                "conformance expects none: all or nothing)", None, True)
        return
    calls = answer.calls
    names = ", ".join(c.name for c in calls)
    if answer.wrapped:
        markup = " and ".join(repr(m) for m in answer.wrapped)
        around = (f"the forced payload ({names}) stands inside tool-call markup ({markup}), which "
                  "the JSON constraint of a forced tool_choice does not allow")
        if same_calls(calls, observed):
            add(Verdict.MODEL, kinds.MALFORMED, f"{around}; the frontend stripped it", FORCED_FAULT_FIX, True)
            add(Verdict.OK, "forced_call", "the response returns the calls of the payload inside the "
                "markup", NOTHING_TO_FIX, False)
        else:
            add(Verdict.MODEL, kinds.MALFORMED, f"{around}, and the response does not return its "
                "call(s)", FORCED_FAULT_FIX, False)
        return
    intended = [meant(c, tool_choice_required(request)) for c in calls]
    if intended != calls:  # a call object where the bare arguments belong
        wrote = (f"the model wrote a call object ({names}) where {shape} belongs, i.e. not the "
                 "shape the constraint asks for")
        if same_calls(intended, observed):
            add(Verdict.MODEL, kinds.MALFORMED, wrote, FORCED_FAULT_FIX, True)
            add(Verdict.OK, "forced_call", "the response returns the call object's arguments: the "
                "frontend recovered what the model meant", NOTHING_TO_FIX, False)
        else:
            took = ("returns that whole object as the arguments" if same_calls(calls, observed)
                    else "does not return the call the model meant")
            add(Verdict.MODEL, kinds.MALFORMED, f"{wrote}; the response {took}", FORCED_FAULT_FIX,
                False)
        return
    faults = forced_faults(calls, request)
    if faults:
        check = kinds.UNKNOWN_TOOL if "not an offered tool" in faults[0] else kinds.SCHEMA_VIOLATION
        add(Verdict.MODEL, check, f"the forced call(s) ({names}) are in the constrained shape "
            f"({shape}) but break the request's tools: {'; '.join(faults[:3])}", FORCED_FAULT_FIX, False)
    if same_calls(calls, observed):
        add(Verdict.OK, "forced_call", f"{shape}: the engine wrote {len(calls)} call(s) ({names}) in "
            "that shape, without tool-call markers, and the response returns them", NOTHING_TO_FIX,
            bool(faults))
    else:
        got = ", ".join(c.name or "?" for c in observed) or "none"
        add(Verdict.PARSER_LOGIC, "forced_call_lost", f"the engine wrote the forced call(s) ({names}) "
            f"in the constrained shape ({shape}), but the response returns other calls ({got})",
            lost_fix, False)
