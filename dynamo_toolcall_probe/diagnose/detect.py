"""Which tool-call format families the raw output contains, best match first."""

from __future__ import annotations

import functools
import inspect
import json
from dataclasses import dataclass
from typing import Any

from ..formats import registry
from ..formats.base import Extraction
from ..formats.extract import extract


@dataclass
class Detected:
    family: str
    parsers: list[str]  # every Dynamo parser name of the family
    extraction: Extraction

    @property
    def well_formed_calls(self) -> int:
        return sum(1 for c in self.extraction.calls if not c.problems or all(
            p.kind == "text_around" for p in c.problems))

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "parsers": self.parsers,
                "calls": len(self.extraction.calls), "well_formed_calls": self.well_formed_calls}


@functools.lru_cache(maxsize=1)
def _extract_takes_finish_reason() -> bool:
    """formats.extract decides stop-token ends from the finish reason where it knows them."""
    return "finish_reason" in inspect.signature(extract).parameters


def _extract(spec, text: str, tools, reasoning_parser: str | None,
             finish_reason: str | None) -> Extraction:
    if _extract_takes_finish_reason():
        return extract(spec, text, tools, reasoning_parser, finish_reason=finish_reason)
    return extract(spec, text, tools, reasoning_parser)


def explicit_json_call(text: str) -> bool:
    """The whole text is a JSON call object (or a list of them) with a name AND an arguments /
    parameters key: a call attempt even without a marker. A bare object with a "name" field alone
    is structured output (a JSON answer), not a call."""
    try:
        value = json.loads(text.strip())
    except (json.JSONDecodeError, RecursionError):
        return False
    items = value if isinstance(value, list) else [value]
    return bool(items) and all(isinstance(i, dict) and isinstance(i.get("name"), str)
                               and ("arguments" in i or "parameters" in i) for i in items)


def _key(name: Any, arguments: Any) -> tuple[Any, str]:
    return name, json.dumps(arguments, sort_keys=True, ensure_ascii=False)


def _intact(d: Detected) -> bool:
    """Every call of the family's reading has a name and decoded arguments."""
    return bool(d.extraction.calls) and all(c.name and c.arguments is not None
                                            for c in d.extraction.calls)


def detect_formats(text: str, tools: list[dict[str, Any]] | None,
                   reasoning_parser: str | None, prefer_family: str | None = None,
                   finish_reason: str | None = None,
                   returned: list[tuple[Any, Any]] | None = None) -> list[Detected]:
    """Every family that finds at least one call candidate, ordered by how well it explains the
    text: well-formed calls, then its own start markers in the text, then characters covered by
    calls, then the configured family (`prefer_family`), then a model's format before a parser's
    catch-all. `finish_reason` tells a call cut by max_tokens from one whose end marker is a stop
    token. `returned`: the (name, arguments) the response carries.

    An unmarked format (bare JSON) is known by its shape alone. When the best reading is one, the
    configured family goes first if it reads the same text into intact calls AND either its own
    marker stands in the text (an orphan `</TOOLCALL>`) or the response carries exactly its calls:
    the configured parser read the text as its format, with a marker missing (a prior)."""
    found: list[Detected] = []
    for family in registry.family_names():
        spec = registry.get_spec(family)
        if not spec.scan(text):
            continue
        found.append(Detected(family, registry.names_of(family),
                              _extract(spec, text, tools, reasoning_parser, finish_reason)))

    def marked(d: Detected) -> bool:
        return any(m and m in text for m in registry.get_spec(d.family).start_markers)

    def rank(d: Detected) -> tuple:
        covered = sum(c.span[1] - c.span[0] for c in d.extraction.calls)
        return (-d.well_formed_calls, not (d.extraction.calls and marked(d)), -covered,
                d.family != prefer_family, registry.get_spec(d.family).generic, d.family)

    def confirmed(d: Detected) -> bool:
        if d.family != prefer_family or not _intact(d):
            return False
        spec = registry.get_spec(d.family)
        if any(m in text for m in spec.markers()):
            return True
        got = sorted(_key(n, a) for n, a in returned or [])
        return bool(got) and got == sorted(_key(c.name, c.arguments) for c in d.extraction.calls)

    # An unmarked format (bare JSON, a bare Python list) is identified by its shape alone: it
    # counts only when a call in it has a name. Bracketed text that does not even decode is no
    # evidence of that format (an invented `[TOOL_CALL]{tool => ...}` is not llama3_json).
    found = [d for d in found if marked(d) or any(c.name for c in d.extraction.calls)]
    if not tools:
        # Without tools in the request no call can be right; only a marked format, or a bare JSON
        # call with its arguments key, counts as an attempt at one. Bare JSON with a name alone
        # is structured output.
        explicit = explicit_json_call(text)
        found = [d for d in found if marked(d) or explicit]
    found.sort(key=rank)
    if found and not marked(found[0]):
        first = next((d for d in found if confirmed(d)), None)
        if first is not None:
            found.remove(first)
            found.insert(0, first)
    return found
