"""Which parser settings a diagnosis of a running deployment uses, and where they came from:
`--parser` / `--reasoning-parser` first, then the deployment's model cards (discovery), else
unknown (and then inferred from a replay, diagnose/inference.py).

Instances that disagree (a rolling update) leave the configured parser open: the 1.6.1 frontend
parses every request for a model with the settings of ONE card (the one it loaded first; seen
with two replay workers under one name, round-robin across both, every reply parsed alike), and
discovery cannot tell which. The replay settles it when exactly one family among the instances'
parsers reproduces the deployment's response.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..diagnose.verdict import NO_PARSER, Finding

SOURCE_OPTION = "option"
SOURCE_DISCOVERY = "discovery"


@dataclass
class ParserSettings:
    parser: str | None = None
    reasoning_parser: str | None = None
    source: str | None = None  # SOURCE_OPTION, SOURCE_DISCOVERY, or None (unknown)
    candidates: list[str] = field(default_factory=list)  # instances disagree: their parsers
    discovery: Any = None  # the DiscoveryResult, when discovery was read
    discovery_why: str | None = None  # why this discovery source (or why none)

    @property
    def open_choice(self) -> bool:
        return self.parser is None and len(self.candidates) > 1


def resolve(parser: str | None, reasoning_parser: str | None, discovery,
            discovery_why: str | None) -> ParserSettings:
    settings = ParserSettings(parser, reasoning_parser, SOURCE_OPTION if parser else None,
                              discovery=discovery, discovery_why=discovery_why)
    if discovery is None or not discovery.instances:
        return settings
    if parser is None:
        known, value = discovery.configured("tool_call_parser")
        if known:
            settings.parser, settings.source = value or NO_PARSER, SOURCE_DISCOVERY
        else:
            settings.candidates = [p or NO_PARSER for p in discovery.tool_call_parsers]
    if reasoning_parser is None:
        known, value = discovery.configured("reasoning_parser")
        if known:
            settings.reasoning_parser = value
    return settings


def settle(settings: ParserSettings, replay: list[dict[str, Any]] | None, observed) -> str | None:
    """The one disagreeing instance parser whose replay reproduces the response, if any."""
    from ..diagnose.replay_evidence import reproduces
    from ..formats.registry import PARSER_FAMILIES

    if not settings.open_choice or not replay:
        return None
    by_parser = {r["parser"]: r for r in replay if not r.get("error")}
    matching = [p for p in settings.candidates if p in by_parser and reproduces(by_parser[p], observed)]
    families = {PARSER_FAMILIES.get(p, p) for p in matching}
    if len(families) != 1:
        return None
    settings.parser, settings.source = matching[0], SOURCE_DISCOVERY
    return matching[0]


def discovery_findings(settings: ParserSettings, settled: str | None) -> list[Finding]:
    """Evidence lines for the diagnosis: what discovery said, and any disagreement."""
    result = settings.discovery
    if result is None:
        return []
    found = [Finding("ok", "discovery", result.summary(), note=True)]
    known, value = result.configured("tool_call_parser")
    if settings.source == SOURCE_OPTION and known and (value or NO_PARSER) != settings.parser:
        found.append(Finding("ok", "discovery", f"--parser {settings.parser} overrides the "
                             f"deployment's own setting ({value or NO_PARSER})", note=True))
    if result.disagreements:
        how = (f"the response is what {settled} returns in the replay, so the frontend parses "
               f"with {settled}" if settled else
               "the replay could not tell which instance's settings the frontend parses with")
        found.append(Finding("inconclusive", "discovery_disagree",
                             f"the instances of {result.model!r} disagree on "
                             f"{', '.join(result.disagreements)} (a rolling update mixes them); "
                             f"the frontend parses every request with one card's settings: {how}",
                             note=bool(settled)))
    return found


def discovery_metadata(settings: ParserSettings) -> dict[str, Any]:
    if settings.discovery is None:
        return {"source": None, "why": settings.discovery_why}
    return {**settings.discovery.to_dict(), "why": settings.discovery_why}
