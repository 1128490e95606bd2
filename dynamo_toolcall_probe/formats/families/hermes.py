from __future__ import annotations

from ..shapes import DelimitedJson


class Hermes(DelimitedJson):
    """Hermes / Qwen2.5 / Qwen3 tool calls::

        <tool_call>
        {"name": "get_weather", "arguments": {"location": "NYC"}}
        </tool_call>

    One block per call, blocks back to back for parallel calls; text may precede the first block.
    A `</tool_call>` inside a JSON string argument does not end the call (the region splitter reads
    the JSON); an unclosed block followed by the next `<tool_call>` is two calls, the first broken.

    Stop tokens: Qwen2.5 / Qwen3 generation_config `eos_token_id` = `<|im_end|>`, `<|endoftext|>`;
    `</tool_call>` is an ordinary token the model writes before them, so a call without it is
    unclosed whatever the finish reason.

    Verified on the real 1.6.1 frontend (replay, tests/formats/cases/hermes.yaml): both names parse
    the block; a `</tool_call>` inside a string argument makes `hermes` drop the call and leak the
    rest of the JSON into content; an unclosed block followed by a complete one loses BOTH calls
    (content null, finish stop).

    Streaming (tests/formats/test_scenarios_e2e.py): one and two calls stream as they parse
    non-streaming at 1 and 3-1-4-1-2 tokens per chunk.
    """

    family = "hermes"
    start_markers = ("<tool_call>",)
    end_marker = "</tool_call>"
    stop_tokens = ("<|im_end|>", "<|endoftext|>")
    impossible_scenarios = {
        "stop_token_end": "`</tool_call>` is not a stop token (Qwen generation_config eos: "
                          "<|im_end|>, <|endoftext|>): a call without it is unclosed",
    }


SPEC = Hermes()
