"""`dynamo-probe bisect`: the same raw output through the same parser on many Dynamo releases.

For each release: a cached environment (`release.envs`, installed once), the bundle's exact
tokens replayed through the configured tool parser (and reasoning parser) on that release's real
frontend, streaming and non-streaming, compared with the calls the raw output holds (the strict
parse). The table says where a parser-logic bug was fixed or a regression came in, so the fix
can read "upgrade to >= X".
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ..errors import BadInput, ProbeError
from ..release import version_key


@dataclass
class BisectRow:
    version: str
    tool_calls: list[dict[str, Any]] | None = None
    content: str | None = None
    finish_reason: str | None = None
    matches_expected: bool | None = None  # None: not replayed here (see `error`)
    stream_matches: bool | None = None
    error: str | None = None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"version": self.version, "matches_expected": self.matches_expected,
                "tool_calls": self.tool_calls, "content": self.content,
                "finish_reason": self.finish_reason, "stream_matches": self.stream_matches,
                "error": self.error, "seconds": self.seconds}


@dataclass
class BisectResult:
    parser: str
    expected: list[dict[str, Any]]
    rows: list[BisectRow] = field(default_factory=list)

    def _judged(self) -> list[BisectRow]:
        return [r for r in self.rows if r.matches_expected is not None]

    @property
    def last_bad(self) -> str | None:
        bad = [r.version for r in self._judged() if not r.matches_expected]
        return bad[-1] if bad else None

    @property
    def first_good(self) -> str | None:
        """The release from which on every release replayed gives the expected calls (after a
        bad one: where a bug was fixed); None when the newest replayed release is still bad."""
        judged = self._judged()
        if not judged or not judged[-1].matches_expected:
            return None
        first = judged[-1].version
        for row in reversed(judged):
            if not row.matches_expected:
                break
            first = row.version
        return first

    @property
    def regressed_in(self) -> str | None:
        """The first bad release after a good one (the newest such change)."""
        judged, found = self._judged(), None
        for before, after in zip(judged, judged[1:]):
            if before.matches_expected and not after.matches_expected:
                found = after.version
        return found

    @property
    def conclusion(self) -> str:
        judged = self._judged()
        if not judged:
            return "no release could be replayed"
        if all(r.matches_expected for r in judged):
            return f"every release replayed parses it with {self.parser}: not a parser-logic bug"
        if not any(r.matches_expected for r in judged):
            return f"no release replayed parses it with {self.parser}: not fixed yet"
        if self.first_good and self.last_bad and version_key(self.first_good) > version_key(self.last_bad):
            return f"fixed in {self.first_good}: upgrade to >= {self.first_good}"
        return (f"regression in {self.regressed_in} (worked in an earlier release); "
                f"the newest release replayed is {'good' if judged[-1].matches_expected else 'bad'}")

    def to_dict(self) -> dict[str, Any]:
        return {"parser": self.parser, "expected_tool_calls": self.expected,
                "versions": [r.to_dict() for r in self.rows], "first_good": self.first_good,
                "last_bad": self.last_bad, "regressed_in": self.regressed_in,
                "conclusion": self.conclusion}


def matches(calls: list[dict[str, Any]] | None, content: str | None,
            expected: list[dict[str, Any]]) -> bool:
    """The calls come back exactly, and no tool-call marker is left in the content."""
    from ..diagnose.verdict import leaked_markers
    from .run import canonical_calls

    return canonical_calls(calls) == canonical_calls(expected) and not leaked_markers(content)


def bisect(script: dict[str, Any], parser: str, versions: list[str], expected: list[dict[str, Any]],
           request: dict[str, Any] | None, model_dir=None, reasoning_parser: str | None = None,
           parser_version: str | None = None, pythons: dict[str, str] | None = None,
           say: Callable[[str], None] = lambda s: None) -> BisectResult:
    """Replay `script` through `parser` on each release in `versions` (ascending order)."""
    from ..release import envs
    from ..release.capabilities import installed_capabilities
    from .run import replay_parsers

    pythons = pythons or {}
    result = BisectResult(parser, expected)
    for version in sorted(versions, key=version_key):
        row = BisectRow(version)
        result.rows.append(row)
        start = time.monotonic()
        try:
            python = pythons.get(version) or envs.ensure_release(version, say)
            caps = installed_capabilities(python, parser_version)
            if caps.release.version != version:
                raise BadInput(f"{python} has ai-dynamo {caps.release.version}, not {version}")
            if parser not in caps.tool_parsers:
                row.error = f"ai-dynamo {version} has no tool parser {parser!r}"
                continue
            if parser_version is not None and parser_version not in caps.parser_version_choices:
                row.error = f"ai-dynamo {version} has no parser generation {parser_version}"
                continue
            say(f"replaying through {parser} on ai-dynamo {version}")
            (got,) = replay_parsers(script, [parser], request, model_dir=model_dir, stream=True,
                                    reasoning_parser=reasoning_parser, python=python,
                                    parser_version=parser_version)
        except ProbeError as exc:
            row.error = str(exc)
            continue
        finally:
            row.seconds = round(time.monotonic() - start, 2)
        if got.get("error"):
            row.error = got["error"]
            continue
        row.tool_calls, row.content = got.get("tool_calls"), got.get("content")
        row.finish_reason = got.get("finish_reason")
        row.matches_expected = matches(row.tool_calls, row.content, expected)
        row.stream_matches = matches(got.get("stream_tool_calls"), got.get("stream_content"), expected)
    return result
