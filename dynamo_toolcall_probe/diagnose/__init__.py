"""The diagnosis: request + response (+ configured parser, tokenizer, worker record) -> verdict.

Pure: plain data in, a `Diagnosis` out. `analyze` on a saved bundle, the demo and the live probe
all call `diagnose`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..formats import registry
from ..reconstruct import Decode, RawOutput, reconstruct
from .detect import Detected, detect_formats
from .fix import fix_for
from .observed import Observed, observe
from .verdict import NO_PARSER, Finding, judge

__all__ = ["Diagnosis", "diagnose", "NO_PARSER"]


@dataclass
class Diagnosis:
    verdict: str
    fix: str
    raw: RawOutput
    observed: Observed
    detected: list[Detected]
    findings: list[Finding]
    configured_parser: str | None
    reasoning_parser: str | None
    replay: list[dict[str, Any]] | None = field(default=None)

    @property
    def family(self) -> str | None:
        return self.detected[0].family if self.detected else None

    @property
    def evidence(self) -> list[str]:
        lines = [f"raw output from {self.raw.source} ({'byte-exact' if self.raw.exact else 'not exact'})"]
        lines += self.raw.notes
        if self.detected:
            d = self.detected[0]
            lines.append(f"raw output format: {d.family} ({len(d.extraction.calls)} call(s), "
                         f"{d.well_formed_calls} well-formed)")
        lines += [f"[{f.verdict}] {f.message}" for f in self.findings]
        return lines

    def to_dict(self) -> dict[str, Any]:
        primary = self.detected[0] if self.detected else None
        return {
            "verdict": self.verdict,
            "fix": self.fix,
            "evidence": self.evidence,
            "findings": [f.to_dict() for f in self.findings],
            "raw_output": self.raw.text,
            "raw_source": self.raw.source,
            "exact": self.raw.exact,
            "raw_notes": self.raw.notes,
            "detected_formats": [d.to_dict() for d in self.detected],
            "configured_parser": self.configured_parser,
            "reasoning_parser": self.reasoning_parser,
            "suggested_parsers": registry.names_of(primary.family, working_only=True) if primary else [],
            "expected_tool_calls": [{"name": c.name, "arguments": c.arguments}
                                    for c in (primary.extraction.calls if primary else [])],
            "expected_problems": primary.extraction.to_dict()["calls"] if primary else [],
            "observed_tool_calls": [{"name": c.name, "arguments": c.arguments
                                     if c.arguments is not None else c.arguments_text}
                                    for c in self.observed.tool_calls],
            "observed": self.observed.to_dict(),
            "replay": self.replay,
        }


def diagnose(response: dict[str, Any], request: dict[str, Any] | None = None,
             configured_parser: str | None = None, reasoning_parser: str | None = None,
             decode: Decode | None = None, worker_token_ids: list[int] | None = None,
             replay: list[dict[str, Any]] | None = None) -> Diagnosis:
    """`configured_parser`: the worker's --dyn-tool-call-parser; NO_PARSER ("none") when it was
    launched without one; None when unknown."""
    raw = reconstruct(response, decode, worker_token_ids)
    observed = observe(response)
    tools = (request or {}).get("tools")
    from ..formats.registry import PARSER_FAMILIES

    detected = detect_formats(raw.text, tools if isinstance(tools, list) else None, reasoning_parser,
                              PARSER_FAMILIES.get(configured_parser or ""))
    verdict, findings = judge(raw, detected, observed, request, configured_parser,
                              reasoning_parser)
    family = detected[0].family if detected else None
    fix = fix_for(verdict, findings, family, configured_parser)
    diagnosis = Diagnosis(verdict, fix, raw, observed, detected, findings, configured_parser,
                          reasoning_parser)
    if replay is not None:
        from .replay_evidence import apply_replay

        apply_replay(diagnosis, replay)
    return diagnosis
