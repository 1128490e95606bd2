"""Which tool-call format families the raw output contains, best match first."""

from __future__ import annotations

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


def detect_formats(text: str, tools: list[dict[str, Any]] | None,
                   reasoning_parser: str | None, prefer_family: str | None = None,
                   finish_reason: str | None = None) -> list[Detected]:
    """Every family that finds at least one call candidate, ordered by how well it explains the
    text: well-formed calls, then characters covered by calls, then the configured family.
    `finish_reason` tells a call cut by max_tokens from one whose end marker is a stop token."""
    found: list[Detected] = []
    for family in registry.family_names():
        spec = registry.get_spec(family)
        if not spec.scan(text):
            continue
        found.append(Detected(family, registry.names_of(family),
                              extract(spec, text, tools, reasoning_parser, finish_reason)))

    def marked(d: Detected) -> bool:
        return any(m and m in text for m in registry.get_spec(d.family).start_markers)

    def rank(d: Detected) -> tuple:
        covered = sum(c.span[1] - c.span[0] for c in d.extraction.calls)
        return (-d.well_formed_calls, not (d.extraction.calls and marked(d)), -covered,
                d.family != prefer_family, d.family)

    if not tools:
        # Without tools in the request no call can be right; only a marked format counts as an
        # attempt at one. Bare JSON (llama3_json without <|python_tag|>) is structured output.
        found = [d for d in found if marked(d)]
    found.sort(key=rank)
    return found
