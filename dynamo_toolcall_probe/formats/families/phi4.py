from __future__ import annotations

from ..shapes import WrappedJsonList


class Phi4(WrappedJsonList):
    """Phi-4 mini tool calls (Dynamo parser `phi4`)::

        functools[{"name": "get_weather", "arguments": {"location": "Paris"}}]

    `functools` is a plain word, not a special token, so it can also appear in ordinary prose;
    only `functools` followed by a JSON list or object counts as a call. No end marker.
    """

    family = "phi4"
    start_markers = ("functools",)
    end_marker = ""


SPEC = Phi4()
