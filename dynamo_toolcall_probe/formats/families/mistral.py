"""Mistral tool calls (Dynamo parser `mistral`), in both tokenizer generations::

    [TOOL_CALLS][{"name": "get_weather", "arguments": {"location": "Paris"}}]      (v3, pre-v11)
    [TOOL_CALLS]get_weather[ARGS]{"location": "Paris"}[TOOL_CALLS]get_time[ARGS]{...}   (v11+)

v3 (Mistral-7B-Instruct-v0.3, Mixtral, Nemo) writes one JSON list of every call after
`[TOOL_CALLS]`. v11+ (Mistral Small 3.1/3.2, Magistral, Devstral, Ministral 3) writes one
`[TOOL_CALLS]NAME[ARGS]{arguments}` per call; v13 may put `[CALL_ID]id` before `[ARGS]`, and a
client that skips special tokens sees `[TOOL_CALLS]NAME{arguments}` (vLLM tests/tool_parsers/
test_mistral_tool_parser.py: `[TOOL_CALLS]add{"a": 3.5, "b": 4}[TOOL_CALLS]multiply{...}`).

No end marker: a call ends where its JSON ends, and the turn ends with the EOS token `</s>`
(generation_config `eos_token_id` 2; mistral-common encodes a tool-call message as
`[TOOL_CALLS]...</s>`), which is a stop token and never in the text. Dynamo also accepts an
optional `[/TOOL_CALLS]` (config.rs `mistral`).

Verified on the real 1.6.1 frontend (replay): the v3 list parses; the `mistral` parser on v11+
text (`[ARGS]` or not, one call or two) returns NO tool calls and null content: the calls are
silently dropped (a parser logic gap, not the model's fault). `mistral` on hermes text extracts
the call and leaves `<tool_call>\\n</tool_call>` in content (tests/cases/30-*).

Streaming: the v3 list streams as it parses non-streaming at 1 and 3-1-4-1-2 tokens per chunk
(tests/formats/test_scenarios_e2e.py).
"""

from __future__ import annotations

import re

from ..base import JSON, MALFORMED, CallCandidate, Problem, Region, split_regions
from ..bare import bare_region
from ..payload import decode_json_object, end_problems
from ..shapes import WrappedJsonList

# v11+: the tool name, an optional `[CALL_ID]id`, an optional `[ARGS]`, then the JSON arguments.
_V11 = re.compile(r"\s*(?:(?P<name>[^\s\[\]{}\"]+)(?:\[CALL_ID\](?P<id>[^\s\[{]*))?(?P<args>\[ARGS\])?\s*)?")


class Mistral(WrappedJsonList):
    family = "mistral"
    start_markers = ("[TOOL_CALLS]",)
    end_marker = ""
    optional_end_markers = ("[/TOOL_CALLS]",)
    stop_token_ends = ("</s>",)
    leak_markers = ("[TOOL_CALLS]", "[/TOOL_CALLS]", "[ARGS]", "[CALL_ID]")

    def regions(self, text: str) -> list[Region]:
        ends = (*self.optional_end_markers, *self.stop_token_ends)
        found = split_regions(text, self.start_markers, ends, syntax=JSON, value_at=_V11,
                              end_required=False)
        if not found and (bare := bare_region(text, ends, False)) is not None:
            found = [bare]  # a JSON call without [TOOL_CALLS] (formats.bare: a prior)
        return found

    def region_calls(self, text: str, region: Region) -> list[CallCandidate]:
        head = _V11.match(text, region.body_start)
        name = head.group("name") if head else None
        span = (region.start, region.end)
        if region.value_start is None:
            if name and head and head.group("args"):  # `[TOOL_CALLS]name[ARGS]` and no JSON
                return [CallCandidate(name, None, "", span,
                                      [Problem(MALFORMED, "no JSON arguments after [ARGS]", span)])]
            return []  # `[TOOL_CALLS]` before prose: not a call
        if not name:
            return super().region_calls(text, region)  # v3: a list (or one object) of calls
        payload = text[region.value_start:region.body_end]
        obj, problem = decode_json_object(payload, region.value_start, region.at_eof)
        problems = [problem] if problem else []
        if not problem and not isinstance(obj, dict):
            problems.append(Problem(MALFORMED, "arguments are not a JSON object", span))
            obj = None
        extra, at_eof = end_problems(self, region)
        return [CallCandidate(name, None if problem else obj, payload.strip(), span, problems + extra,
                              at_eof)]


SPEC = Mistral()
