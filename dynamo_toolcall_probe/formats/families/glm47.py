"""GLM-4.5 / 4.6 / 4.7 tool calls (Dynamo parsers `glm47`, `glm45`)::

    <tool_call>get_weather<arg_key>location</arg_key><arg_value>Paris</arg_value><arg_key>days</arg_key><arg_value>3</arg_value></tool_call>

One `<tool_call>` block per call: the tool name, then key/value pairs. GLM-4.5 writes the same
with newlines (`name\\n<arg_key>k</arg_key>\\n<arg_value>v</arg_value>\\n`). The `<tool_call>`
marker is shared with hermes (JSON body) and qwen3_coder (`<function=` body): only blocks whose
body starts with a name or `<arg_key>` are claimed. Values: JSON where the value is JSON, else
the string.

Verified on the real 1.6.1 frontend, default route (`DYN_PARSER_VERSION` unset):
- `glm47` parses the compact form; with whitespace between `</arg_key>` and `<arg_value>` (the
  GLM-4.5 layout) it silently DROPS that argument (`{}`), so that is reported as malformed;
- the `glm45` tool parser name parses nothing (text returned as `content`); on
  `DYN_PARSER_VERSION=2` both names read both layouts (`glm45` maps to the glm47 family);
- a block without `</tool_call>`, or without a name, is dropped;
- a hermes JSON body in `<tool_call>` becomes a bogus call named by the whole JSON: not claimed
  here (it is hermes text), but worth knowing when glm47 is configured for a hermes model.
Reasoning (`glm45`/`glm47`): `<think>`...`</think>`, not started implicitly (observed).
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..base import (MALFORMED, MISSING_END_MARKER, MISSING_NAME, TRUNCATED, CallCandidate,
                    FormatSpec, Problem)
from ..shapes_xml import json_or_string

START, END = "<tool_call>", "</tool_call>"
_PAIR = re.compile(r"<arg_key>(?P<key>.*?)</arg_key>(?P<gap>\s*)<arg_value>(?P<value>.*?)</arg_value>", re.S)


class Glm47(FormatSpec):
    family = "glm47"
    start_markers = (START,)
    end_marker = END
    leak_markers = (START, END, "<arg_key>", "</arg_value>")

    def scan(self, text: str) -> list[CallCandidate]:
        out = []
        pos = 0
        while (start := text.find(START, pos)) >= 0:
            body_start = start + len(START)
            head = text[body_start:].lstrip()
            if not head or head[0] in "{[" or (head[0] == "<" and not head.startswith("<arg_key>")):
                pos = body_start  # hermes JSON, qwen3_coder <function=, or nothing
                continue
            end = text.find(END, body_start)
            nxt = text.find(START, body_start)
            closed = end >= 0 and (nxt < 0 or end < nxt)
            body_end = end if closed else (nxt if nxt >= 0 else len(text))
            stop = end + len(END) if closed else body_end
            out.append(self._call(text, start, body_start, body_end, stop, closed))
            pos = stop
        return out

    def _call(self, text: str, start: int, lo: int, hi: int, stop: int, closed: bool) -> CallCandidate:
        body = text[lo:hi]
        span = (start, stop)
        first = body.find("<arg_key>")
        name = (body if first < 0 else body[:first]).strip() or None
        problems: list[Problem] = []
        if name is None:
            problems.append(Problem(MISSING_NAME, "<tool_call> has no function name", span))
        args: dict[str, Any] | None = {}
        pos = 0 if first < 0 else first
        for m in _PAIR.finditer(body, pos):
            if body[pos:m.start()].strip():
                stray = body[pos:m.start()].strip()[:40]
                problems.append(Problem(MALFORMED, f"stray text in the call: {stray!r}",
                                        (lo + pos, lo + m.start())))
            if m.group("gap"):
                problems.append(Problem(
                    MALFORMED, f"whitespace between </arg_key> and <arg_value> of {m.group('key')!r}: "
                    "Dynamo's default (v1) glm47 parser drops the argument", (lo + m.start(), lo + m.end())))
            args[m.group("key").strip()] = json_or_string(m.group("value"))
            pos = m.end()
        rest = body[pos:] if first >= 0 else ""
        if rest.strip():
            kind = TRUNCATED if not closed and stop == len(text) else MALFORMED
            problems.append(Problem(kind, f"unfinished argument: {rest.strip()[:40]!r}", (lo + pos, hi)))
            args = None
        if not closed:
            problems.append(Problem(MISSING_END_MARKER, f"no {END} after {START}"
                                    + (" (text ends first)" if stop == len(text) else ""), span))
        return CallCandidate(name, args, body.strip(), span, problems)

    def render(self, calls: list[tuple[str, dict[str, Any]]]) -> str:
        out = []
        for name, args in calls:
            pairs = "".join(f"<arg_key>{k}</arg_key><arg_value>"
                            f"{v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)}</arg_value>"
                            for k, v in args.items())
            out.append(f"{START}{name}{pairs}{END}")
        return "".join(out)


SPEC = Glm47()
