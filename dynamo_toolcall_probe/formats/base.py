"""The shape every tool-call format family shares, and the one region splitter they all use.

A family is a small declarative spec (markers as class attributes, the format in the docstring).
`split_regions` cuts raw text into call regions from the spec's start / end markers; a shape then
reads what is inside a region. The checks that do not depend on the format (tool name known,
arguments typed and validated by the tool's JSON Schema, call inside reasoning, text around the
calls, the finish reason) live in `formats.extract`, once.

Pure: no I/O, no dynamo import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, ClassVar, Sequence, Union

# Problem kinds. Strings, not an Enum, so they serialise as they are into diagnosis.json.
INVALID_JSON = "invalid_json"  # the arguments (or the whole payload) are not valid JSON
TRUNCATED = "truncated"  # the payload stops mid-way (unbalanced JSON, no end marker at EOF)
MISSING_END_MARKER = "missing_end_marker"  # a start marker with no matching end marker
#: a complete call without the format's start marker (a bare JSON call, an inner call block
#: outside its outer section, an orphan end marker): a prior, like a missing end marker
MISSING_START_MARKER = "missing_start_marker"
MISSING_NAME = "missing_name"  # a call with no tool name
UNKNOWN_TOOL = "unknown_tool"  # the name is not among the request's tools
SCHEMA_VIOLATION = "schema_violation"  # the arguments break the tool's JSON Schema
INSIDE_REASONING = "inside_reasoning"  # the call sits inside a reasoning span
TEXT_AROUND = "text_around"  # non-whitespace text before/between/after the calls
MALFORMED = "malformed"  # the format's own structure is broken (not JSON-specific)

# Problems that mean the model's text, not the parser, is at fault.
MODEL_PROBLEMS = frozenset(
    {INVALID_JSON, TRUNCATED, MISSING_END_MARKER, MISSING_START_MARKER, MISSING_NAME, UNKNOWN_TOOL,
     SCHEMA_VIOLATION, INSIDE_REASONING, MALFORMED}
)


@dataclass
class Problem:
    kind: str
    message: str
    span: tuple[int, int] | None = None  # character offsets into the raw text

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message,
                "span": list(self.span) if self.span else None}


@dataclass
class CallCandidate:
    """One tool call as the format's syntax gives it, before any request-aware check.

    `arguments` is the decoded object when the payload decoded, else None; `arguments_text` is the
    arguments exactly as they stood in the raw text (a JSON string, XML parameters, Python kwargs).
    `raw_arguments` holds the parameter texts of formats whose values are typed by the tool's JSON
    Schema (XML-style parameters); `extract` re-types them once the schema is known.
    `ended_at_eof`: the call runs to the end of the output without its end marker, and that marker
    is a stop token generation swallows (harmony `<|call|>`): complete unless finish_reason is
    "length".
    """

    name: str | None
    arguments: dict[str, Any] | None
    arguments_text: str
    span: tuple[int, int]
    problems: list[Problem] = field(default_factory=list)
    ended_at_eof: bool = False
    raw_arguments: dict[str, str] | None = None


@dataclass
class ExtractedCall(CallCandidate):
    in_reasoning: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "arguments": self.arguments,
            "arguments_text": self.arguments_text,
            "span": list(self.span),
            "in_reasoning": self.in_reasoning,
            "ended_at_eof": self.ended_at_eof,
            "problems": [p.to_dict() for p in self.problems],
        }


@dataclass
class Extraction:
    """What one family makes of a raw output, strictly."""

    family: str
    calls: list[ExtractedCall]
    problems: list[Problem]  # problems not tied to one call (text around, stray markers)
    normal_text: str  # the raw text with the call regions removed

    @property
    def well_formed(self) -> bool:
        """Every call decoded, named, closed and valid; nothing model-side wrong."""
        return bool(self.calls) and not any(
            p.kind in MODEL_PROBLEMS for c in self.calls for p in c.problems
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "calls": [c.to_dict() for c in self.calls],
            "problems": [p.to_dict() for p in self.problems],
            "normal_text": self.normal_text,
        }


class FormatSpec:
    """Base for a tool-call format family.

    Subclasses set the class attributes and a `scan` (usually inherited from a shape). `render`
    writes calls in the format exactly as a model of the family emits them; tests and the replay
    demo use it to script the model's output.
    """

    #: the family's key in `formats.registry.PARSER_FAMILIES` (which names map here lives there)
    family: ClassVar[str]
    #: literal texts that open a tool-call region (the tokenizer of the replay learns them)
    start_markers: ClassVar[tuple[str, ...]] = ()
    #: the text that closes a region ("" when the format has none)
    end_marker: ClassVar[str] = ""
    #: every marker the family uses; found in `message.content` they mean the parser missed a call
    leak_markers: ClassVar[tuple[str, ...]] = ()
    #: end markers that are also stop tokens of the family's models (generation_config / chat
    #: template): the engine stops on them, so they are absent from the text and the logprobs.
    #: A call that runs to the end of the output without one is complete (finish stop/tool_calls).
    stop_token_ends: ClassVar[tuple[str, ...]] = ()
    #: other stop tokens that may follow the calls (end of turn); not text around the calls
    stop_tokens: ClassVar[tuple[str, ...]] = ()
    #: scenarios (formats.scenarios.SCENARIOS) the format cannot express, with the reason
    impossible_scenarios: ClassVar[dict[str, str]] = {}
    #: the reasoning channel (`formats.reasoning.REASONING_MARKERS` name) the family's models think in
    reasoning_channel: ClassVar[str] = "think"
    #: a parser's catch-all format rather than a model's own (Dynamo's `default`): when it reads
    #: the same text as a model's format, detection names the model's format first
    generic: ClassVar[bool] = False

    @property
    def end_is_stop_token(self) -> bool:
        """The call's terminator is a stop token (or the format has none and the turn's stop
        token ends it): a call running to the end of the output is not missing anything."""
        return bool(self.stop_token_ends) and (not self.end_marker
                                               or self.end_marker in self.stop_token_ends)

    @property
    def reasoning_markers(self) -> tuple[str, str]:
        """(start, end) of the family's reasoning span (scenarios wrap a call in them)."""
        from .reasoning import REASONING_MARKERS

        pair = next(m for m in REASONING_MARKERS if m.name == self.reasoning_channel)
        return pair.start, pair.end

    def detect(self, text: str) -> bool:
        """True when the text holds at least one call candidate of this format."""
        return bool(self.scan(text))

    def scan(self, text: str) -> list[CallCandidate]:
        """Split `text` into call candidates with syntax-level problems attached."""
        raise NotImplementedError

    def render(self, calls: list[tuple[str, dict[str, Any]]]) -> str:
        """The text a model of this family emits for `calls` (name, arguments)."""
        raise NotImplementedError

    def type_value(self, raw: str, schema: dict[str, Any] | None, schema_known: bool) -> Any:
        """A parameter text typed the way Dynamo's parser of the family types it (formats with
        `raw_arguments` only); `schema` is the parameter's JSON Schema, None when untyped."""
        from .values import guess

        return guess(raw)

    def markers(self) -> tuple[str, ...]:
        return self.leak_markers or tuple(m for m in (*self.start_markers, self.end_marker) if m)

    def closers(self) -> tuple[str, ...]:
        """Every text that closes a call or its wrapper, innermost last as `render` writes them:
        scenarios strip them to leave a call unclosed, and put them inside a string argument."""
        return tuple(m for m in (self.end_marker, *self.stop_token_ends) if m)


