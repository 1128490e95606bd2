from __future__ import annotations

from ..shapes import WrappedJsonList


class NemotronDeci(WrappedJsonList):
    """Nemotron (Deci / Ultra / Super) tool calls (Dynamo parser `nemotron_deci`)::

        <TOOLCALL>[{"name": "get_weather", "arguments": {"location": "Paris"}}]</TOOLCALL>

    One region holds a JSON list of every call. Dynamo strips the markers on recovery (a bare
    `<TOOLCALL>` never reaches `content`), so a missing end marker may go unnoticed downstream.
    The turn then ends with `<|eot_id|>` (Llama 3 tokenizer); `</TOOLCALL>` is not a stop token.

    Streaming (tests/formats/test_scenarios_e2e.py): one and two calls stream as they parse
    non-streaming at 1 and 3-1-4-1-2 tokens per chunk.
    """

    family = "nemotron_deci"
    start_markers = ("<TOOLCALL>",)
    end_marker = "</TOOLCALL>"
    stop_tokens = ("<|eot_id|>",)
    impossible_scenarios = {
        "stop_token_end": "`</TOOLCALL>` is not a stop token (the turn ends with <|eot_id|> after it)",
    }


SPEC = NemotronDeci()
