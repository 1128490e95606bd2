from __future__ import annotations

import re

from ..shapes import FORMAT, WrappedJsonList


class Llama3Json(WrappedJsonList):
    """Llama 3.1 / 3.2 / 3.3 JSON tool calls (Dynamo parser `llama3_json`)::

        <|python_tag|>{"name": "get_weather", "parameters": {"location": "Paris"}}

    or the same object with no `<|python_tag|>` at the very start of the output. Llama names the
    arguments `parameters`; `arguments` is accepted too. Llama 3.2 writes several calls as JSON
    objects joined by `;` (SGLang test/srt/function_call/test_llama32_detector.py
    `test_multiple_json_objects`: `<|python_tag|>{...};{...}`).

    No end marker in the text: the call ends with a stop token, `<|eom_id|>` (after
    `<|python_tag|>`, "waiting for a tool result") or `<|eot_id|>` (Llama 3.1 generation_config
    `eos_token_id` = <|end_of_text|>, <|eom_id|>, <|eot_id|>; Meta's Llama 3.1 prompt format).
    The engine stops on it, so it is absent from the text and the logprobs; decoded from token ids
    with special tokens it may appear, and then closes the call.
    Verified on the real 1.6.1 frontend (replay): `;`-joined calls both parse (content ';'); an
    `<|eom_id|>` decoded into the text is left in content; with finish_reason length the call
    is returned and finish stays length. Streaming (tests/formats/test_scenarios_e2e.py): one
    and two calls stream as they parse non-streaming at 1 and 3-1-4-1-2 tokens per chunk.
    """

    family = "llama3_json"
    start_markers = ("<|python_tag|>",)
    end_marker = ""
    stop_token_ends = ("<|eom_id|>", "<|eot_id|>")
    stop_tokens = ("<|end_of_text|>",)
    arg_keys = ("parameters", "arguments")
    bare_json = FORMAT
    call_separator = re.compile(r"\s*;\s*(?=[\[{])")


SPEC = Llama3Json()
