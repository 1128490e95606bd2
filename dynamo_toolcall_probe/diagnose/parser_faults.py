"""Rule 3, the parser's side: what the configured parser (of the raw output's own family) lost,
changed, invented or returned from the reasoning, call by call, against the strict reading."""

from __future__ import annotations

from ..verdicts import Verdict
from . import fix as fixes
from .calls import CallReading, drafts, extra_observed, unmatched
from .compare import compare_calls
from .findings import Finding
from .observed import Observed


def parser_faults(readings: list[CallReading], expected: list[CallReading], observed: Observed,
                  configured: str | None, reasoning_parser: str | None,
                  model_defects: bool) -> list[Finding]:
    """Without model defects every difference from the strict reading is the parser's; with
    them, only a well-formed call lost next to a broken one, or a call invented from arguments
    that do not decode."""
    o, finish = observed, observed.finish_reason
    pfix = fixes.parser_logic_fix(configured)
    out: list[Finding] = []
    if not model_defects:
        diffs = compare_calls([r.call for r in expected], o.tool_calls)
        out += [Finding(Verdict.PARSER_LOGIC, "tool_calls", d, pfix) for d in diffs]
        for call in extra_observed(expected, o.tool_calls):
            draft = next((d for d in drafts(readings) if d.key[0] == call.name), None)
            if draft is not None:
                out.append(Finding(Verdict.PARSER_LOGIC, "reasoning_draft_returned", "the "
                           f"response also returns the draft call {call.name} from inside the "
                           f"closed reasoning (chars {draft.call.span[0]}-{draft.call.span[1]}) "
                           "as a tool call: the tool parser read calls out of the reasoning", pfix))
                break
        return _blame_reasoning(expected, observed, reasoning_parser, out)
    lost = [r for r in unmatched([r for r in expected if r.well_formed], o.tool_calls)]
    for r in lost:
        out.append(Finding(Verdict.PARSER_LOGIC, "call_lost", f"the well-formed call "
                           f"{r.call.name} at chars {r.call.span[0]}-{r.call.span[1]} is not in "
                           "the response: the parser lost it next to a broken call", pfix))
    broken = {r.call.name: p.message for r in expected for p in r.defects
              if p.kind == "invalid_json"}
    invented = [c for c in o.tool_calls if c.name in broken]
    if invented and finish != "length":
        out.append(Finding(Verdict.PARSER_LOGIC, "invented_call", "the parser returned a tool "
                           f"call ({invented[0].name}: {invented[0].arguments_text}) built from "
                           f"arguments that do not decode ({broken[invented[0].name]}): it "
                           "should have reported the text, not invented arguments", pfix))
    return _blame_reasoning(expected, observed, reasoning_parser, out)


def _blame_reasoning(expected: list[CallReading], observed: Observed, reasoning_parser: str | None,
                     out: list[Finding]) -> list[Finding]:
    """A swallowed call that the response lost: the reasoning parser's logic, when the call
    came back inside reasoning_content (the tool parser never saw it)."""
    reasoning = observed.reasoning_content or ""
    lost = unmatched([r for r in expected if r.swallowed and r.usable], observed.tool_calls)
    hidden = [r for r in lost if r.call.arguments_text.strip()[:40] in reasoning
              or (r.call.name or "\0") in reasoning]
    if not hidden:
        return out
    r = hidden[0]
    blame = Finding(Verdict.PARSER_LOGIC, "reasoning_swallowed_call", f"the call "
                    f"{r.call.name} follows an unclosed reasoning span ({r.swallowed}) and came "
                    f"back inside reasoning_content: the {reasoning_parser or 'configured'} "
                    "reasoning parser should end reasoning where a tool-call start marker "
                    "begins", fixes.reasoning_logic_fix(reasoning_parser))
    return [blame] + out
