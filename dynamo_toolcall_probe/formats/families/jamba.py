from __future__ import annotations

from ..shapes import WrappedJsonList


class Jamba(WrappedJsonList):
    """AI21 Jamba tool calls (Dynamo parser `jamba`)::

        <tool_calls>[{"name": "get_weather", "arguments": {"location": "Paris"}}]</tool_calls>

    Plural `<tool_calls>`, unlike hermes' per-call `<tool_call>`; one JSON list for all calls.
    `</tool_calls>` is written by the model inside its message (the Jamba 1.5 chat template renders
    it before the end-of-message token), so it is not a stop token.

    A `</tool_calls>` inside a JSON string argument does not end the list; the 1.6.1 jamba
    parser cuts there, drops the call and leaks the rest into content (observed). Streaming
    (tests/formats/test_scenarios_e2e.py): one and two calls stream as they parse non-streaming
    at 1 and 3-1-4-1-2 tokens per chunk.
    """

    family = "jamba"
    start_markers = ("<tool_calls>",)
    end_marker = "</tool_calls>"
    impossible_scenarios = {
        "stop_token_end": "`</tool_calls>` is message text (the chat template writes it before the "
                          "end of the message), not a stop token",
    }


SPEC = Jamba()
