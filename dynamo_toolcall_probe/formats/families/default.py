from __future__ import annotations

from typing import Any

from ..base import CallCandidate
from ..shapes import FORMAT, WrappedJsonList


class _ToolCallTag(WrappedJsonList):
    family = "default"
    bare_json = ""  # the bare form is its own (_Bare), without a prior
    start_markers = ("<TOOLCALL>",)
    end_marker = "</TOOLCALL>"


class _PythonTag(WrappedJsonList):
    family = "default"
    bare_json = ""
    start_markers = ("<|python_tag|>",)
    end_marker = ""
    stop_token_ends = ("<|eom_id|>", "<|eot_id|>")


class _Bare(WrappedJsonList):
    family = "default"
    end_marker = ""
    bare_json = FORMAT


class Default(WrappedJsonList):
    """What Dynamo parses when `default` is named as the tool parser: either wrapper of its
    generic JSON parser, or no wrapper at all::

        <TOOLCALL>[{"name": "get_weather", "arguments": {"location": "Paris"}}]</TOOLCALL>
        <|python_tag|>{"name": "get_weather", "arguments": {"location": "Paris"}}
        {"name": "get_weather", "arguments": {"location": "Paris"}}

    (`arguments` or `parameters`). The `<TOOLCALL>` form is tried first, as in Dynamo's config;
    the bare form is its fixture's `JsonParserConfig::default()` case (lib/parsers
    tool_calling/test_cases/fixtures/default.rs; returned by 1.6.1). `default` is a parser's
    catch-all (`generic`), not a model's format: where llama3_json reads the same bare call,
    detection names llama3_json unless `default` is the configured parser.
    Seen on the 1.6.1 frontend: `default` extracts the calls of the `<TOOLCALL>` form but leaves
    `</TOOLCALL>` in `content` (streaming and non-streaming), where `nemotron_deci` leaves nothing.
    The `<|python_tag|>` form ends with Llama's stop token like `llama3_json`.

    Streaming (tests/formats/test_scenarios_e2e.py): one and two calls stream as they parse
    non-streaming at 1 and 3-1-4-1-2 tokens per chunk.
    """

    family = "default"
    start_markers = ("<TOOLCALL>", "<|python_tag|>")
    end_marker = "</TOOLCALL>"
    leak_markers = ("<TOOLCALL>", "</TOOLCALL>", "<|python_tag|>")
    impossible_scenarios = {
        "stop_token_end": "the rendered <TOOLCALL> form ends with </TOOLCALL>, not a stop token; "
                          "the <|python_tag|> form's stop-token end is llama3_json's scenario",
    }
    generic = True
    _forms = (_ToolCallTag(), _PythonTag(), _Bare())

    def scan(self, text: str) -> list[CallCandidate]:
        for form in self._forms:
            if found := form.scan(text):
                return found
        return []

    def render(self, calls: list[tuple[str, dict[str, Any]]]) -> str:
        return self._forms[0].render(calls)


SPEC = Default()
