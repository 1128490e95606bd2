"""Muse Glimmer ATEM tool calls (Dynamo parsers `muse`, `muse_glimmer`: same behaviour)::

     to=self<|message|>Need the weather.<|eom|><|start|>assistant to=get_weather<|message|><atem:function_calls>
    <atem:invoke name="get_weather">
    <atem:parameter name="location">Paris</atem:parameter>
    </atem:invoke>
    </atem:function_calls><|eom|>

Muse routes every message with a recipient header `to=RECIPIENT<|message|>`: `self` is private
reasoning, `user` the visible answer, anything else (the tool name, or e.g. `functions`) a tool
message whose body is the ATEM block. Values: Dynamo ignores the tool's schema and reads JSON
where the trimmed text is JSON, else the text as written (observed on 1.6.1: a string-typed `123`
becomes the number 123, `True` stays "True").

Verified on the real 1.6.1 frontend: the block parses only inside a recipient message. A bare
`<atem:function_calls>` block with no `to=...<|message|>` header before it is left in `content`
(reported here as malformed); a truncated invoke is dropped. Both names take the parsers-v2
route by default (Dynamo docs, "Parser Generation Routing").

Streaming (tests/formats/test_scenarios_e2e.py): one and two calls stream as they parse non-
streaming at 1 and 3-1-4-1-2 tokens per chunk.
"""

from __future__ import annotations

import re

from ..shapes_xml import InvokeXml


class Muse(InvokeXml):
    family = "muse"
    block_start = "<atem:function_calls>"
    block_end = "</atem:function_calls>"
    invoke_open = re.compile(r'<atem:invoke\b[^>]*?\bname="(?P<name>[^"]*)"[^>]*>')
    invoke_close = "</atem:invoke>"
    param_open = re.compile(r'<atem:parameter\b[^>]*?\bname="(?P<key>[^"]*)"[^>]*>')
    param_close = "</atem:parameter>"
    header_re = re.compile(r"(?:<\|start\|>assistant)?[ \t]*to=(?!self<|user<)[^\s<]+<\|message\|>\s*\Z")
    header_hint = ("ATEM block outside a tool message: Dynamo's Muse parser only reads it after a "
                   "`to=<tool><|message|>` header, so it stays in content")
    trailer_re = re.compile(r"\s*(?:<\|eom\|>|<\|eot\|>|<\|end_of_text\|>)")
    render_invoke = '<atem:invoke name="{name}">\n{params}\n</atem:invoke>'
    render_param = '<atem:parameter name="{key}">{value}</atem:parameter>'
    start_markers = (block_start,)
    end_marker = block_end
    leak_markers = (block_start, block_end, "<atem:invoke", "</atem:parameter>", "<|message|>",
                    "<|eom|>", "<|start|>")
    stop_tokens = ("<|eot|>", "<|end_of_text|>")
    reasoning_channel = "muse_self"
    extra_closers = ("<|eom|>",)
    impossible_scenarios = {
        **InvokeXml.impossible_scenarios,
        "stop_token_end": "`</atem:function_calls>` closes the block in the text; the message's "
                          "<|eom|> follows it and the model goes on after <|eom|> (reasoning to=self "
                          "ends with it too)",
    }

    def render(self, calls):  # type: ignore[no-untyped-def]
        return f" to={calls[0][0] if calls else 'functions'}<|message|>" + super().render(calls) + "<|eom|>"


SPEC = Muse()
