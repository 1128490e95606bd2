"""The "block / invoke / parameter" shape of tool-call formats, markers as data.

MiniMax M2/M3, DeepSeek DSML (V3.2, V4, V4.1), Muse ATEM, Qwen3-Coder, Kimi K2 and Kimi K3 all
write calls as::

    BLOCK_OPEN
    INVOKE_OPEN(name) [PARAM_OPEN(key) value PARAM_CLOSE]... INVOKE_CLOSE
    ...
    BLOCK_CLOSE

and differ only in the markers, in how a value is typed and in what may wrap the block.
`InvokeXml` scans that shape strictly. A family sets the markers (literal strings, or regexes
where a marker has variants or carries a name) and, where needed, overrides `decode_value` or
`parse_body` (Kimi K2 carries one JSON object instead of parameters).

Values: Dynamo types an XML parameter with the tool's JSON Schema (seen on the 1.6.1 frontend: a
key absent from the schema stays a string, "3" -> "3"). The scan has no schema, so by default it
decodes JSON where the value is JSON ("3" -> 3) and keeps the string otherwise; DSML's
`string="..."` and Kimi K3's `type="..."` attributes say it in the text and are followed.

Spans: the first call of a block starts at the block's opener (or header) and the last ends at
its closer (or trailer), so wrapper markers count as part of the calls, not as text around them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .base import (INVALID_JSON, MALFORMED, MISSING_END_MARKER, MISSING_NAME, TRUNCATED,
                   CallCandidate, FormatSpec, Problem, decode_json_object)


def _re(marker: str | re.Pattern[str]) -> re.Pattern[str]:
    return marker if isinstance(marker, re.Pattern) else re.compile(re.escape(marker))


def json_or_string(raw: str) -> Any:
    """A parameter value typed the way Dynamo does without a schema: JSON when it is JSON."""
    try:
        return json.loads(raw.strip())
    except ValueError:
        return raw


@dataclass
class Call:
    name: str | None
    span: tuple[int, int]
    args: dict[str, Any] = field(default_factory=dict)
    raw: str = ""
    problems: list[Problem] = field(default_factory=list)
    undecodable: bool = False  # some part failed to decode: arguments are reported as None


class InvokeXml(FormatSpec):
    """Scan BLOCK_OPEN ... BLOCK_CLOSE regions, each holding one or more invokes."""

    block_start: ClassVar[str]  # literal opener render() writes
    block_end: ClassVar[str]
    #: scanning patterns; default to the literals above (set them for variants / spacing)
    block_open_re: ClassVar[re.Pattern[str] | None] = None
    block_close_re: ClassVar[re.Pattern[str] | None] = None
    #: one call's opener: group "name" holds the tool name (may be empty or absent)
    invoke_open: ClassVar[re.Pattern[str]]
    invoke_close: ClassVar[str | re.Pattern[str]]
    #: one parameter's opener: group "key"; optional groups a family reads in decode_value
    param_open: ClassVar[re.Pattern[str] | None] = None
    #: one parameter's closer; "{key}" in a literal is replaced by the key (MiniMax M3)
    param_close: ClassVar[str | re.Pattern[str]] = ""
    #: the block's body must start with this (qwen3_coder shares `<tool_call>` with hermes/glm)
    body_prefix: ClassVar[str] = ""
    #: text that must stand right before the block (Muse's recipient header), anchored with \Z
    header_re: ClassVar[re.Pattern[str] | None] = None
    header_required: ClassVar[bool] = True
    header_hint: ClassVar[str] = ""
    #: text that may follow the block and belongs to it (end-of-message tokens)
    trailer_re: ClassVar[re.Pattern[str] | None] = None
    #: render(): {name} {params} / {key} {value} {string}; one block per call or one for all
    render_invoke: ClassVar[str]
    render_param: ClassVar[str] = ""
    render_block: ClassVar[str] = "{start}\n{invokes}\n{end}"
    render_joiner: ClassVar[str] = "\n"
    render_block_per_call: ClassVar[bool] = False

    # ---- hooks --------------------------------------------------------------------------------

    def decode_value(self, raw: str, match: re.Match[str]) -> tuple[Any, str | None]:
        """(value, error) for one parameter; error when the value must be JSON and is not."""
        return json_or_string(raw), None

    def encode_value(self, value: Any) -> tuple[str, str]:
        """(text, DSML string attribute) for render()."""
        if isinstance(value, str):
            return value, "true"
        return json.dumps(value, ensure_ascii=False), "false"

    def invoke_problems(self, match: re.Match[str]) -> list[Problem]:
        """Problems with an invoke's opener beyond a missing name (Kimi's call id)."""
        return []

    def parse_body(self, text: str, lo: int, hi: int, call: Call, at_eof: bool) -> None:
        """Fill `call.args` from the invoke's body text[lo:hi]: parameters by default."""
        pos = lo
        while self.param_open is not None and (m := self.param_open.search(text, pos, hi)):
            key = m.group("key")
            closer = (self.param_close if isinstance(self.param_close, re.Pattern)
                      else re.compile(re.escape(self.param_close.replace("{key}", key))))
            close = closer.search(text, m.end(), hi)
            if close is None:
                call.problems.append(Problem(TRUNCATED if at_eof else MALFORMED,
                                             f"parameter {key!r} is not closed", (m.start(), hi)))
                call.undecodable = True
                return
            value, error = self.decode_value(text[m.end():close.start()], m)
            if error:
                call.problems.append(Problem(INVALID_JSON, f"parameter {key!r}: {error}",
                                             (m.end(), close.start())))
                call.undecodable = True
            elif key in call.args:
                call.problems.append(Problem(MALFORMED, f"parameter {key!r} given twice",
                                             (m.start(), close.end())))
            call.args[key] = value
            pos = close.end()

    # ---- scanning -----------------------------------------------------------------------------

    def scan(self, text: str) -> list[CallCandidate]:
        opener = self.block_open_re or _re(self.block_start)
        closer = self.block_close_re or _re(self.block_end)
        out: list[CallCandidate] = []
        regions: list[tuple[int, int]] = []
        pos = 0
        while (start := opener.search(text, pos)):
            body_start = start.end()
            if self.body_prefix and not text[body_start:].lstrip().startswith(self.body_prefix):
                pos = body_start  # the same marker with another family's payload
                continue
            end = closer.search(text, body_start)
            nxt = opener.search(text, body_start)
            if end and (nxt is None or end.start() < nxt.start()):
                body_end, stop, closed = end.start(), end.end(), True
            else:
                body_end = stop = nxt.start() if nxt else len(text)
                closed = False
            if closed and self.trailer_re and (t := self.trailer_re.match(text, stop)):
                stop = t.end()
            out.extend(self._block(text, start, body_end, stop, closed))
            regions.append((start.start(), stop))
            pos = stop
        out.extend(self._bare_invokes(text, regions))
        out.sort(key=lambda c: c.span)
        return out

    def _block(self, text: str, start: re.Match[str], body_end: int, stop: int,
               closed: bool) -> list[CallCandidate]:
        calls = self._invokes(text, start.end(), body_end, at_eof=not closed and stop == len(text))
        span = (start.start(), stop)
        if not calls:
            calls = [Call(None, span, undecodable=True, problems=[Problem(
                MALFORMED, f"{start.group(0)} block holds no invoke", span)])]
        first = start.start()
        if self.header_re is not None:
            header = self.header_re.search(text, 0, start.start())
            if header:
                first = header.start()
            elif self.header_required:
                calls[0].problems.insert(0, Problem(MALFORMED, self.header_hint, start.span()))
        calls[0].span = (first, calls[0].span[1])
        calls[-1].span = (calls[-1].span[0], stop)
        if not closed:
            calls[-1].problems.append(Problem(
                MISSING_END_MARKER, f"{start.group(0)} block is not closed"
                + (" (text ends first)" if stop == len(text) else ""), span))
        return [self._candidate(c, text) for c in calls]

    def _bare_invokes(self, text: str, regions: list[tuple[int, int]]) -> list[CallCandidate]:
        """Invokes outside any block: Dynamo recovers some, but the wrapper is missing."""
        out = []
        pos = 0
        for lo, hi in [*regions, (len(text), len(text))]:
            if lo > pos:
                for call in self._invokes(text, pos, lo, at_eof=lo == len(text)):
                    call.problems.insert(0, Problem(
                        MALFORMED, f"call outside a {self.block_start.strip()} block", call.span))
                    out.append(self._candidate(call, text))
            pos = max(pos, hi)
        return out

    def _invokes(self, text: str, lo: int, hi: int, at_eof: bool) -> list[Call]:
        calls: list[Call] = []
        closer = _re(self.invoke_close)
        pos = lo
        while (m := self.invoke_open.search(text, pos, hi)):
            name = (m.groupdict().get("name") or "").strip() or None
            close = closer.search(text, m.end(), hi)
            nxt = self.invoke_open.search(text, m.end(), hi)
            if close and (nxt is None or close.start() < nxt.start()):
                inner_end, end = close.start(), close.end()
            else:
                inner_end = end = nxt.start() if nxt else hi
            call = Call(name, (m.start(), end), raw=text[m.end():inner_end])
            if name is None:
                call.problems.append(Problem(MISSING_NAME, "call has no tool name", m.span()))
            call.problems.extend(self.invoke_problems(m))
            self.parse_body(text, m.end(), inner_end, call, at_eof and end == hi)
            if inner_end == end:
                kind = TRUNCATED if at_eof and end == hi else MISSING_END_MARKER
                call.problems.append(Problem(kind, "call is not closed", call.span))
            calls.append(call)
            pos = end
        return calls

    def _candidate(self, call: Call, text: str) -> CallCandidate:
        return CallCandidate(call.name, None if call.undecodable else call.args, call.raw.strip(),
                             call.span, call.problems)

    # ---- rendering ----------------------------------------------------------------------------

    def render_call(self, name: str, args: dict[str, Any]) -> str:
        params = []
        for key, value in args.items():
            text, string = self.encode_value(value)
            params.append(self.render_param.format(key=key, value=text, string=string))
        return self.render_invoke.format(name=name, params=self.render_joiner.join(params))

    def render(self, calls: list[tuple[str, dict[str, Any]]]) -> str:
        invokes = [self.render_call(n, a) for n, a in calls]
        groups = [[i] for i in invokes] if self.render_block_per_call else [invokes]
        return self.render_joiner.join(
            self.render_block.format(start=self.block_start, end=self.block_end,
                                     invokes=self.render_joiner.join(g)) for g in groups)


class JsonBodyInvoke(InvokeXml):
    """Invokes whose body is one JSON object of arguments (Kimi K2, DeepSeek V3 / V3.1)."""

    def json_text(self, text: str, lo: int, hi: int, call: Call) -> tuple[int, int]:
        """The (lo, hi) of the JSON inside the body; a family strips its own fences here."""
        return lo, hi

    def parse_body(self, text: str, lo: int, hi: int, call: Call, at_eof: bool) -> None:
        lo, hi = self.json_text(text, lo, hi, call)
        obj, problem = decode_json_object(text[lo:hi], lo)
        if problem:
            call.problems.append(problem)
            call.undecodable = True
        elif not isinstance(obj, dict):
            call.problems.append(Problem(MALFORMED, "arguments are not a JSON object", (lo, hi)))
            call.undecodable = True
        else:
            call.args = obj
