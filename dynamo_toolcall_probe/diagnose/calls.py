"""What each call of the strict parse means for the verdict, before it is compared with the response.

The strict parse (`formats`) reports every problem it sees. Not every problem is the model's
defect, and the diagnosis tells them apart here, once:

- a *draft*: a call inside a closed reasoning span. It is reasoning, not a call; when a real call
  follows, the draft is only a note. (A call only inside reasoning is the model's defect.)
- *swallowed*: a call inside a reasoning span that never closes. The reasoning parser should end
  reasoning where a tool-call start marker begins, so the call counts; losing it is the reasoning
  parser's logic.
- a *stop-token end*: the call runs to the end of the output without its end marker, and that
  marker is a stop token the engine swallows (harmony `<|call|>`): complete unless generation hit
  max_tokens. The formats side says so with `CallCandidate.ended_at_eof` (spec data:
  `FormatSpec.stop_token_ends`); without that attribute nothing is assumed.
- *priors*: a missing end or start marker around a call whose name and arguments are intact.
  They make the call suspect, not wrong: when the response carries exactly this call, the parser
  recovered what the model meant and the prior is a note.
- *defects*: everything else the model got wrong (truncated or invalid JSON, unknown tool, schema).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..formats import base as kinds
from ..formats.base import ExtractedCall, Problem
from ..formats.reasoning import REASONING_MARKERS, reasoning_spans
from .observed import ObservedCall

END_PROBLEMS = (kinds.TRUNCATED, kinds.MISSING_END_MARKER)


@dataclass
class CallReading:
    call: ExtractedCall
    draft: bool = False  # inside a closed reasoning span
    swallowed: str | None = None  # the unclosed reasoning channel the call sits in
    stop_token_end: bool = False  # ended by a stop token the engine swallowed
    priors: list[Problem] = field(default_factory=list)
    defects: list[Problem] = field(default_factory=list)

    @property
    def well_formed(self) -> bool:
        """Nothing at all to say against the call."""
        return not self.priors and not self.defects

    @property
    def usable(self) -> bool:
        """Name and arguments intact: a parser that returns exactly this call is right."""
        return not self.defects

    @property
    def key(self) -> tuple[Any, str]:
        return self.call.name, _canonical(self.call.arguments)


def _canonical(arguments: Any) -> str:
    return json.dumps(arguments, sort_keys=True, ensure_ascii=False)


def observed_key(call: ObservedCall) -> tuple[Any, str]:
    args = call.arguments if call.arguments is not None else call.arguments_text
    return call.name, _canonical(args)


def _closed_spans(text: str, reasoning_parser: str | None) -> list[tuple[int, int, str, bool]]:
    """(start, end, channel, closed) of every reasoning span."""
    ends = {m.name: m.end for m in REASONING_MARKERS}
    out = []
    for start, end, channel in reasoning_spans(text, reasoning_parser):
        marker = ends.get(channel)
        closed = channel == "implicit" or (marker is not None and text[start:end].endswith(marker))
        out.append((start, end, channel, closed))
    return out


def _is_prior(problem: Problem, call: ExtractedCall, finish_reason: str | None) -> bool:
    """A marker-level problem around a call whose name and arguments decoded."""
    if call.name is None or call.arguments is None or finish_reason == "length":
        return False
    return problem.kind in (kinds.MISSING_END_MARKER, kinds.MISSING_START_MARKER, kinds.MALFORMED)


def read_calls(text: str, calls: list[ExtractedCall], finish_reason: str | None,
               reasoning_parser: str | None) -> list[CallReading]:
    spans = _closed_spans(text, reasoning_parser)
    readings = []
    for call in calls:
        reading = CallReading(call)
        span = next((s for s in spans if s[0] <= call.span[0] < s[1]), None)
        if span is not None:
            reading.draft, reading.swallowed = span[3], None if span[3] else span[2]
        reading.stop_token_end = bool(getattr(call, "ended_at_eof", False)) \
            and finish_reason != "length" and call.arguments is not None
        for problem in call.problems:
            if problem.kind not in kinds.MODEL_PROBLEMS:
                continue
            if problem.kind == kinds.INSIDE_REASONING and reading.swallowed:
                continue  # the reasoning parser's business, judged against the response
            if reading.stop_token_end and problem.kind in END_PROBLEMS:
                continue
            (reading.priors if _is_prior(problem, call, finish_reason) else
             reading.defects).append(problem)
        readings.append(reading)
    return readings


def expected_calls(readings: list[CallReading]) -> list[CallReading]:
    """The calls the response should carry: drafts inside closed reasoning are left out when a
    real call exists (the model thought about a call, then made it)."""
    real = [r for r in readings if not r.draft]
    return real if real else readings


def drafts(readings: list[CallReading]) -> list[CallReading]:
    real = [r for r in readings if not r.draft]
    return [r for r in readings if r.draft] if real else []


def unmatched(readings: list[CallReading], observed: list[ObservedCall]) -> list[CallReading]:
    """The readings no observed call carries exactly (each observed call matches once)."""
    left = [observed_key(o) for o in observed]
    missing = []
    for reading in readings:
        if reading.key in left:
            left.remove(reading.key)
        else:
            missing.append(reading)
    return missing


def extra_observed(readings: list[CallReading], observed: list[ObservedCall]) -> list[ObservedCall]:
    """Observed calls that match none of `readings` (each reading matches once)."""
    left = [r.key for r in readings]
    extra = []
    for call in observed:
        key = observed_key(call)
        if key in left:
            left.remove(key)
        else:
            extra.append(call)
    return extra
