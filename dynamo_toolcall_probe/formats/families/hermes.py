from __future__ import annotations

from ..shapes import DelimitedJson


class Hermes(DelimitedJson):
    """Hermes / Qwen2.5 / Qwen3 tool calls::

        <tool_call>
        {"name": "get_weather", "arguments": {"location": "NYC"}}
        </tool_call>

    One block per call, blocks back to back for parallel calls; text may precede the first block.
    """

    family = "hermes"
    start_markers = ("<tool_call>",)
    end_marker = "</tool_call>"


SPEC = Hermes()
