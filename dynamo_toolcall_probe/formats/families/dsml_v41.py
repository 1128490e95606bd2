"""DeepSeek V4.1 DSML tool calls (Dynamo parser `deepseek_v41`)::

    <｜DSML｜ calls>
    <｜DSML｜ invoke name="get_weather">
    <｜DSML｜ parameter name="location" string="true">Paris</｜DSML｜ parameter>
    </｜DSML｜ invoke>
    </｜DSML｜ calls>

Note the space after `｜DSML｜` in every tag and the outer tag ` calls`. Learnt from the 1.6.1
wheel's strings (dynamo-parsers-v2 `unified/deepseek_v41.rs`) and verified on the real 1.6.1
frontend. Only the parsers-v2 route reads it: with the defaults (`DYN_PARSER_VERSION` unset) that
route is taken only when BOTH the tool and the reasoning parser are `deepseek_v41`; with the tool
parser alone the whole text comes back as `content` (observed). `DYN_PARSER_VERSION=2` parses it
with the tool parser alone. The V3.2/V4 blocks are not read by it.

Streaming (tests/formats/test_scenarios_e2e.py): one and two calls stream as they parse non-
streaming at 1 and 3-1-4-1-2 tokens per chunk. (served with the deepseek_v41 reasoning parser)
"""

from __future__ import annotations

from .dsml_v32 import Dsml


class DsmlV41(Dsml):
    family = "dsml_v41"
    block_name = "calls"
    space = " "


SPEC = DsmlV41()
