"""The diagnosis: request + response (+ configured parser, tokenizer, worker record) -> verdict.

Pure: plain data in, a `Diagnosis` out. `analyze` on a saved bundle, the demo and the live probe
all call `diagnose`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..formats import registry
from ..reconstruct import SOURCE_WORKER, Decode, RawOutput, reconstruct
from .detect import Detected, detect_formats
from .engine_view import EngineView, build_engine_view
from ..release import Release
from ..release.knowledge import Knowledge
from .fix import fix_for, suggested_parsers
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
    engine_view: EngineView | None = field(default=None)  # only with the worker hook's record
    knowledge: Knowledge = field(default_factory=lambda: Knowledge.of(Release(None)))
    # Where configured_parser came from: "option" (--parser), "launch", "discovery" (the
    # deployment's model cards), "inferred" (diagnose/inference.py), or None (unknown).
    configured_parser_source: str | None = field(default=None)

    @property
    def release(self) -> Release:
        return self.knowledge.release

    @property
    def family(self) -> str | None:
        return self.detected[0].family if self.detected else None

    @property
    def evidence(self) -> list[str]:
        lines = [f"raw output from {self.raw.source} ({'byte-exact' if self.raw.exact else 'not exact'})"]
        lines += self.raw.notes
        if self.engine_view is not None and not self.engine_view.differences:
            lines.append(f"engine tokens vs frontend: {self.engine_view.summary}")
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
            "configured_parser_source": self.configured_parser_source,
            "reasoning_parser": self.reasoning_parser,
            "suggested_parsers": suggested_parsers(primary.family, self.knowledge) if primary else [],
            "release": {**self.release.to_dict(), "facts_from": self.knowledge.measured,
                        "facts_basis": self.knowledge.basis},
            "expected_tool_calls": [{"name": c.name, "arguments": c.arguments}
                                    for c in (primary.extraction.calls if primary else [])],
            "expected_problems": primary.extraction.to_dict()["calls"] if primary else [],
            "observed_tool_calls": [{"name": c.name, "arguments": c.arguments
                                     if c.arguments is not None else c.arguments_text}
                                    for c in self.observed.tool_calls],
            "observed": self.observed.to_dict(),
            "replay": self.replay,
            "engine_view": self.engine_view.to_dict() if self.engine_view is not None else None,
        }


def diagnose(response: dict[str, Any], request: dict[str, Any] | None = None,
             configured_parser: str | None = None, reasoning_parser: str | None = None,
             decode: Decode | None = None, worker_token_ids: list[int] | None = None,
             replay: list[dict[str, Any]] | None = None,
             release: Release | None = None) -> Diagnosis:
    """`configured_parser`: the worker's --dyn-tool-call-parser; NO_PARSER ("none") when it was
    launched without one; None when unknown. `release`: the deployment's Dynamo release (and
    DYN_PARSER_VERSION); unknown when None, and then every release-specific fact is worded as
    the newest measured release's."""
    knowledge = Knowledge.of(release or Release(None))
    raw = reconstruct(response, decode, worker_token_ids)
    observed = observe(response)
    tools = (request or {}).get("tools")
    from ..formats.registry import PARSER_FAMILIES

    detected = detect_formats(raw.text, tools if isinstance(tools, list) else None, reasoning_parser,
                              PARSER_FAMILIES.get(configured_parser or ""), observed.finish_reason)
    verdict, findings = judge(raw, detected, observed, request, configured_parser,
                              reasoning_parser, knowledge)
    family = detected[0].family if detected else None
    fix = fix_for(verdict, findings, family, configured_parser,
                  asked_logprobs=bool((request or {}).get("logprobs")), knowledge=knowledge)
    diagnosis = Diagnosis(verdict, fix, raw, observed, detected, findings, configured_parser,
                          reasoning_parser, knowledge=knowledge)
    if raw.source == SOURCE_WORKER and worker_token_ids is not None:
        _add_engine_view(diagnosis, response, request, worker_token_ids, decode)
    if replay is not None:
        from .replay_evidence import apply_replay

        apply_replay(diagnosis, replay)
    return diagnosis


def _add_engine_view(diagnosis: Diagnosis, response: dict[str, Any],
                     request: dict[str, Any] | None, worker_token_ids: list[int],
                     decode: Decode | None) -> None:
    """Engine tokens vs the frontend's report of them. Added after the verdict on purpose: each
    difference is a fact about the frontend (logprobs dropped, special tokens blanked), not proof
    that the tool parser failed, so it becomes neutral ("ok") evidence and the verdict stands."""
    view = build_engine_view(diagnosis.raw.text, len(worker_token_ids), response,
                             diagnosis.reasoning_parser, decode, request, diagnosis.knowledge)
    diagnosis.engine_view = view
    diagnosis.findings += [Finding("ok", d.kind, f"engine tokens vs frontend: {d.message}")
                           for d in view.differences]
