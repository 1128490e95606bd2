"""The raw output holds no call any family parses: was one wanted, and did the model try?

- Tools offered and a prose answer: the model chose not to call. That is the model's verdict, with
  the fix a user can apply (`tool_choice: "required"`, a clearer tool description), never "nothing
  to fix". Not when the request said `tool_choice: "none"`, and not when the last message is a
  tool result (answering from the results is what the model should do).
- Markup that looks like a tool call but that no family parses (an invented tag, a tag named
  after an offered tool, a known sentinel spelled wrong): the model's error. No parser fix exists.
- Tool-call-shaped output when the request offered no tools: the model, or a template that
  rendered tool instructions anyway.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

from ..reconstruct import SOURCE_CONTENT, RawOutput
from ..verdicts import Verdict
from .observed import Observed, decode_arguments
from .reasoning_checks import answer_filed_as_reasoning

Add = Callable[..., None]

#: tags and brackets whose name says "tool call" in any spelling: <tool_call>, [TOOL_CALL],
#: <｜｜DSML｜｜tool_calls>, <function_calls>, <|invoke ...>
_CALL_TAG = re.compile(r"[<\[][^<>\[\]\n]{0,24}?(?:tool[_ ]?calls?|function[_ ]?calls?|invoke)"
                       r"[^<>\[\]\n]{0,40}[>\]]", re.IGNORECASE)


_ARG_KEYS = ("arguments", "parameters", "args", "input")
_MAX_OBJECTS = 4096  # JSON objects tried in one raw output (each brace is one start)


def _json_objects(text: str):
    """Every JSON object that decodes at some `{` of `text` (nested ones included)."""
    decoder = json.JSONDecoder()
    start = text.find("{")
    for _ in range(_MAX_OBJECTS):
        if start < 0:
            return
        try:
            value, _end = decoder.raw_decode(text, start)
        except (json.JSONDecodeError, RecursionError):
            value = None
        if isinstance(value, dict):
            yield value
        start = text.find("{", start + 1)


def calls_written(text: str, calls: list[Any]) -> bool:
    """Each returned call (`ObservedCall`) stands in `text` as a JSON object with its name and its
    arguments under an arguments key: the parser did not invent it."""
    objects = [o for o in _json_objects(text) if isinstance(o.get("name"), str)]
    for call in calls:
        if call.arguments is None or not any(
                o["name"] == call.name and any(o.get(k) == call.arguments or (
                    isinstance(o.get(k), str) and decode_arguments(o[k]) == call.arguments)
                    for k in _ARG_KEYS if k in o) for o in objects):
            return False
    return bool(calls)


def offered_tools(request: dict[str, Any] | None) -> list[str] | None:
    """Names of the request's tools; [] when it offered none; None when the request is unknown."""
    if request is None:
        return None
    tools = request.get("tools")
    names = []
    for tool in tools if isinstance(tools, list) else []:
        fn = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            names.append(fn["name"])
    return names


def tool_choice_required(request: dict[str, Any] | None) -> str | None:
    """The tool the request forces ("*" for `required`), or None."""
    choice = (request or {}).get("tool_choice")
    if choice == "required":
        return "*"
    if isinstance(choice, dict):
        fn = choice.get("function")
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            return fn["name"]
    return None


def call_like_markup(text: str, tools: list[str] | None) -> str | None:
    """The first piece of text that looks like an attempt at a tool call, or None: a tag or
    bracket named like a tool call or after an offered tool, or a JSON object that names an
    offered tool (as its "name", or as its key: `{"TaskCreate": {...}}`)."""
    match = _CALL_TAG.search(text)
    for name in tools or ():
        tag = re.search(r"[<\[]\s*/?\s*" + re.escape(name) + r"\b[^<>\[\]\n]{0,40}[>\]]", text)
        if tag and (match is None or tag.start() < match.start()):
            match = tag
    if match:
        return match.group(0)
    offered = set(tools or ())
    for obj in _json_objects(text) if offered else ():
        if obj.get("name") in offered or offered & set(obj):
            shown = json.dumps(obj, ensure_ascii=False)
            return shown if len(shown) <= 80 else shown[:77] + "..."
    return None


