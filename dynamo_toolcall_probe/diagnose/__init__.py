"""The diagnosis: request + response (+ configured parser, tokenizer, worker record, stream,
prompt, replay) -> verdict, findings, fix.

Pure: plain data in, a `Diagnosis` out. `diagnose` takes every kind of evidence at once;
evidence gathered after a first diagnosis (the replay proof, which needs the verdict to know
whether it is worth running) is added with the Diagnosis' `add_*` methods, which run the same
merging code (diagnose/evidence.py). The verdict and the fix are always read from the findings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..reconstruct import SOURCE_WORKER, Decode, RawOutput, reconstruct
from ..release import Release
from ..release.knowledge import Knowledge
from ..verdicts import Verdict
from . import fix as fixes
from .detect import Detected, detect_formats
from .engine_view import EngineView
from .findings import Finding, deciding, pick
from .observed import Observed, observe
from .prompt import Prompt, PromptView
from .stream_compare import Stream
from .verdict import NO_PARSER, judge

__all__ = ["Diagnosis", "diagnose", "NO_PARSER", "Finding", "Verdict", "Stream", "Prompt"]


@dataclass
class Diagnosis:
    raw: RawOutput
    observed: Observed
    detected: list[Detected]
    findings: list[Finding]
    configured_parser: str | None
    reasoning_parser: str | None
    request: dict[str, Any] | None = None
    response: dict[str, Any] | None = None
    replay: list[dict[str, Any]] | None = field(default=None)
    engine_view: EngineView | None = field(default=None)  # only with the worker hook's record
    prompt: PromptView | None = field(default=None)  # only when the prompt is known or rendered
    stream: dict[str, Any] | None = field(default=None)  # what the streamed reply showed
    split_sweep: dict[str, Any] | None = field(default=None)  # replay.sweep, when it ran
    knowledge: Knowledge = field(default_factory=lambda: Knowledge.of(Release(None)))
    # Where configured_parser came from: "option" (--parser), "launch", "discovery" (the
    # deployment's model cards), "inferred" (diagnose/inference.py), or None (unknown).
    configured_parser_source: str | None = field(default=None)

    @property
    def verdict(self) -> Verdict:
        return pick(self.findings)

    @property
    def fix(self) -> str:
        finding = deciding(self.findings)
        if finding is not None and finding.fix:
            return finding.fix
        verdict = self.verdict
        if verdict == Verdict.OK:
            return fixes.NOTHING_TO_FIX if self.detected else fixes.NO_CALL_WANTED
        if verdict == Verdict.PARSER_LOGIC:
            return fixes.parser_logic_fix(self.configured_parser)
        if verdict == Verdict.INCONCLUSIVE:
            return fixes.raw_output_fix(bool((self.request or {}).get("logprobs")), self.knowledge)
        return fixes.model_fix(finding.check if finding else "", self.knowledge,
                               self.observed.finish_reason)

    @property
    def release(self) -> Release:
        return self.knowledge.release

    @property
    def family(self) -> str | None:
        return self.detected[0].family if self.detected else None

    @property
    def expected_calls(self) -> list[tuple[str | None, Any]]:
        """(name, arguments) of the calls the raw output holds: the forced tool_choice's JSON
        shape when the answer is in it, else the strict reading of the detected family."""
        from .forced import forced_calls, wrapped_forced_answer

        forced = forced_calls(self.raw.text, self.request, self.reasoning_parser)
        if forced is None and self.detected and not self.detected[0].well_formed_calls:
            wrapped = wrapped_forced_answer(self.raw.text, self.request, self.reasoning_parser,
                                            self.family)
            forced = wrapped.calls if wrapped is not None else None
        if forced is not None:
            return [(c.name, c.arguments) for c in forced]
        return [(c.name, c.arguments) for c in (self.detected[0].extraction.calls if self.detected else [])]

    @property
    def notes(self) -> list[Finding]:
        return [f for f in self.findings if f.note]

    @property
    def evidence(self) -> list[str]:
        lines = [f"raw output from {self.raw.source} ({'byte-exact' if self.raw.exact else 'not exact'})"]
        lines += self.raw.notes
        caveat = self.knowledge.caveat
        stated = [self.fix, *(f.message for f in self.findings), *(f.fix or "" for f in self.findings)]
        if caveat and any(self.knowledge.name in text for text in stated):
            lines.append(caveat)  # once, instead of in every line that states a release fact
        if self.engine_view is not None and not self.engine_view.differences:
            lines.append(f"engine tokens vs frontend: {self.engine_view.summary}")
        if self.detected:
            d = self.detected[0]
            lines.append(f"raw output format: {d.family} ({len(d.extraction.calls)} call(s), "
                         f"{d.well_formed_calls} well-formed)")
        lines += [f.line() for f in self.findings]
        return lines

    # --- evidence gathered later ---------------------------------------------------------------
    def add_replay(self, replay: list[dict[str, Any]]) -> None:
        from .evidence import add_replay

        add_replay(self, replay)

    def add_stream(self, stream: Stream, compare: bool = True) -> None:
        from .evidence import add_stream

        add_stream(self, stream, compare)

    def add_prompt(self, prompt: Prompt) -> None:
        from .evidence import add_prompt

        add_prompt(self, prompt)

    def add_split_sweep(self, sweep: dict[str, Any]) -> None:
        from .evidence import add_split_sweep

        add_split_sweep(self, sweep)

    def to_dict(self) -> dict[str, Any]:
        primary = self.detected[0] if self.detected else None
        return {
            "verdict": self.verdict.value,
            "exit_code": self.verdict.exit_code,
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
            "suggested_parsers": fixes.suggested_parsers(primary.family, self.knowledge) if primary else [],
            "release": {**self.release.to_dict(), "facts_from": self.knowledge.measured,
                        "facts_basis": self.knowledge.basis},
            "expected_tool_calls": [{"name": n, "arguments": a} for n, a in self.expected_calls],
            "expected_problems": primary.extraction.to_dict()["calls"] if primary else [],
            "observed_tool_calls": [{"name": c.name, "arguments": c.arguments
                                     if c.arguments is not None else c.arguments_text}
                                    for c in self.observed.tool_calls],
            "observed": self.observed.to_dict(),
            "replay": self.replay,
            "engine_view": self.engine_view.to_dict() if self.engine_view is not None else None,
            "prompt": self.prompt.to_dict() if self.prompt is not None else None,
            "stream": self.stream,
            "split_sweep": self.split_sweep,
        }


def diagnose(response: dict[str, Any], request: dict[str, Any] | None = None,
             configured_parser: str | None = None, reasoning_parser: str | None = None,
             decode: Decode | None = None, worker_token_ids: list[int] | None = None,
             replay: list[dict[str, Any]] | None = None,
             release: Release | None = None, *, stream: Stream | None = None,
             prompt: Prompt | None = None,
             engine_request: dict[str, Any] | None = None) -> Diagnosis:
    """`configured_parser`: the worker's --dyn-tool-call-parser; NO_PARSER ("none") when it was
    launched without one; None when unknown. `release`: the deployment's Dynamo release (and
    DYN_PARSER_VERSION); unknown when None, and then every release-specific fact is worded as
    the newest measured release's. `stream`: the streamed reply; when its assembled body is
    `response` itself the capture was streamed only, else it is compared with `response`.
    `prompt`: the prompt the engine saw (or the model's chat template rendered).
    `engine_request`: the request the worker received (the hook's record): its decoding
    constraint is evidence (diagnose/guided.py)."""
    from .evidence import add_engine_view, add_prompt, add_replay, add_stream, stream_gaps

    from .logprob_repeats import drop_repeated_chunks

    knowledge = Knowledge.of(release or Release(None))
    rebuilt_from, repeat_note = drop_repeated_chunks(response, knowledge, configured_parser)
    raw = reconstruct(rebuilt_from, decode, worker_token_ids)
    if repeat_note and raw.source != SOURCE_WORKER:  # the engine's own tokens need no repair
        raw.exact = False
        raw.notes.append(repeat_note)
    observed = observe(response)
    streamed_only = stream is not None and stream.body is response
    if streamed_only:
        stream_gaps(raw, stream, request)
    tools = (request or {}).get("tools")
    from ..formats.registry import PARSER_FAMILIES
    from .forced import forced_answer
    from .response_format import response_format_answer

    # A JSON answer to a forced tool_choice, or to a JSON response_format, is in no family's
    # format (the judge reads it as such); detecting a family there would report false calls.
    forced = (forced_answer(raw.text, request, reasoning_parser) is not None
              or response_format_answer(raw.text, request, reasoning_parser) is not None)
    detected = [] if forced else detect_formats(raw.text, tools if isinstance(tools, list) else None, reasoning_parser,
                              PARSER_FAMILIES.get(configured_parser or ""), observed.finish_reason,
                              [(c.name, c.arguments if c.arguments is not None else c.arguments_text)
                               for c in observed.tool_calls])
    findings = judge(raw, detected, observed, request, configured_parser, reasoning_parser,
                     knowledge)
    diagnosis = Diagnosis(raw, observed, detected, findings, configured_parser, reasoning_parser,
                          request, response, knowledge=knowledge)
    if worker_token_ids is not None:
        add_engine_view(diagnosis, response, worker_token_ids, decode)
    from .guided import add_constraint, add_forced_markup

    if engine_request is not None:
        add_constraint(diagnosis, engine_request)
    else:
        add_forced_markup(diagnosis)
    if stream is not None:
        add_stream(diagnosis, stream, compare=not streamed_only)
    if prompt is not None:
        add_prompt(diagnosis, prompt)
    if replay is not None:
        add_replay(diagnosis, replay)
    return diagnosis