# ---- the region splitter --------------------------------------------------------------------

Marker = Union[str, "re.Pattern[str]"]


@dataclass(frozen=True)
class ValueSyntax:
    """How a structured value in a region body quotes strings and nests, so that a marker inside
    a string does not end the region."""

    quotes: tuple[str, ...]
    escape: str | None
    opens: str
    closes: str

    def token_re(self) -> re.Pattern[str]:
        """Whole strings (so the walk skips their insides in C), a lone quote (a string that never
        closes), and brackets."""
        parts = []
        for q in self.quotes:
            qe = re.escape(q)
            if self.escape:  # single-character quotes with backslash escapes (JSON, Python)
                other = "[^" + re.escape(q + self.escape) + "]*"
                parts.append(f"{qe}{other}(?:{re.escape(self.escape)}.{other})*{qe}")
            else:
                parts.append(f"{qe}.*?{qe}")
            parts.append(qe)
        parts.append("[" + re.escape(self.opens + self.closes) + "]")
        return re.compile("|".join(parts), re.S)


JSON = ValueSyntax(('"',), "\\", "{[", "}]")
PYTHON = ValueSyntax(('"', "'"), "\\", "([{", ")]}")


@dataclass(frozen=True)
class Region:
    """One call region: `text[start:end]`, its body `text[body_start:body_end]`.

    `stop` says how it ended: "end" (an end marker, in `closer`), "start" (the next region's start
    marker came first), "cut" (a marker that ends any region, e.g. harmony `<|end|>`), "value"
    (the body's value closed and no end marker followed) or "eof" (the text ran out).
    """

    start: int
    body_start: int
    body_end: int
    end: int
    opener: re.Match[str]
    stop: str
    closer: str | None = None
    value_start: int | None = None
    value_end: int | None = None  # past the value's closing bracket; None when it never closed
    at_eof: bool = False  # nothing but whitespace after the region

    @property
    def closed(self) -> bool:
        return self.stop == "end"

    @property
    def value_closed(self) -> bool:
        return self.value_end is not None


