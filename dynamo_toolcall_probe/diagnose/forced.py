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

from ..formats.extract import schema_errors, tool_schemas
from ..formats.reasoning import reasoning_spans
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
