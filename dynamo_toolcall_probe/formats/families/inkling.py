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
Markers inside a JSON string argument are text, for us and for the 1.6.1 parser (observed).
Streaming (tests/formats/test_scenarios_e2e.py): one and two calls stream as they parse non-
streaming at 1 and 3-1-4-1-2 tokens per chunk.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..base import JSON, MALFORMED, MISSING_NAME, CallCandidate, FormatSpec, Problem, Region, split_regions
from ..payload import decode_json_object, end_problems, partial_name

HEADER, INVOKE, END = "<|message_model|>", "<|content_invoke_tool_json|>", "<|end_message|>"


# A call block: the optional `<|message_model|>NAME` header, then `<|content_invoke_tool_json|>`.
_OPEN = re.compile(r"<\|message_model\|>[^<]*<\|content_invoke_tool_json\|>|<\|content_invoke_tool_json\|>")


class Inkling(FormatSpec):
    family = "inkling"
    start_markers = (INVOKE,)
    end_marker = END
    leak_markers = (INVOKE, END, HEADER)
    stop_tokens = ("<|content_model_end_sampling|>",)
    reasoning_channel = "inkling"
    impossible_scenarios = {
        "stop_token_end": "`<|end_message|>` closes every message, thinking ones included, and the "
                          "model goes on after it; the turn stops on <|content_model_end_sampling|>",
    }

    def scan(self, text: str) -> list[CallCandidate]:
        # the next block's header ends an unclosed call (its NAME is not part of the JSON)
        return [self._call(text, r.value_start if r.value_start is not None else r.body_start,
                           r.body_end, r)
                for r in split_regions(text, [_OPEN], [END], cuts=[HEADER], syntax=JSON)]

    def _call(self, text: str, lo: int, hi: int, region: Region) -> CallCandidate:
        span = (region.start, region.end)
        payload = text[lo:hi]
        obj, problem = decode_json_object(payload, lo, region.at_eof)
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
        extra, at_eof = end_problems(self, region, INVOKE)
        return CallCandidate(name, args, payload.strip(), span, problems + extra, at_eof)

    def render(self, calls: list[tuple[str, dict[str, Any]]]) -> str:
        return "".join(f"{HEADER}{n}{INVOKE}{json.dumps({'name': n, 'args': a}, ensure_ascii=False)}{END}"
                       for n, a in calls)


SPEC = Inkling()