def _pattern(marker: Marker) -> re.Pattern[str]:
    return marker if isinstance(marker, re.Pattern) else re.compile(re.escape(marker))


class _Finder:
    """The earliest match of any of some markers at or after a position, with per-marker caching
    (each marker's text is searched at most once per match it passes)."""

    def __init__(self, text: str, hi: int, markers: Sequence[tuple[str, Marker]]) -> None:
        self.text, self.hi = text, hi
        self.items = [(kind, _pattern(m)) for kind, m in markers if m != ""]
        self.cache: list[re.Match[str] | None | bool] = [True] * len(self.items)
        # a zero-width start marker (a lookahead) matching at the region's own opener or body start
        # is that opener, not the next region
        self.own: tuple[int, int] = (-1, -1)

    def next(self, pos: int) -> tuple[str, re.Match[str]] | None:
        best: tuple[str, re.Match[str]] | None = None
        for i, (kind, pat) in enumerate(self.items):
            hit = self.cache[i]
            if hit is True or (hit is not None and hit.start() < pos):
                hit = self.cache[i] = pat.search(self.text, pos, self.hi)
            if hit is not None and kind == "start" and hit.start() == hit.end() and hit.start() in self.own:
                hit = self.cache[i] = pat.search(self.text, hit.start() + 1, self.hi)
            if hit is not None and (best is None or hit.start() < best[1].start()):
                best = (kind, hit)
        return best


def split_regions(text: str, starts: Sequence[Marker], ends: Sequence[Marker] = (), *,
                  lo: int = 0, hi: int | None = None, cuts: Sequence[Marker] = (),
                  syntax: ValueSyntax | None = None, value_at: Marker = re.compile(r"\s*"),
                  end_required: bool = True, every_value: bool = False,
                  opener_opens_value: bool = False) -> list[Region]:
    """Every region of `text[lo:hi]` that opens with one of `starts`.

    A region ends at the first of: one of `ends` (closed), the next start marker (an unclosed
    call followed by the next call is two calls, the first one broken), one of `cuts`, or the end
    of the text. With a `syntax`, the body holds a structured value (JSON arguments) that begins
    where `value_at` matches at the body start: a marker inside one of its strings does not end
    the region, and once the value closes the region ends there unless an end marker follows
    (after anything, when `end_required`; after whitespace only, when the format may omit it).
    With `every_value`, the body holds several such values (a block of calls with JSON bodies):
    strings inside any of them are skipped and the region does not end with a value. With
    `opener_opens_value`, the start marker's last character is the value's opening bracket
    (pythonic `[name(`): a literal first character keeps the search fast.
    """
    hi = len(text) if hi is None else hi
    tokens = syntax.token_re() if syntax else None
    at = _pattern(value_at)
    finder = _Finder(text, hi, [("start", m) for m in starts])
    stops = _Finder(text, hi, [("end", m) for m in ends] + [("start", m) for m in starts]
                    + [("cut", m) for m in cuts])
    regions: list[Region] = []
    pos = lo
    while (hit := finder.next(pos)) is not None:
        opener = hit[1]
        body = opener.end()
        stops.own = (opener.start(), body)
        value_start = None
        if syntax is not None and every_value:
            value_start = body
        elif syntax is not None and opener_opens_value:
            value_start = body - 1
        elif syntax is not None and (v := at.match(text, body, hi)) and v.end() < hi \
                and text[v.end()] in syntax.opens:
            value_start = v.end()
        region = (_value_region(text, hi, opener, value_start, syntax, tokens, stops, end_required,
                                every_value)
                  if value_start is not None and syntax is not None and tokens is not None
                  else _plain_region(text, hi, opener, body, stops))
        regions.append(region)
        pos = max(region.end, opener.end())
    return regions


