"""The shape every tool-call format family shares.

A family is a small declarative spec (markers as class attributes, the format in the docstring)
plus, where the markers alone cannot say it, a `scan` that splits raw text into call candidates.
The checks that do not depend on the format (tool name known, arguments valid for the tool's JSON
Schema, call inside reasoning, text around the calls) live in `formats.extract`, once.

Pure: no I/O, no dynamo import.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, ClassVar

# Problem kinds. Strings, not an Enum, so they serialise as they are into diagnosis.json.
INVALID_JSON = "invalid_json"  # the arguments (or the whole payload) are not valid JSON
TRUNCATED = "truncated"  # the payload stops mid-way (unbalanced JSON, no end marker at EOF)
MISSING_END_MARKER = "missing_end_marker"  # a start marker with no matching end marker
MISSING_NAME = "missing_name"  # a call with no tool name
UNKNOWN_TOOL = "unknown_tool"  # the name is not among the request's tools
SCHEMA_VIOLATION = "schema_violation"  # the arguments break the tool's JSON Schema
INSIDE_REASONING = "inside_reasoning"  # the call sits inside a reasoning span
TEXT_AROUND = "text_around"  # non-whitespace text before/between/after the calls
MALFORMED = "malformed"  # the format's own structure is broken (not JSON-specific)

# Problems that mean the model's text, not the parser, is at fault.
MODEL_PROBLEMS = frozenset(
    {INVALID_JSON, TRUNCATED, MISSING_END_MARKER, MISSING_NAME, UNKNOWN_TOOL, SCHEMA_VIOLATION,
     INSIDE_REASONING, MALFORMED}
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
    """

    name: str | None
    arguments: dict[str, Any] | None
    arguments_text: str
    span: tuple[int, int]
    problems: list[Problem] = field(default_factory=list)


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

    Subclasses set the class attributes and, unless the format is "start marker, one JSON object
    per call, end marker", override `scan`. `render` writes calls in the format exactly as a model
    of the family emits them; tests and the replay demo use it to script the model's output.
    """

    #: the family's key in `formats.registry.PARSER_FAMILIES` (which names map here lives there)
    family: ClassVar[str]
    #: texts that open a tool-call region; any of them makes `detect` look further
    start_markers: ClassVar[tuple[str, ...]] = ()
    #: the text that closes the region ("" when the format has none)
    end_marker: ClassVar[str] = ""
    #: every marker the family uses; found in `message.content` they mean the parser missed a call
    leak_markers: ClassVar[tuple[str, ...]] = ()

    def detect(self, text: str) -> bool:
        """True when the text holds at least one call candidate of this format."""
        return bool(self.scan(text))

    def scan(self, text: str) -> list[CallCandidate]:
        """Split `text` into call candidates with syntax-level problems attached."""
        raise NotImplementedError

    def render(self, calls: list[tuple[str, dict[str, Any]]]) -> str:
        """The text a model of this family emits for `calls` (name, arguments)."""
        raise NotImplementedError

    def markers(self) -> tuple[str, ...]:
        return self.leak_markers or tuple(m for m in (*self.start_markers, self.end_marker) if m)


# ---- helpers the families share -------------------------------------------------------------

def decode_json_object(text: str, offset: int) -> tuple[Any, Problem | None]:
    """Decode `text` as one JSON value; on failure say whether it is broken or just cut short."""
    stripped = text.strip()
    try:
        return json.loads(stripped), None
    except json.JSONDecodeError as exc:
        kind = TRUNCATED if looks_truncated(stripped) else INVALID_JSON
        where = offset + (len(text) - len(text.lstrip())) + exc.pos
        return None, Problem(kind, f"{'truncated' if kind == TRUNCATED else 'invalid'} JSON: {exc.msg} "
                                   f"at char {exc.pos}", (where, offset + len(text)))


_NAME_RE = re.compile(r'"name"\s*:\s*"((?:[^"\\]|\\.)*)"')


def partial_name(payload: str) -> str | None:
    """The tool name of a call whose JSON did not decode, when its `"name"` field is intact."""
    match = _NAME_RE.search(payload)
    return match.group(1) if match else None


def _walk_json(text: str, start: int, stop_when_closed: bool) -> tuple[int, int, bool]:
    """Walk JSON structure outside strings: (index past the value that closed, or -1; final
    depth; whether the text ends inside a string)."""
    depth, in_str, esc = 0, False, False
    for i in range(start, len(text)):
        ch = text[i]
        if in_str:
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            depth -= 1
            if depth == 0 and stop_when_closed:
                return i + 1, 0, False
    return -1, depth, in_str


def looks_truncated(text: str) -> bool:
    """JSON that only lacks its end: open strings, objects or arrays at EOF."""
    _, depth, in_str = _walk_json(text, 0, stop_when_closed=False)
    return in_str or depth > 0


def find_json_end(text: str, start: int) -> int:
    """Index just past the JSON value that starts at `start`, or -1 if it never closes."""
    return _walk_json(text, start, stop_when_closed=True)[0]


def name_and_arguments(obj: Any, span: tuple[int, int], text: str,
                       arg_keys: tuple[str, ...] = ("arguments", "parameters")) -> CallCandidate:
    """A candidate from a decoded `{"name": ..., "arguments"|"parameters": {...}}` object."""
    problems: list[Problem] = []
    if not isinstance(obj, dict):
        return CallCandidate(None, None, text, span,
                             [Problem(MALFORMED, "call payload is not a JSON object", span)])
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        problems.append(Problem(MISSING_NAME, "call has no \"name\"", span))
        name = None
    args: Any = None
    for key in arg_keys:
        if key in obj:
            args = obj[key]
            break
    if isinstance(args, str):  # some models emit arguments as a JSON string
        try:
            args = json.loads(args)
        except json.JSONDecodeError as exc:
            problems.append(Problem(INVALID_JSON, f"arguments string is not JSON: {exc.msg}", span))
            args = None
    if args is None and not problems:
        args = {}
    if args is not None and not isinstance(args, dict):
        problems.append(Problem(MALFORMED, "arguments are not a JSON object", span))
        args = None
    return CallCandidate(name, args, json.dumps(args) if args is not None else text, span, problems)
