"""DeepSeek V3.2 DSML tool calls (Dynamo parser `deepseek_v3_2`)::

    <｜DSML｜function_calls>
    <｜DSML｜invoke name="get_weather">
    <｜DSML｜parameter name="location" string="true">Paris</｜DSML｜parameter>
    <｜DSML｜parameter name="days" string="false">3</｜DSML｜parameter>
    </｜DSML｜invoke>
    </｜DSML｜function_calls>

(｜ is U+FF5C.) The text states each value's type and Dynamo ignores the tool's schema (observed
on 1.6.1): `string="true"` is the trimmed text; no attribute is JSON when the trimmed text is JSON,
else the trimmed text (a string-typed `123` without the attribute becomes the number 123);
`string="false"` promises JSON: a value that is not JSON is the model's error (Dynamo keeps it
as the trimmed string). V3.2 and V4 differ in the outer tag only
(`function_calls` vs `tool_calls`, Dynamo config.rs `deepseek_dsml(block_name)`); each parser
reads its own. Observed on the 1.6.1 frontend: the other version's block is still half-read (bare
invokes recovered) and its opener is left in `content`, so it is reported here as a call outside
the block. Reasoning (`deepseek_v3_2`): the completion starts inside `<think>` (observed).

Streaming (tests/formats/test_scenarios_e2e.py): one and two calls stream as they parse non-
streaming at 1 and 3-1-4-1-2 tokens per chunk.
"""

from __future__ import annotations

import re
from typing import Any

from ..shapes_xml import InvokeXml
from ..values import guess

BAR = "｜DSML｜"


class Dsml(InvokeXml):
    """The DSML shape; subclasses set the block name and the token spacing."""

    block_name = "function_calls"
    space = ""
    stop_tokens = ("<｜end▁of▁sentence｜>",)  # V4.1 writes `<｜DSML｜ invoke ...>` with a space after the token

    def __init_subclass__(cls, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls._setup()

    @classmethod
    def _setup(cls) -> None:
        tok, sp = BAR, cls.space
        cls.block_start = f"<{tok}{sp}{cls.block_name}>"
        cls.block_end = f"</{tok}{sp}{cls.block_name}>"
        cls.invoke_open = re.compile(re.escape(f"<{tok}{sp}invoke name=") + r'"(?P<name>[^"]*)"\s*>')
        cls.invoke_close = f"</{tok}{sp}invoke>"
        cls.param_open = re.compile(re.escape(f"<{tok}{sp}parameter name=")
                                    + r'"(?P<key>[^"]*)"(?:\s+string="(?P<string>[^"]*)")?\s*>')
        cls.param_close = f"</{tok}{sp}parameter>"
        cls.render_invoke = f'<{tok}{sp}invoke name="{{name}}">\n{{params}}\n</{tok}{sp}invoke>'
        cls.render_param = (f'<{tok}{sp}parameter name="{{key}}" string="{{string}}">{{value}}'
                            f"</{tok}{sp}parameter>")
        cls.start_markers = (cls.block_start,)
        cls.end_marker = cls.block_end
        cls.leak_markers = (cls.block_start, cls.block_end, f"<{tok}{sp}invoke", cls.param_close)
        cls.impossible_scenarios = {
            **InvokeXml.impossible_scenarios,
            "stop_token_end": f"`{cls.block_end}` is not a stop token (DeepSeek's EOS "
                              "<｜end▁of▁sentence｜> follows it)",
        }

    def decode_value(self, raw: str, match: re.Match[str]) -> tuple[Any, str | None]:
        string = match.group("string")
        if string == "true":
            return raw.strip(), None
        value = guess(raw.strip())
        if string == "false" and value == raw.strip() and isinstance(value, str):
            # the text promised JSON and broke it (Dynamo keeps the text as a string)
            return None, 'string="false" but the value is not JSON'
        return value, None


class DsmlV32(Dsml):
    family = "dsml_v32"
    block_name = "function_calls"


SPEC = DsmlV32()