def _answers_tool_results(request: dict[str, Any] | None) -> bool:
    messages = (request or {}).get("messages")
    if not isinstance(messages, list) or not messages or not isinstance(messages[-1], dict):
        return False
    return messages[-1].get("role") in ("tool", "function")


def judge_no_call(raw: RawOutput, observed: Observed, request: dict[str, Any] | None,
                  add: Add, fixes: Callable[[str], str], raw_fix: str,
                  reasoning_parser: str | None = None) -> None:
    """Findings for a raw output in which no family finds a call. `fixes(check)` words a model
    fix; `raw_fix` is the fix for an unknown raw output."""
    tools = offered_tools(request)
    if (lost := answer_filed_as_reasoning(raw, observed, reasoning_parser)) is not None:
        add(lost.verdict, lost.check, lost.message, lost.fix)
        return
    if observed.tool_calls and not raw.exact and raw.source != SOURCE_CONTENT:
        add(Verdict.INCONCLUSIVE, "raw_output", "the response has tool calls but the raw output is "
            "incomplete (" + "; ".join(raw.notes[:2]) + "): it cannot show whether the model "
            "emitted them; capture again with the worker hook (probe-launch) or nvext token ids",
            raw_fix)
        return
    if observed.tool_calls and raw.source == SOURCE_CONTENT:
        add(Verdict.INCONCLUSIVE, "raw_output", "without logprobs the raw output is unknown: the "
            "parser consumed the markers of the returned calls; resend with \"logprobs\": true",
            raw_fix)
        return
    if observed.tool_calls and calls_written(raw.text, observed.tool_calls):
        names = ", ".join(sorted({c.name or "?" for c in observed.tool_calls}))
        add(Verdict.OK, "recovered_call", f"the response's call(s) ({names}) stand in the raw output "
            "as JSON call objects, name and arguments as returned, in a form no family's strict "
            "reading takes as a call: the parser recovered what the model wrote",
            "nothing to fix: the parser returned the call(s) the model wrote, outside the tool-call "
            "format (check the chat template shows the model its format)")
        return
    if observed.tool_calls:
        add(Verdict.PARSER_LOGIC, "invented_call", f"the response has {len(observed.tool_calls)} "
            "tool call(s) but the raw model output contains no tool call in any known format, nor "
            "their name and arguments as a JSON call object")
        return
    markup = call_like_markup(raw.text, tools)
    if tools == [] and markup:
        add(Verdict.MODEL, "call_without_tools", "the request offered no tools, yet the model "
            f"wrote tool-call markup ({markup!r}): the model, or a chat template that renders "
            "tool instructions without tools, is at fault", fixes("call_without_tools"))
        return
    forced = tool_choice_required(request)
    if markup and tools:
        add(Verdict.MODEL, "unparsed_markup", f"the model wrote tool-call-like markup ({markup!r}) "
            "that no tool-call format reads: under every family it is not a well-formed call, so "
            "no parser setting would return it", fixes("unparsed_markup"))
    elif forced:
        what = "a tool call" if forced == "*" else f"a call to {forced!r}"
        add(Verdict.MODEL, "no_call", f"tool_choice requires {what} but the model emitted none",
            fixes("no_call_required"))
    elif not raw.exact and raw.source == SOURCE_CONTENT:
        add(Verdict.INCONCLUSIVE, "raw_output", "no logprobs: only message.content is known",
            raw_fix)
    elif not tools:
        why = "the request offered no tools" if tools == [] else "the request is unknown (pass --request)"
        add(Verdict.OK, "no_call", f"the model answered without calling a tool ({why})")
    elif (request or {}).get("tool_choice") == "none":
        add(Verdict.OK, "no_call", "the request said tool_choice \"none\" and the model answered "
            "without calling a tool")
    elif _answers_tool_results(request):
        add(Verdict.OK, "no_call", "the model answered from the tool results of the conversation "
            "without calling another tool")
    else:
        what = "answered in prose" if raw.text.strip() else "returned no text at all"
        add(Verdict.MODEL, "no_call", f"the request offered {len(tools)} tool(s) "
            f"({', '.join(tools[:5])}) and the model {what} without calling one: the model chose "
            "not to call", fixes("no_call"))
