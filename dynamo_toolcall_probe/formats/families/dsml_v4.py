"""DeepSeek V4 DSML tool calls (Dynamo parsers `deepseek_v4`, `deepseek-v4`, `deepseekv4`)::

    <｜DSML｜tool_calls>
    <｜DSML｜invoke name="get_weather">
    <｜DSML｜parameter name="location" string="true">Paris</｜DSML｜parameter>
    </｜DSML｜invoke>
    </｜DSML｜tool_calls>

Same shape as V3.2 (see `dsml_v32`) with the outer tag `tool_calls`. Verified on the 1.6.1
frontend for all three names. The `deepseek_v4` reasoning parser does NOT start inside `<think>`
(text before a bare `</think>` stays content, observed).

Streaming (tests/formats/test_scenarios_e2e.py): one and two calls stream as they parse non-
streaming at 1 and 3-1-4-1-2 tokens per chunk.
"""

from __future__ import annotations

from .dsml_v32 import Dsml


class DsmlV4(Dsml):
    family = "dsml_v4"
    block_name = "tool_calls"


SPEC = DsmlV4()
