from __future__ import annotations

from ..shapes import WrappedJsonList


class Mistral(WrappedJsonList):
    """Mistral tool calls (Dynamo parser `mistral`), the v0.3 tokenizer format::

        [TOOL_CALLS][{"name": "get_weather", "arguments": {"location": "Paris"}}]

    `[TOOL_CALLS]` is a special token; the JSON list holds every call and usually ends the output
    (Dynamo also accepts an optional `[/TOOL_CALLS]`). Dynamo 1.6.1's `mistral` parser also reads
    a bare JSON call after other markup: on hermes text it extracts the call and leaves
    `<tool_call>\\n</tool_call>` in content (seen on the frontend; tests/cases/30-*).
    """

    family = "mistral"
    start_markers = ("[TOOL_CALLS]",)
    end_marker = ""
    leak_markers = ("[TOOL_CALLS]", "[/TOOL_CALLS]")


SPEC = Mistral()
