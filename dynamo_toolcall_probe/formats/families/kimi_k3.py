"""Kimi K3 XTML tool calls (Dynamo parsers `kimi_k3`, `kimi-k3`)::

    <|open|>response<|sep|>Checking.<|close|>response<|sep|><|open|>tools<|sep|><|open|>call tool="get_weather" index="1"<|sep|><|open|>argument key="location" type="string"<|sep|>Paris<|close|>argument<|sep|><|open|>argument key="days" type="number"<|sep|>3<|close|>argument<|sep|><|close|>call<|sep|><|close|>tools<|sep|><|close|>message<|sep|><|end_of_msg|>

XTML channels: `<|open|>NAME attrs<|sep|>` ... `<|close|>NAME<|sep|>` (the tokenizer may also
emit the spaced form `<|open|> NAME <|sep|>`). Calls sit in the `tools` channel; an argument's
`type` says how to read its value: `string` as written, anything else JSON. A call may instead
carry one `<|open|>json type="object"<|sep|>{...}<|close|>json<|sep|>` block. The tool's schema
is not used (observed on 1.6.1): an argument without `type` is the text as written.

Verified on the real 1.6.1 frontend (both names; compact and spaced markers; argument and json
forms; two calls). Only in the 1.6.1 wheel, learnt from its strings plus public K3 renderers.
Reasoning (`kimi_k3`): `<|open|>think<|sep|>`...`<|close|>think<|sep|>`; the prompt normally
ends with the opener, so the completion starts inside reasoning.

Streaming (tests/formats/test_scenarios_e2e.py): one and two calls stream as they parse non-
streaming at 1 and 3-1-4-1-2 tokens per chunk.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..base import INVALID_JSON, MALFORMED, TRUNCATED, Problem
from ..shapes_xml import Call, InvokeXml


def _tag(kind: str, name: str, attrs: str = "") -> str:
    return rf"<\|{kind}\|>\s*{name}\b{attrs}\s*<\|sep\|>"


_JSON_OPEN = re.compile(_tag("open", "json", r"[^<]*?"))
_JSON_CLOSE = re.compile(_tag("close", "json"))


class KimiK3(InvokeXml):
    family = "kimi_k3"
    block_start = "<|open|>tools<|sep|>"
    block_end = "<|close|>tools<|sep|>"
    block_open_re = re.compile(_tag("open", "tools"))
    block_close_re = re.compile(_tag("close", "tools"))
    # an empty response channel right before the tools channel is markup, not text
    header_re = re.compile(_tag("open", "response") + r"\s*" + _tag("close", "response") + r"\s*\Z")
    header_required = False
    trailer_re = re.compile(r"(?:\s*<\|close\|>\s*message\s*<\|sep\|>)?(?:\s*<\|end_of_msg\|>)?")
    invoke_open = re.compile(_tag("open", "call", r'(?:[^<]*?\btool="(?P<name>[^"]*)")?[^<]*?'))
    invoke_close = re.compile(_tag("close", "call"))
    param_open = re.compile(_tag("open", "argument",
                                 r'[^<]*?\bkey="(?P<key>[^"]*)"(?:[^<]*?\btype="(?P<type>[^"]*)")?[^<]*?'))
    param_close = re.compile(_tag("close", "argument"))
    render_invoke = '<|open|>call tool="{name}" index="{index}"<|sep|>{params}<|close|>call<|sep|>'
    render_param = '<|open|>argument key="{key}" type="{string}"<|sep|>{value}<|close|>argument<|sep|>'
    start_markers = (block_start, "<|open|> tools <|sep|>")
    end_marker = block_end
    leak_markers = ("<|open|>", "<|close|>", "<|sep|>", "<|end_of_msg|>")
    stop_tokens = ("<|end_of_msg|>",)
    reasoning_channel = "kimi_k3"
    extra_closers = ("<|close|>message<|sep|>", "<|close|>call<|sep|>")
    impossible_scenarios = {
        **InvokeXml.impossible_scenarios,
        "stop_token_end": "`<|close|>tools<|sep|>` is written by the model; the message then ends "
                          "with <|close|>message<|sep|><|end_of_msg|>",
    }

    def decode_value(self, raw: str, match: re.Match[str]) -> tuple[Any, str | None]:
        """`type="string"` or none: the text as written; any other type promises JSON: a value
        that is not JSON is the model's error (1.6.1 passes it on as the text: `abc` -> "abc")."""
        if (match.group("type") or "string") == "string":
            return raw, None
        try:
            return json.loads(raw.strip()), None
        except ValueError as exc:
            return None, f"type={match.group('type')!r} but the value is not JSON ({exc})"

    def parse_body(self, text: str, lo: int, hi: int, call: Call, at_eof: bool) -> None:
        block = _JSON_OPEN.search(text, lo, hi)
        if block is None or self.param_open.search(text, lo, block.start()):
            return super().parse_body(text, lo, hi, call, at_eof)
        close = _JSON_CLOSE.search(text, block.end(), hi)
        if close is None:
            call.problems.append(Problem(TRUNCATED if at_eof else MALFORMED,
                                         "json block is not closed", (block.start(), hi)))
            call.undecodable = True
            return
        try:
            obj = json.loads(text[block.end():close.start()])
        except ValueError as exc:
            call.problems.append(Problem(INVALID_JSON, f"json block: {exc}", (block.end(), close.start())))
            call.undecodable = True
            return
        if isinstance(obj, dict):
            call.args = obj
        else:
            call.problems.append(Problem(MALFORMED, "json block is not an object", block.span()))
            call.undecodable = True

    def encode_value(self, value: Any) -> tuple[str, str]:
        kinds = {bool: "boolean", int: "number", float: "number", dict: "object", list: "array"}
        if isinstance(value, str):
            return value, "string"
        return json.dumps(value, ensure_ascii=False), kinds.get(type(value), "object")

    def render(self, calls: list[tuple[str, dict[str, Any]]]) -> str:
        out = []
        for index, (name, args) in enumerate(calls, 1):
            params = "".join(self.render_param.format(key=k, value=v, string=t)
                             for k, (v, t) in ((k, self.encode_value(a)) for k, a in args.items()))
            out.append(self.render_invoke.format(name=name, index=index, params=params))
        return f"{self.block_start}{''.join(out)}{self.block_end}<|close|>message<|sep|>"


SPEC = KimiK3()
