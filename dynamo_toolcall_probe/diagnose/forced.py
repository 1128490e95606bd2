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
from ..formats.extract import schema_errors, tool_schemas
from ..formats.reasoning import reasoning_spans
from ..verdicts import Verdict
from .fix import FORCED_FAULT_FIX, NOTHING_TO_FIX
from .no_call import tool_choice_required


@dataclass(frozen=True)
class ForcedCall:
    name: str
    arguments: Any


def answer_text(text: str, reasoning_parser: str | None) -> str:
    """`text` without its reasoning spans: what a constraint on the answer applies to."""
    spans = reasoning_spans(text, reasoning_parser)
    kept, pos = [], 0
    for start, end, _ in spans:
        kept.append(text[pos:max(pos, start)])
        pos = max(pos, end)
    return "".join(kept) + text[pos:]


def forced_calls(text: str, request: dict[str, Any] | None,
                 reasoning_parser: str | None = None) -> list[ForcedCall] | None:
    """The calls `text` holds in the forced shape of `request`'s tool_choice; None when the
    request forces no call or the answer is not in that shape."""
    forced = tool_choice_required(request)
    if forced is None:
        return None
    try:
        value = json.loads(answer_text(text, reasoning_parser).strip())
    except ValueError:
        return None
    if forced != "*":
        return [ForcedCall(forced, value)] if isinstance(value, dict) else None
    if (isinstance(value, list) and value
            and all(isinstance(v, dict) and isinstance(v.get("name"), str) for v in value)):
        # "parameters" is what the constraint asks for; "arguments" is read too (the OpenAI key
        # an engine that ignored the constraint may write), so the call is judged, not lost.
        return [ForcedCall(v["name"], v["parameters"] if "parameters" in v else v.get("arguments"))
                for v in value]
    return None


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


def judge_forced(calls: list[ForcedCall], observed: list[Any], request: dict[str, Any] | None,
                 add, lost_fix: str | None) -> None:
    """Findings for an answer in the forced shape. `add(verdict, check, message, fix, note)` as
    the judge's; `lost_fix`: the release's measured fix for a lost forced call, if any. A fault
    of the answer is one the constraint should have made impossible: its fix is the engine's."""
    shape, names = shape_of(request), ", ".join(c.name for c in calls)
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
            add(Verdict.MODEL, kinds.MALFORMED, f"{wrote}; the response {took}",
                FORCED_FAULT_FIX, False)
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