def _finish(text: str, hi: int, opener: re.Match[str], body_end: int, end: int, stop: str,
            closer: str | None = None, value: tuple[int | None, int | None] = (None, None)) -> Region:
    return Region(opener.start(), opener.end(), body_end, end, opener, stop, closer, value[0],
                  value[1], at_eof=stop != "end" and not text[end:hi].strip())


def _plain_region(text: str, hi: int, opener: re.Match[str], body: int, stops: _Finder) -> Region:
    hit = stops.next(body)
    if hit is None:
        return _finish(text, hi, opener, hi, hi, "eof")
    return _stopped(text, hi, opener, hit, (None, None))


def _value_region(text: str, hi: int, opener: re.Match[str], value_start: int, syntax: ValueSyntax,
                  tokens: re.Pattern[str], stops: _Finder, end_required: bool,
                  every_value: bool) -> Region:
    depth, pos = 0, value_start
    value = (None, None) if every_value else (value_start, None)
    hit = stops.next(max(value_start, opener.end()))  # no marker starts inside the opener
    while (tok := tokens.search(text, pos, hi)) is not None:
        if hit is not None and hit[1].start() <= tok.start():
            return _stopped(text, hi, opener, hit, value)  # a marker outside strings: broken value
        t = tok.group(0)
        quote = next((q for q in syntax.quotes if t.startswith(q)), None)
        if quote is not None and depth == 0:
            pos = tok.start() + len(quote)  # text between values is not quoted
            continue
        if quote is not None and (len(t) < 2 * len(quote) or not t.endswith(quote)):
            return _finish(text, hi, opener, hi, hi, "eof", None, value)  # the string never closes
        pos = tok.end()
        if quote is not None:
            if hit is not None and hit[1].start() < pos:
                hit = stops.next(pos)  # markers inside the string are text
        elif t in syntax.opens:
            depth += 1
        else:
            depth -= 1
            if depth <= 0 and not every_value:
                return _after_value(text, hi, opener, value_start, tok.end(), stops, end_required)
            depth = max(depth, 0)
    if hit is not None:
        return _stopped(text, hi, opener, hit, value)
    return _finish(text, hi, opener, hi, hi, "eof", None, value)


def _stopped(text: str, hi: int, opener: re.Match[str], hit: tuple[str, re.Match[str]],
             value: tuple[int | None, int | None]) -> Region:
    kind, m = hit
    if kind == "end":
        return _finish(text, hi, opener, m.start(), m.end(), "end", m.group(0), value)
    return _finish(text, hi, opener, m.start(), m.start(), kind, None, value)


def _after_value(text: str, hi: int, opener: re.Match[str], value_start: int, value_end: int,
                 stops: _Finder, end_required: bool) -> Region:
    hit = stops.next(value_end)
    value = (value_start, value_end)
    adjacent = hit is not None and not text[value_end:hit[1].start()].strip()
    if hit is not None and hit[0] == "end" and (end_required or adjacent):
        return _finish(text, hi, opener, hit[1].start(), hit[1].end(), "end", hit[1].group(0), value)
    # the value closed; what follows is the next call (or a foreign message) or other text
    return _finish(text, hi, opener, value_end, value_end, hit[0] if hit and adjacent else "value",
                   None, value)
