"""Qwen3-Coder XML tool calls (Dynamo parsers `qwen3_coder`, `nemotron_nano`)::

    <tool_call>
    <function=get_weather>
    <parameter=location>
    Paris
    </parameter>
    <parameter=days>
    3
    </parameter>
    </function>
    </tool_call>

One `<tool_call>` block per call. The `<tool_call>` marker is shared with hermes (JSON body) and
glm47 (`name<arg_key>...` body): only blocks whose body starts with `<function=` are claimed.
A value is trimmed and typed by the tool's JSON Schema the way Dynamo's `convert_param_value`
does (`formats.values.xml_value`; observed on 1.6.1: a string-typed `123` stays "123", `null` is
null whatever the type, an untyped parameter is a string).
Stop tokens: Qwen generation_config `eos_token_id` = <|im_end|>, <|endoftext|>; `</tool_call>` is
written before them.

Verified on the real 1.6.1 frontend (both names; `qwen3_coder` with and without the `qwen3`
reasoning parser). Dynamo also parses a bare `<function=...>` without `<tool_call>` (reported here
as malformed: the wrapper is missing). Reasoning: `nemotron_nano` starts inside `<think>`;
`qwen3` and `qwen3_coder` reasoning parsers do not (text before a bare `</think>` stays content).

Streaming (tests/formats/test_scenarios_e2e.py): one and two calls stream as they parse non-
streaming at 1 and 3-1-4-1-2 tokens per chunk.
"""

from __future__ import annotations

import re
from ..shapes_xml import InvokeXml


class Qwen3Coder(InvokeXml):
    family = "qwen3_coder"
    block_start = "<tool_call>"
    block_end = "</tool_call>"
    body_prefix = "<function="
    invoke_open = re.compile(r"<function=(?P<name>[^>\n]*)>")
    invoke_close = "</function>"
    param_open = re.compile(r"<parameter=(?P<key>[^>\n]*)>")
    param_close = "</parameter>"
    render_invoke = "<function={name}>\n{params}\n</function>"
    render_param = "<parameter={key}>\n{value}\n</parameter>"
    render_block_per_call = True
    start_markers = (block_start,)
    end_marker = block_end
    leak_markers = ("<function=", "</function>", "<parameter=", "</parameter>")
    value_typing = "xml"
    stop_tokens = ("<|im_end|>", "<|endoftext|>")
    impossible_scenarios = {
        **InvokeXml.impossible_scenarios,
        "stop_token_end": "`</tool_call>` is not a stop token (Qwen eos: <|im_end|>, <|endoftext|>)",
    }


SPEC = Qwen3Coder()
