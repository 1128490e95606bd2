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
A value loses one leading and one trailing newline; Dynamo then types it with the tool's schema,
without it we decode JSON where the value is JSON ("3" -> 3), else keep the string.

Verified on the real 1.6.1 frontend (both names; `qwen3_coder` with and without the `qwen3`
reasoning parser). Dynamo also parses a bare `<function=...>` without `<tool_call>` (reported here
as malformed: the wrapper is missing). Reasoning: `nemotron_nano` starts inside `<think>`;
`qwen3` and `qwen3_coder` reasoning parsers do not (text before a bare `</think>` stays content).
"""

from __future__ import annotations

import re
from typing import Any

from ..shapes_xml import InvokeXml, json_or_string


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

    def decode_value(self, raw: str, match: re.Match[str]) -> tuple[Any, str | None]:
        raw = raw[1:] if raw.startswith("\n") else raw
        raw = raw[:-1] if raw.endswith("\n") else raw
        return json_or_string(raw), None


SPEC = Qwen3Coder()
