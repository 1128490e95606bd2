"""GLM-4.5 / 4.6 / 4.7 tool calls (Dynamo parsers `glm47`, `glm45`)::

    <tool_call>get_weather<arg_key>location</arg_key><arg_value>Paris</arg_value><arg_key>days</arg_key><arg_value>3</arg_value></tool_call>

One `<tool_call>` block per call: the tool name, then key/value pairs. GLM-4.5 writes the same
with newlines (`name\\n<arg_key>k</arg_key>\\n<arg_value>v</arg_value>\\n`). The `<tool_call>`
marker is shared with hermes (JSON body) and qwen3_coder (`<function=` body): only blocks whose
body starts with a name or `<arg_key>` are claimed. Values are typed by the tool's JSON Schema
(`formats.values.glm_value`, observed on 1.6.1: a string-typed `123` or `[1]` stays a string and
keeps its whitespace; integer / number / boolean / object / array are converted); an untyped value
is JSON when it looks like JSON (`{`, `[`), else the text as written.
Stop tokens: GLM-4.5/4.6/4.7 generation_config `eos_token_id` = <|endoftext|>, <|user|>,
<|observation|>; the model writes `</tool_call>` and then stops on `<|observation|>`.

Verified on the real 1.6.1 frontend, default route (`DYN_PARSER_VERSION` unset):
- `glm47` parses the compact form; with whitespace between `</arg_key>` and `<arg_value>` (the
  GLM-4.5/4.6 layout) it silently DROPS that argument (`{}`): a parser gap, not the model's
  error (the layout is GLM-4.5/4.6's own; alibaba/rtp-llm PR #525 shows GLM-4.6 writing it);
- the `glm45` tool parser name parses nothing (text returned as `content`); on
  `DYN_PARSER_VERSION=2` both names read both layouts (`glm45` maps to the glm47 family);
- a block without `</tool_call>`, or without a name, is dropped;
- a hermes JSON body in `<tool_call>` becomes a bogus call named by the whole JSON: not claimed
  here (it is hermes text), but worth knowing when glm47 is configured for a hermes model.
Reasoning (`glm45`/`glm47`): `<think>`...`</think>`, not started implicitly (observed).

Streaming (tests/formats/test_scenarios_e2e.py): one and two calls stream as they parse non-
streaming at 1 and 3-1-4-1-2 tokens per chunk.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..base import MALFORMED, MISSING_NAME, TRUNCATED, CallCandidate, FormatSpec, Problem, Region, split_regions
from ..payload import end_problems
from ..values import glm_value

START, END = "<tool_call>", "</tool_call>"
# GLM-4.7 writes the pair back to back, GLM-4.5/4.6 with a newline between: both are the format
_PAIR = re.compile(r"<arg_key>(?P<key>.*?)</arg_key>\s*<arg_value>(?P<value>.*?)</arg_value>", re.S)


class Glm47(FormatSpec):
    family = "glm47"
    start_markers = (START,)
    end_marker = END
    stop_tokens = ("<|observation|>", "<|user|>", "<|endoftext|>")
    leak_markers = (START, END, "<arg_key>", "</arg_value>")
    impossible_scenarios = {
        "end_marker_in_string": "values are raw text between <arg_value> tags, not quoted strings: "
                                "a </tool_call> inside one ends the call (Dynamo cuts there too)",
        "stop_token_end": "`</tool_call>` is not a stop token (the model stops on <|observation|> "
                          "after it)",
    }

    def type_value(self, raw: str, schema: dict[str, Any] | None, schema_known: bool) -> Any:
        return glm_value(raw, schema, schema_known)

    def scan(self, text: str) -> list[CallCandidate]:
        out = []
        for region in split_regions(text, [START], [END]):
            head = text[region.body_start:region.body_end].lstrip()
            if not head or head[0] in "{[" or (head[0] == "<" and not head.startswith("<arg_key>")):
                continue  # hermes JSON, qwen3_coder <function=, or nothing
            out.append(self._call(text, region))
        return out

    def _call(self, text: str, region: Region) -> CallCandidate:
        lo, hi = region.body_start, region.body_end
        body = text[lo:hi]
        span = (region.start, region.end)
        first = body.find("<arg_key>")
        name = (body if first < 0 else body[:first]).strip() or None
        problems: list[Problem] = []
        if name is None:
            problems.append(Problem(MISSING_NAME, "<tool_call> has no function name", span))
        args: dict[str, Any] | None = {}
        raw: dict[str, str] = {}
        pos = 0 if first < 0 else first
        for m in _PAIR.finditer(body, pos):
            if body[pos:m.start()].strip():
                stray = body[pos:m.start()].strip()[:40]
                problems.append(Problem(MALFORMED, f"stray text in the call: {stray!r}",
                                        (lo + pos, lo + m.start())))
            key = m.group("key").strip()
            raw[key] = m.group("value")
            args[key] = self.type_value(m.group("value"), None, False)
            pos = m.end()
        rest = body[pos:] if first >= 0 else ""
        if rest.strip():
            kind = TRUNCATED if region.at_eof else MALFORMED
            problems.append(Problem(kind, f"unfinished argument: {rest.strip()[:40]!r}", (lo + pos, hi)))
            args = None
        extra, at_eof = end_problems(self, region, START)
        return CallCandidate(name, args, body.strip(), span, problems + extra, at_eof,
                             raw if args is not None else None)

    def render(self, calls: list[tuple[str, dict[str, Any]]]) -> str:
        out = []
        for name, args in calls:
            pairs = "".join(f"<arg_key>{k}</arg_key><arg_value>"
                            f"{v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)}</arg_value>"
                            for k, v in args.items())
            out.append(f"{START}{name}{pairs}{END}")
        return "".join(out)


SPEC = Glm47()
