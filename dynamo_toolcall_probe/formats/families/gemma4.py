"""Gemma 4 tool calls (Dynamo parsers `gemma4`, `gemma-4`)::

    <|tool_call>call:get_weather{location:<|"|>Paris<|"|>,days:3}<tool_call|>

Not JSON: keys are bare, strings are delimited by the `<|"|>` token, numbers / true / false /
null / nested `{...}` and `[...]` are written as is. Several calls are concatenated with no
separator. Verified on the real 1.6.1 frontend (both names; `{"location":"Paris","days":3}`).
Reasoning (`gemma4`): `<|channel>thought` ... `<channel|>` (Dynamo config; with our scripted
worker the 1.6.1 reasoning parser left it in content, so that pairing stays unconfirmed).

A `<tool_call|>` inside a `<|"|>` string does not end the call; the 1.6.1 gemma4 parser cuts there,
drops the call and leaks the rest into content (observed). Streaming
(tests/formats/test_scenarios_e2e.py): one and two calls stream as they parse non-streaming at 1
and 3-1-4-1-2 tokens per chunk.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..base import (MALFORMED, MISSING_NAME, TRUNCATED, CallCandidate, FormatSpec, Problem, Region,
                    ValueSyntax, split_regions)
from ..payload import end_problems

START, END, CALL, QUOTE = "<|tool_call>", "<tool_call|>", "call:", '<|"|>'
_SCALAR = re.compile(r"[^,}\]]*")
_NAME = re.compile(r"[^{<\s]*")
# Strings are delimited by the <|"|> token (no escapes): a <tool_call|> inside one is text.
_SYNTAX = ValueSyntax((QUOTE,), None, "{[", "}]")
_VALUE_AT = re.compile(r"call:[^{<\s]*")


class _Bad(Exception):
    def __init__(self, message: str, at: int, truncated: bool) -> None:
        super().__init__(message)
        self.at, self.truncated = at, truncated


class _Reader:
    """Recursive descent over the Gemma 4 value grammar, within text[:hi]."""

    def __init__(self, text: str, hi: int) -> None:
        self.text, self.hi = text, hi

    def fail(self, message: str, at: int) -> _Bad:
        return _Bad(message, at, truncated=at >= self.hi)

    def value(self, i: int) -> tuple[Any, int]:
        t = self.text
        if t.startswith(QUOTE, i):
            end = t.find(QUOTE, i + len(QUOTE), self.hi)
            if end < 0:
                raise self.fail("string not closed by <|\"|>", self.hi)
            return t[i + len(QUOTE):end], end + len(QUOTE)
        if i < self.hi and t[i] == "{":
            return self.container(i, "}", keyed=True)
        if i < self.hi and t[i] == "[":
            return self.container(i, "]", keyed=False)
        m = _SCALAR.match(t, i, self.hi)
        raw = m.group(0).strip()
        if not raw:
            raise self.fail("value expected", m.end())
        try:
            return json.loads(raw), m.end()
        except ValueError:
            return raw, m.end()  # a bare word: Dynamo keeps it as a string

    def container(self, i: int, close: str, keyed: bool) -> tuple[Any, int]:
        t, out_d, out_l = self.text, {}, []
        i += 1
        if i < self.hi and t[i] == close:
            return ({} if keyed else []), i + 1
        while True:
            if keyed:
                colon = t.find(":", i, self.hi)
                if colon < 0:
                    raise self.fail("key without ':'", self.hi)
                key = t[i:colon].strip()
                val, i = self.value(colon + 1)
                out_d[key] = val
            else:
                val, i = self.value(i)
                out_l.append(val)
            if i >= self.hi:
                raise self.fail(f"'{close}' expected", i)
            if t[i] == ",":
                i += 1
                continue
            if t[i] == close:
                return (out_d if keyed else out_l), i + 1
            raise self.fail(f"unexpected {t[i]!r}", i)


class Gemma4(FormatSpec):
    family = "gemma4"
    start_markers = (START,)
    end_marker = END
    leak_markers = (START, END, QUOTE)
    reasoning_channel = "gemma4"
    impossible_scenarios = {
        "stop_token_end": "`<tool_call|>` is a marker the model writes (Dynamo's gemma4 parser "
                          "matches it in the text), not a stop token",
    }

    def scan(self, text: str) -> list[CallCandidate]:
        return [self._call(text, r) for r in split_regions(text, [START], [END], syntax=_SYNTAX,
                                                           value_at=_VALUE_AT)]

    def _call(self, text: str, region: Region) -> CallCandidate:
        span, problems = (region.start, region.end), []
        i, hi, closed = region.body_start, region.body_end, region.closed
        body = text[i:hi]
        name, args = None, None
        if not text.startswith(CALL, i):
            problems.append(Problem(MALFORMED, "call does not start with 'call:'", span))
        else:
            m = _NAME.match(text, i + len(CALL), hi)
            name = m.group(0) or None
            if name is None:
                problems.append(Problem(MISSING_NAME, "call has no function name", span))
            if m.end() >= hi or text[m.end()] != "{":
                kind = TRUNCATED if m.end() >= hi and not closed else MALFORMED
                problems.append(Problem(kind, "'{' expected after the function name", (m.end(), hi)))
            else:
                try:
                    args, after = _Reader(text, hi).container(m.end(), "}", keyed=True)
                    if text[after:hi].strip():
                        problems.append(Problem(MALFORMED, f"text after the arguments: "
                                                f"{text[after:hi].strip()[:40]!r}", (after, hi)))
                except _Bad as exc:
                    kind = TRUNCATED if exc.truncated and not closed else MALFORMED
                    problems.append(Problem(kind, f"arguments: {exc}", (exc.at, hi)))
        extra, at_eof = end_problems(self, region, START)
        return CallCandidate(name, args, body, span, problems + extra, at_eof)

    def render(self, calls: list[tuple[str, dict[str, Any]]]) -> str:
        def enc(v: Any) -> str:
            if isinstance(v, str):
                return f"{QUOTE}{v}{QUOTE}"
            if isinstance(v, dict):
                return "{" + ",".join(f"{k}:{enc(x)}" for k, x in v.items()) + "}"
            if isinstance(v, list):
                return "[" + ",".join(enc(x) for x in v) + "]"
            return json.dumps(v)
        return "".join(f"{START}{CALL}{n}{enc(a)}{END}" for n, a in calls)


SPEC = Gemma4()
