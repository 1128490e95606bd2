"""The "block / invoke / parameter" shape of tool-call formats, markers as data.

MiniMax M2/M3, DeepSeek DSML (V3.2, V4, V4.1), Muse ATEM, Qwen3-Coder, Kimi K2 and Kimi K3 all
write calls as::

    BLOCK_OPEN
    INVOKE_OPEN(name) [PARAM_OPEN(key) value PARAM_CLOSE]... INVOKE_CLOSE
    ...
    BLOCK_CLOSE

and differ only in the markers, in how a value is typed and in what may wrap the block.
`InvokeXml` finds blocks, and invokes inside a block, with the one region splitter
(`base.split_regions`): an unclosed block or invoke followed by the next one is two, the first
broken. A family sets the markers (literal strings, or regexes where a marker has variants or
carries a name) and, where needed, overrides `decode_value` or `parse_body` (Kimi K2 carries one
JSON object instead of parameters).

Values: `value_typing` names how Dynamo's parser of the family types a parameter ("xml", "glm",
"m3": by the tool's JSON Schema, see `formats.values`); such values are kept as `raw_arguments`
and typed by `extract` once the schema is known. Families whose text states the type (DSML's
`string="..."`, Kimi K3's `type="..."`) or whose parser ignores the schema (Muse) type the value
in `decode_value`.

Spans: the first call of a block starts at the block's opener (or header) and the last ends at
its closer (or trailer), so wrapper markers count as part of the calls, not as text around them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

from .base import (INVALID_JSON, JSON, MALFORMED, MISSING_END_MARKER, MISSING_NAME,
                   MISSING_START_MARKER, TRUNCATED, CallCandidate,
                   FormatSpec, Marker, Problem, Region, ValueSyntax, split_regions)
from .payload import decode_json_object, end_problems
from .values import glm_value, guess, xml_value


def _re(marker: str | re.Pattern[str]) -> re.Pattern[str]:
    return marker if isinstance(marker, re.Pattern) else re.compile(re.escape(marker))


_OPEN_TAG = re.compile(r"<(?P<tag>[^\s<>/]+)[^<>]*>\s*\Z")


def _foreign_block(text: str, lo: int, first: int, last: int, hi: int) -> bool:
    """The invokes text[first:last] stand inside another format's block: an opening tag right
    before them (`<seed:tool_call>`) and its closing tag right after."""
    opening = _OPEN_TAG.search(text, lo, first)
    return opening is not None and text[last:hi].lstrip().startswith(f"</{opening.group('tag')}>")


@dataclass
class Call:
    name: str | None
    span: tuple[int, int]
    args: dict[str, Any] = field(default_factory=dict)
    raw: str = ""
    problems: list[Problem] = field(default_factory=list)
    undecodable: bool = False  # some part failed to decode: arguments are reported as None
    raw_values: dict[str, str] = field(default_factory=dict)
    ended_at_eof: bool = False


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
    #: an invoke body holding a structured value (JSON arguments), and where the value begins
    invoke_syntax: ClassVar[ValueSyntax | None] = None
    invoke_value_at: ClassVar[Marker] = re.compile(r"\s*")
    #: one parameter's opener: group "key"; optional groups a family reads in decode_value
    param_open: ClassVar[re.Pattern[str] | None] = None
    #: one parameter's closer; "{key}" in a literal is replaced by the key (MiniMax M3)
    param_close: ClassVar[str | re.Pattern[str]] = ""
    #: how Dynamo types a parameter: "xml", "glm", "m3" (by schema, formats.values) or None
    value_typing: ClassVar[str | None] = None
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
    #: texts besides block_end / invoke_close that close a block as render() writes it (trailers)
    extra_closers: ClassVar[tuple[str, ...]] = ()
    impossible_scenarios: ClassVar[dict[str, str]] = {
        "end_marker_in_string": "parameter values are raw text between tags, not quoted strings: an "
                                "end marker inside one ends the call (Dynamo's parser cuts there too)",
    }

    def closers(self) -> tuple[str, ...]:
        inner = (self.invoke_close,) if isinstance(self.invoke_close, str) else ()
        return (*self.extra_closers, self.block_end, *inner)

    # ---- hooks --------------------------------------------------------------------------------

    def type_value(self, raw: str, schema: dict[str, Any] | None, schema_known: bool) -> Any:
        if self.value_typing == "xml":
            return xml_value(raw, schema, schema_known)
        if self.value_typing in ("glm", "m3"):
            return glm_value(raw, schema, schema_known, untyped_json=self.value_typing == "glm")
        return guess(raw)

    def decode_value(self, raw: str, match: re.Match[str]) -> tuple[Any, str | None]:
        """(value, error) for one parameter; error when the value must be JSON and is not."""
        return self.type_value(raw, None, False), None

    def encode_value(self, value: Any) -> tuple[str, str]:
        """(text, DSML string attribute) for render()."""
        if isinstance(value, str):
            return value, "true"
        return json.dumps(value, ensure_ascii=False), "false"

    def invoke_problems(self, match: re.Match[str]) -> list[Problem]:
        """Problems with an invoke's opener beyond a missing name (Kimi's call id)."""
        return []

    def invoke_name(self, match: re.Match[str]) -> str | None:
        """The tool name an invoke's opener gives (None: it names none)."""
        return (match.groupdict().get("name") or "").strip() or None

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
            raw = text[m.end():close.start()]
            value, error = self.decode_value(raw, m)
            if error:
                call.problems.append(Problem(INVALID_JSON, f"parameter {key!r}: {error}",
                                             (m.end(), close.start())))
                call.undecodable = True
            elif key in call.args:
                call.problems.append(Problem(MALFORMED, f"parameter {key!r} given twice",
                                             (m.start(), close.end())))
            call.args[key] = value
            if self.value_typing:
                call.raw_values[key] = raw
            pos = close.end()

    # ---- scanning -----------------------------------------------------------------------------

    def scan(self, text: str) -> list[CallCandidate]:
        blocks = split_regions(text, [self.block_open_re or self.block_start],
                               [self.block_close_re or self.block_end],
                               syntax=self.invoke_syntax, every_value=True)
        out: list[CallCandidate] = []
        covered: list[tuple[int, int]] = []
        for block in blocks:
            if self.body_prefix and not text[block.body_start:].lstrip().startswith(self.body_prefix):
                continue  # the same marker with another family's payload
            stop = block.end
            if block.closed and self.trailer_re and (t := self.trailer_re.match(text, stop)):
                stop = t.end()
            out.extend(self._block(text, block, stop))
            covered.append((block.start, stop))
        out.extend(self._bare_invokes(text, covered))
        out.sort(key=lambda c: c.span)
        return out

    def _block(self, text: str, block: Region, stop: int) -> list[CallCandidate]:
        opener = block.opener.group(0)
        calls = self._invokes(text, block.body_start, block.body_end, at_eof=block.at_eof)
        span = (block.start, stop)
        if not calls:
            calls = [Call(None, span, undecodable=True, problems=[Problem(
                MALFORMED, f"{opener} block holds no invoke", span)])]
        first = block.start
        if self.header_re is not None:
            header = self.header_re.search(text, 0, block.start)
            if header:
                first = header.start()
            elif self.header_required:
                calls[0].problems.insert(0, Problem(MALFORMED, self.header_hint, block.opener.span()))
        calls[0].span = (first, calls[0].span[1])
        calls[-1].span = (calls[-1].span[0], stop)
        extra, at_eof = end_problems(self, block, f"the {opener.strip()} block")
        calls[-1].problems += extra
        calls[-1].ended_at_eof = calls[-1].ended_at_eof or at_eof
        return [self._candidate(c) for c in calls]

    def _bare_invokes(self, text: str, regions: list[tuple[int, int]]) -> list[CallCandidate]:
        """Invokes outside any block: the outer start marker is missing (a prior: Dynamo recovers
        some). An orphan block closer right after them belongs to them. Invokes wrapped in another
        format's block (`<seed:tool_call>`, `<function_calls>`) are that format's, not bare."""
        out = []
        pos = 0
        closer = self.block_close_re or _re(self.block_end)
        for lo, hi in [*sorted(regions), (len(text), len(text))]:
            if lo > pos:
                at_eof = not text[lo:].strip()
                calls = self._invokes(text, pos, lo, at_eof=at_eof)
                if calls and not _foreign_block(text, pos, calls[0].span[0], calls[-1].span[1], lo):
                    for call in calls:
                        call.problems.insert(0, Problem(
                            MISSING_START_MARKER, f"call outside a {self.block_start.strip()} block "
                            "(the block's start marker is missing)", call.span))
                    end = calls[-1].span[1]
                    orphan = closer.match(text, end + len(text[end:lo]) - len(text[end:lo].lstrip()))
                    if orphan is not None and orphan.end() <= lo:
                        calls[-1].span = (calls[-1].span[0], orphan.end())
                    out.extend(self._candidate(call) for call in calls)
            pos = max(pos, hi)
        return out

    def _invokes(self, text: str, lo: int, hi: int, at_eof: bool) -> list[Call]:
        calls: list[Call] = []
        for inv in split_regions(text, [self.invoke_open], [self.invoke_close], lo=lo, hi=hi,
                                 syntax=self.invoke_syntax, value_at=self.invoke_value_at):
            m = inv.opener
            name = self.invoke_name(m)
            call = Call(name, (inv.start, inv.end), raw=text[inv.body_start:inv.body_end])
            if name is None:
                call.problems.append(Problem(MISSING_NAME, "call has no tool name", m.span()))
            call.problems.extend(self.invoke_problems(m))
            cut_at_eof = at_eof and inv.at_eof
            self.parse_body(text, inv.body_start, inv.body_end, call, cut_at_eof)
            if not inv.closed:
                kind = TRUNCATED if cut_at_eof else MISSING_END_MARKER
                if not (kind == TRUNCATED and any(p.kind == TRUNCATED for p in call.problems)):
                    call.problems.append(Problem(kind, "call is not closed", call.span))
            calls.append(call)
        return calls

    def _candidate(self, call: Call) -> CallCandidate:
        return CallCandidate(call.name, None if call.undecodable else call.args, call.raw.strip(),
                             call.span, call.problems, call.ended_at_eof,
                             dict(call.raw_values) if self.value_typing and not call.undecodable else None)

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
    """Invokes whose body is one JSON object of arguments (Kimi K2, DeepSeek V3 / V3.1): a block
    end marker inside one of its strings does not end the call."""

    invoke_syntax = JSON
    impossible_scenarios: ClassVar[dict[str, str]] = {}

    def json_text(self, text: str, lo: int, hi: int, call: Call) -> tuple[int, int]:
        """The (lo, hi) of the JSON inside the body; a family strips its own fences here."""
        return lo, hi

    def parse_body(self, text: str, lo: int, hi: int, call: Call, at_eof: bool) -> None:
        lo, hi = self.json_text(text, lo, hi, call)
        obj, problem = decode_json_object(text[lo:hi], lo, at_eof)
        if problem:
            call.problems.append(problem)
            call.undecodable = True
        elif not isinstance(obj, dict):
            call.problems.append(Problem(MALFORMED, "arguments are not a JSON object", (lo, hi)))
            call.undecodable = True
        else:
            call.args = obj
