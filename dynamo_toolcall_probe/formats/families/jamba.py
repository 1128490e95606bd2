from __future__ import annotations

from ..shapes import WrappedJsonList


class Jamba(WrappedJsonList):
    """AI21 Jamba tool calls (Dynamo parser `jamba`)::

        <tool_calls>[{"name": "get_weather", "arguments": {"location": "Paris"}}]</tool_calls>

    Plural `<tool_calls>`, unlike hermes' per-call `<tool_call>`; one JSON list for all calls.
    """

    family = "jamba"
    start_markers = ("<tool_calls>",)
    end_marker = "</tool_calls>"


SPEC = Jamba()
