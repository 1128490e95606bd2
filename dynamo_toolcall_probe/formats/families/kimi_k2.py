"""Kimi K2 / K2.5 tool calls (Dynamo parsers `kimi_k2`, `kimi_k25`)::

    <|tool_calls_section_begin|>
    <|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>{"location": "Paris"}<|tool_call_end|>
    <|tool_calls_section_end|>

The call id is `functions.NAME:INDEX`; the arguments one JSON object. The section tokens may be
singular (`<|tool_call_section_begin|>`), as vLLM and Dynamo accept.

Verified on the real 1.6.1 frontend. Arguments that are not JSON are passed through as the raw
string in `function.arguments` (observed); a bad call id or a truncated call is dropped. `kimi_k25` is the same format (it maps to the `kimi_k2`
family on the parsers-v2 route) BUT with the defaults (`DYN_PARSER_VERSION` unset) the `kimi_k25`
tool parser parses nothing in 1.6.1: the text comes back as `content`, with or without the
`kimi_k25` reasoning parser (observed); `DYN_PARSER_VERSION=2` parses it. Reasoning: `<think>`
...`</think>`, not started implicitly (observed with the `kimi_k2` reasoning parser).
The turn ends with `<|im_end|>` (Kimi K2 generation_config eos) after the section end marker. A
section end marker inside a JSON string argument does not end the call (the splitter reads JSON).
Observed on 1.6.1: a section end marker inside a JSON string argument makes kimi_k2 drop the call
and leak the rest into content. Streaming (tests/formats/test_scenarios_e2e.py): one and two calls
stream as they parse non-streaming at 1 and 3-1-4-1-2 tokens per chunk.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..base import MALFORMED, Problem
from ..shapes_xml import JsonBodyInvoke

_ID = re.compile(r"\s*(?:functions\.)?[\w.\-]+:\d+\s*")
_COUNTER = re.compile(r"\s*\d+\s*")


class KimiK2(JsonBodyInvoke):
    family = "kimi_k2"
    block_start = "<|tool_calls_section_begin|>"
    block_end = "<|tool_calls_section_end|>"
    block_open_re = re.compile(r"<\|tool_calls?_section_begin\|>")
    block_close_re = re.compile(r"<\|tool_calls?_section_end\|>")
    invoke_open = re.compile(r"<\|tool_call_begin\|>(?P<id>\s*(?:functions\.)?(?P<name>[\w.\-]*)"
                             r"(?::\d*)?[^<]*?)<\|tool_call_argument_begin\|>")
    invoke_close = "<|tool_call_end|>"
    start_markers = (block_start, "<|tool_call_section_begin|>", "<|tool_call_begin|>")
    end_marker = block_end
    leak_markers = (block_start, block_end, "<|tool_call_begin|>", "<|tool_call_argument_begin|>",
                    "<|tool_call_end|>")
    stop_tokens = ("<|im_end|>",)
    impossible_scenarios = {
        "stop_token_end": "`<|tool_calls_section_end|>` is not a stop token (<|im_end|> follows it)",
    }

    def invoke_name(self, match: re.Match[str]) -> str | None:
        # a bare counter (`<|tool_call_begin|>0 <|tool_call_argument_begin|>`) is an index, not a
        # name: the call names no function (vLLM guesses one from the arguments; nothing should)
        if _COUNTER.fullmatch(match.group("id")):
            return None
        return super().invoke_name(match)

    def invoke_problems(self, match: re.Match[str]) -> list[Problem]:
        if _ID.fullmatch(match.group("id")):
            return []
        return [Problem(MALFORMED, f"call id {match.group('id')!r} is not functions.NAME:INDEX",
                        match.span("id"))]

    def render(self, calls: list[tuple[str, dict[str, Any]]]) -> str:
        body = "".join(f"<|tool_call_begin|>functions.{n}:{i}<|tool_call_argument_begin|>"
                       f"{json.dumps(a, ensure_ascii=False)}<|tool_call_end|>"
                       for i, (n, a) in enumerate(calls))
        return f"{self.block_start}{body}{self.block_end}"


SPEC = KimiK2()
