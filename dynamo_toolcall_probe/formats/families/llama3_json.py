from __future__ import annotations

from ..shapes import WrappedJsonList


class Llama3Json(WrappedJsonList):
    """Llama 3.1 / 3.2 JSON tool calls (Dynamo parser `llama3_json`)::

        <|python_tag|>{"name": "get_weather", "parameters": {"location": "Paris"}}

    or the same object with no `<|python_tag|>` at the very start of the output. Llama names the
    arguments `parameters`; `arguments` is accepted too. No end marker: `<|eom_id|>` /
    `<|eot_id|>` end the turn and are stripped before the parser sees the text.
    """

    family = "llama3_json"
    start_markers = ("<|python_tag|>",)
    end_marker = ""
    arg_keys = ("parameters", "arguments")
    bare_json_allowed = True


SPEC = Llama3Json()
