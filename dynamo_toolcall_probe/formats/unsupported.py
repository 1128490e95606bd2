"""Documented tool-call formats that no Dynamo tool parser reads, as specs built from the shared
shapes, with the engine parsers that do read them.

They are not families of the registry: `detected_formats` lists formats a `--dyn-tool-call-parser`
can be set to, and detection never names these. The diagnosis reads them only when no Dynamo
family finds a call: a well-formed call in one of them means the deployment has no parser for the
model's format (a configuration problem), not that the model wrote something unreadable; a broken
one is still the model's.

Adding a format is data: a spec here and one `UnsupportedFormat` line. Each says where its
markers come from. Which Dynamo release lacks a parser for it is checked against the measured
parser names (`release.knowledge`), never assumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .base import FormatSpec
from .shapes import WrappedJsonList
from .families.qwen3_coder import Qwen3Coder


class SeedOss(Qwen3Coder):
    """ByteDance Seed-OSS (vLLM `seed_oss` tool parser, vllm/tool_parsers/seed_oss_tool_parser.py;
    llama.cpp tests/test-chat.cpp)::

        <seed:tool_call>
        <function=get_weather>
        <parameter=location>Paris</parameter>
        </function>
        </seed:tool_call>

    Qwen3-Coder's inner markup (the same invoke and parameter markers, values typed by the tool's
    schema) in a `<seed:tool_call>` block.
    """

    family = "seed_oss"
    block_start = "<seed:tool_call>"
    block_end = "</seed:tool_call>"
    render_param = "<parameter={key}>{value}</parameter>"
    render_block_per_call = False
    start_markers = (block_start,)
    end_marker = block_end
    leak_markers = (block_start, block_end)
    reasoning_channel = "seed_think"


class Granite(WrappedJsonList):
    """IBM Granite 3.0 (vLLM `granite` tool parser, vllm/tool_parsers/granite_tool_parser.py)::

        <|tool_call|>[{"name": "get_weather", "arguments": {"location": "Paris"}}]
    """

    family = "granite"
    start_markers = ("<|tool_call|>",)
    end_marker = ""
    bare_json = ""  # a bare JSON list is other formats' (llama3_json), not evidence of this one


@dataclass(frozen=True)
class UnsupportedFormat:
    title: str  # how the format is named in messages
    spec: FormatSpec
    engine_parsers: str  # which serving engines' parsers read it
    #: the name a Dynamo release would list for it (a release that lists one reads the format)
    dynamo_names: tuple[str, ...] = ()

    def scan(self, text: str) -> list[Any]:
        return self.spec.scan(text)


FORMATS: tuple[UnsupportedFormat, ...] = (
    UnsupportedFormat("Seed-OSS", SeedOss(), "vLLM's seed_oss tool parser", ("seed_oss",)),
    UnsupportedFormat("Granite 3.0", Granite(), "vLLM's granite tool parser", ("granite",)),
)
