"""A JSON answer to a request whose `response_format` asks for JSON: the response, not a call.

Dynamo sends a json_object / json_schema response_format to the engine as its decoding
constraint, also when tools are offered with tool_choice "auto" (measured with the hook on 1.6.1:
`guided_decoding.json`), so the answer is a JSON document and no tool call can be written. A
family that reads bare JSON calls (llama3_json) would take `{"name": "Alice", "age": 30}` for a
call to "Alice"; so would Dynamo 1.6.1's hermes parser, which returns exactly that call. An answer
that names an offered tool with arguments is still left to the families: it is a call attempt.
"""

from __future__ import annotations

import json
from typing import Any

from ..verdicts import Verdict
from .forced import answer_text
from .no_call import offered_tools, tool_choice_required

RESPONSE_FORMAT_FIX = ("nothing is broken: the request asked for a JSON answer (response_format), "
                       "which leaves no room for a tool call; drop response_format on turns that "
                       "should call tools, or force the call with tool_choice")
_ARG_KEYS = ("arguments", "parameters")


def json_response_format(request: dict[str, Any] | None) -> str | None:
    """The request's response_format type when it constrains the answer to JSON."""
    fmt = (request or {}).get("response_format")
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    return kind if kind in ("json_object", "json_schema") else None


def response_format_answer(text: str, request: dict[str, Any] | None,
                           reasoning_parser: str | None = None) -> Any:
    """The parsed JSON answer when it is the response_format's document, else None."""
    kind = json_response_format(request)
    if kind is None or tool_choice_required(request) is not None:
        return None
    try:
        value = json.loads(answer_text(text, reasoning_parser).strip())
    except ValueError:
        return None
    tools = set(offered_tools(request) or ())
    items = value if isinstance(value, list) else [value]
    attempt = any(isinstance(v, dict) and v.get("name") in tools and any(k in v for k in _ARG_KEYS)
                  for v in items)
    return None if attempt or not isinstance(value, (dict, list)) else value


def judge_response_format(request: dict[str, Any] | None, observed: list[Any], add,
                          configured: str | None) -> None:
    """Findings for a response_format answer: no call was possible; one the response returns
    was made up by the parser."""
    kind = json_response_format(request)
    if observed:
        names = ", ".join(c.name or "?" for c in observed)
        add(Verdict.PARSER_LOGIC, "response_format_read_as_call", f"the answer is the JSON document "
            f"the request's response_format ({kind}) asks for, not a tool call, but the response "
            f"returns it as call(s) ({names})",
            f"Dynamo's {configured or 'configured'} parser read a response_format answer as a tool "
            "call: report it to ai-dynamo/dynamo with this bundle; meanwhile do not offer tools in "
            "requests that set response_format")
        return
    add(Verdict.OK, "response_format", f"the request's response_format ({kind}) constrains the "
        "whole answer to JSON, and the model answered in JSON: no tool call could be written "
        "(Dynamo sends the format to the engine as its decoding constraint)", RESPONSE_FORMAT_FIX)
