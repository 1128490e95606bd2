"""OpenAI harmony tool calls (gpt-oss; Dynamo parser `harmony`)::

    <|channel|>analysis<|message|>Need the weather.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"location": "Paris"}<|call|>

A call is a `commentary` message addressed `to=functions.NAME` (the recipient may also stand
before the channel: `<|start|>assistant to=functions.NAME<|channel|>commentary json<|message|>`),
its body one JSON object, closed by `<|call|>`. The `analysis` channel is reasoning; the `final`
channel is the answer. A commentary message with no recipient is a preamble, not a call.

Replay caveat: the 1.6.1 frontend's harmony parser needs the harmony encoding (o200k_harmony),
which it loads at run time; on a machine that cannot download it (this project's CI) the parser
returned no calls and no content for every harmony text we replayed, with or without the
`gpt_oss` reasoning parser. A harmony replay is only evidence where the encoding is available.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..base import (MISSING_END_MARKER, MISSING_NAME, TRUNCATED, CallCandidate, FormatSpec, Problem,
                    decode_json_object)

START, CHANNEL, MESSAGE, CALL, END = "<|start|>", "<|channel|>", "<|message|>", "<|call|>", "<|end|>"
CONSTRAIN, RETURN = "<|constrain|>", "<|return|>"
# One commentary header from its channel to its <|message|>, matched anchored at each
# `<|channel|>commentary` found with str.find (an unanchored search with `[^<]*` would be
# quadratic on long text without `<`). The role header (`<|start|>assistant to=...`) may precede.
COMMENTARY = "<|channel|>commentary"
ROLE = "<|start|>assistant"
_HEADER = re.compile(r"<\|channel\|>commentary(?P<post>[^<]*)(?:<\|constrain\|>[^<]*)?<\|message\|>")
_RECIPIENT = re.compile(r"to=(?P<to>\S*)")
_NEXT = re.compile(r"<\|(?:call|end|return|start|channel)\|>")


class Harmony(FormatSpec):
    family = "harmony"
    start_markers = ("<|channel|>commentary",)
    end_marker = CALL
    leak_markers = ("<|channel|>commentary", "<|channel|>analysis", "<|channel|>final", MESSAGE,
                    CALL, CONSTRAIN, "<|start|>assistant")

    def scan(self, text: str) -> list[CallCandidate]:
        out: list[CallCandidate] = []
        pos = 0
        while (at := text.find(COMMENTARY, pos)) >= 0:
            h = _HEADER.match(text, at)
            if h is None:
                pos = at + len(COMMENTARY)
                continue
            head, pre = at, ""
            role = text.rfind(ROLE, 0, at)
            if role >= 0 and "<" not in text[role + len(ROLE):at]:
                head, pre = role, text[role + len(ROLE):at]
            stop_match = _NEXT.search(text, h.end())
            body_end = stop_match.start() if stop_match else len(text)
            closed = bool(stop_match) and stop_match.group(0) == CALL
            span_end = stop_match.end() if closed else body_end
            pos = max(span_end, h.end())
            recipient = _RECIPIENT.search(pre + " " + h.group("post"))
            if recipient is None:
                continue  # a preamble to the user, not a call
            to = recipient.group("to")
            name = to[len("functions."):] if to.startswith("functions.") else to
            span = (head, span_end)
            problems: list[Problem] = []
            if not name:
                problems.append(Problem(MISSING_NAME, "recipient has no tool name", span))
            payload = text[h.end():body_end]
            args, problem = decode_json_object(payload, h.end())
            if problem:
                problems.append(problem)
            elif not isinstance(args, dict):
                args = None
            if not closed:
                kind = TRUNCATED if body_end == len(text) else MISSING_END_MARKER
                problems.append(Problem(kind, "commentary call not closed by <|call|>", span))
            out.append(CallCandidate(name or None, None if problem else args, payload.strip(), span,
                                     problems))
        return out

    def render(self, calls: list[tuple[str, dict[str, Any]]]) -> str:
        return "".join(f"{START}assistant{CHANNEL}commentary to=functions.{n} {CONSTRAIN}json{MESSAGE}"
                       f"{json.dumps(a, ensure_ascii=False)}{CALL}" for n, a in calls)


SPEC = Harmony()
