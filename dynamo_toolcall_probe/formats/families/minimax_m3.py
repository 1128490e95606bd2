"""MiniMax-M3 tool calls (Dynamo parsers `minimax_m3`, `minimax-m3`, `minimax_m3_nom`,
`minimax-m3-nom`: one format, the four names behave the same on the 1.6.1 frontend)::

    ]<]minimax[>[<tool_call>
    ]<]minimax[>[<invoke name="get_weather">]<]minimax[>[<location>Paris]<]minimax[>[</location>]<]minimax[>[<days>3]<]minimax[>[</days>]<]minimax[>[</invoke>
    ]<]minimax[>[</tool_call>

Unlike M2, every tag is preceded by the namespace token `]<]minimax[>[` and a parameter's name is
its tag name. A value may itself hold namespaced tags (objects; `<item>` children make a list).
Scalars are typed by the tool's JSON Schema (`formats.values.glm_value`; observed on 1.6.1: typed
values as glm47, an untyped value stays the text as written, JSON-looking or not), nested ones by
the schema at their path (`formats.values.type_tree`: a `zip` typed integer inside an object
`shipping` reads `018956` as 18956, as 1.6.1 and vLLM's minimax_m3 test return it).

Verified on the real 1.6.1 frontend (all four names parse the block above; the M2
`<minimax:tool_call>` format is left as content). A non-streaming response still recovers a call
whose closing `]<]minimax[>[</tool_call>` is missing; a truncated invoke is dropped.
Reasoning (`minimax_m3`): `<mm:think>`...`</mm:think>`, the template pre-fills the opener.

Streaming (tests/formats/test_scenarios_e2e.py): one and two calls stream as they parse non-
streaming at 1 and 3-1-4-1-2 tokens per chunk.
"""

from __future__ import annotations

import re
from typing import Any

from ..shapes_xml import InvokeXml
from ..values import glm_value, type_tree

NS = "]<]minimax[>["
_TAG = re.compile(r"<(/?)([^\s<>/]+)>")


def _nested(raw: str) -> Any:
    """A value made of namespaced child tags -> object (repeated keys -> list), `<item>`s -> list;
    the leaves stay their text (typed afterwards by the schema at their path)."""
    stack: list[tuple[str, list[tuple[str, Any]], list[str]]] = [("", [], [])]
    for chunk in raw.split(NS):
        m = _TAG.match(chunk)
        if not m:
            stack[-1][2].append(chunk)
            continue
        rest = chunk[m.end():]
        if m.group(1):  # closing tag: fold the element into its parent
            while len(stack) > 1:
                tag, children, texts = stack.pop()
                stack[-1][1].append((tag, _value(children, texts)))
                if tag == m.group(2):
                    break
        else:
            stack.append((m.group(2), [], []))
        if rest:
            stack[-1][2].append(rest)
    while len(stack) > 1:
        tag, children, texts = stack.pop()
        stack[-1][1].append((tag, _value(children, texts)))
    return _value(stack[0][1], stack[0][2])


def _value(children: list[tuple[str, Any]], texts: list[str]) -> Any:
    if not children:
        return "".join(texts)
    if all(tag == "item" for tag, _ in children):
        return [v for _, v in children]
    out: dict[str, Any] = {}
    for tag, v in children:
        if tag in out:
            out[tag] = (out[tag] if isinstance(out[tag], list) else [out[tag]]) + [v]
        else:
            out[tag] = v
    return out


class MiniMaxM3(InvokeXml):
    family = "minimax_m3"
    block_start = f"{NS}<tool_call>"
    block_end = f"{NS}</tool_call>"
    invoke_open = re.compile(re.escape(NS) + r'<invoke name="?(?P<name>[^">]*)"?\s*>')
    invoke_close = f"{NS}</invoke>"
    param_open = re.compile(re.escape(NS) + r"<(?P<key>(?!/)[^\s<>]+)>")
    param_close = NS + "</{key}>"
    render_invoke = NS + '<invoke name="{name}">{params}' + NS + "</invoke>"
    render_param = NS + "<{key}>{value}" + NS + "</{key}>"
    render_joiner = ""
    render_block = "{start}\n{invokes}\n{end}"
    start_markers = (block_start,)
    end_marker = block_end
    leak_markers = (NS,)
    value_typing = "m3"
    reasoning_channel = "minimax_m3"
    impossible_scenarios = {
        **InvokeXml.impossible_scenarios,
        "stop_token_end": "`]<]minimax[>[</tool_call>` is written by the model, not a stop token",
    }

    def type_value(self, raw: str, schema: dict[str, Any] | None, schema_known: bool) -> Any:
        def leaf(text: str, leaf_schema: Any) -> Any:
            return glm_value(text, leaf_schema, schema_known, untyped_json=False)

        if NS in raw:  # nested tags: an object or a list, its leaves typed by the nested schema
            return type_tree(_nested(raw), schema if schema_known else None, leaf)
        return leaf(raw, schema)

    def render(self, calls: list[tuple[str, dict[str, Any]]]) -> str:
        invokes = "\n".join(self.render_call(n, a) for n, a in calls)
        return f"{self.block_start}\n{invokes}\n{self.block_end}"


SPEC = MiniMaxM3()
