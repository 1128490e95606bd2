from __future__ import annotations

from ..shapes import WrappedJsonList


class Phi4(WrappedJsonList):
    """Phi-4 mini tool calls (Dynamo parser `phi4`)::

        functools[{"name": "get_weather", "arguments": {"location": "Paris"}}]

    `functools` is a plain word, not a special token, so it can also appear in ordinary prose;
    only `functools` followed by a JSON list or object counts as a call. No end marker: the list
    closes itself and the turn ends with a stop token (Phi-4-mini-instruct generation_config
    `eos_token_id` = `<|end|>` 200020, `<|endoftext|>` 199999), never in the text.

    Observed on 1.6.1: an `<|end|>` decoded into the text is left in content. Streaming
    (tests/formats/test_scenarios_e2e.py): one and two calls stream as they parse non-streaming
    at 1 and 3-1-4-1-2 tokens per chunk.
    """

    family = "phi4"
    start_markers = ("functools",)
    end_marker = ""
    stop_token_ends = ("<|end|>", "<|endoftext|>")


SPEC = Phi4()
