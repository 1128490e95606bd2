"""MiniMax-M2 / M2.1 tool calls (Dynamo parser `minimax_m2`)::

    <minimax:tool_call>
    <invoke name="get_weather">
    <parameter name="location">Paris</parameter>
    <parameter name="days">3</parameter>
    </invoke>
    </minimax:tool_call>

One block may hold several invokes. Values are typed by the tool's JSON Schema like qwen3_coder's
(`formats.values.xml_value`, observed on 1.6.1 with the same typed tool). The turn ends with the
EOS token `[e~[` (MiniMax-M2 generation_config), after `</minimax:tool_call>`.

Verified on the real ai-dynamo 1.6.1 frontend (scripted worker): the block above parses to
`{"location":"Paris","days":3}`; the M3 namespace format is NOT read by this parser. Dynamo also
recovers invokes whose outer block is missing (reported here as malformed, the wrapper is gone);
it even makes a call with `{}` arguments out of MiniMax M3 text (`]<]minimax[>[<invoke ...>`) and
leaks the namespace tokens: that text is not claimed here, it is M3's.
Reasoning (`minimax_m2` reasoning parser): the completion starts inside `<think>`, so text before
a bare `</think>` is reasoning (observed on 1.6.1).

Streaming (tests/formats/test_scenarios_e2e.py): one and two calls stream as they parse non-
streaming at 1 and 3-1-4-1-2 tokens per chunk.
"""

from __future__ import annotations

import re

from ..shapes_xml import InvokeXml


class MiniMaxM2(InvokeXml):
    family = "minimax_m2"
    block_start = "<minimax:tool_call>"
    block_end = "</minimax:tool_call>"
    # not preceded by the M3 namespace token: `]<]minimax[>[<invoke ...>` is MiniMax M3's
    invoke_open = re.compile(r'<(?<!\]<\]minimax\[>\[<)invoke name="?(?P<name>[^">]*)"?\s*>')
    invoke_close = "</invoke>"
    param_open = re.compile(r'<parameter name="(?P<key>[^"]*)"\s*>')
    param_close = "</parameter>"
    render_invoke = '<invoke name="{name}">\n{params}\n</invoke>'
    render_param = '<parameter name="{key}">{value}</parameter>'
    start_markers = (block_start,)
    end_marker = block_end
    leak_markers = (block_start, block_end, "<invoke name=", "</invoke>", "</parameter>")
    value_typing = "xml"
    stop_tokens = ("[e~[",)
    impossible_scenarios = {
        **InvokeXml.impossible_scenarios,
        "stop_token_end": "`</minimax:tool_call>` is not a stop token (the EOS `[e~[` follows it)",
    }


SPEC = MiniMaxM2()
