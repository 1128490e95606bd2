"""Rule 3, the parser's side: what the configured parser (of the raw output's own family) lost,
changed, invented or returned from the reasoning, call by call, against the strict reading."""

from __future__ import annotations

from ..formats.reasoning import IMPLICIT_START
from ..verdicts import Verdict
from . import fix as fixes
from .calls import CallReading, drafts, extra_observed, unmatched
from .compare import compare_calls
from .findings import Finding
from .observed import Observed


def parser_faults(readings: list[CallReading], expected: list[CallReading], observed: Observed,
                  configured: str | None, reasoning_parser: str | None,
                  model_defects: bool, text: str = "") -> list[Finding]:
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
        return _blame_reasoning(expected, observed, reasoning_parser, out, text)
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
    return _blame_reasoning(expected, observed, reasoning_parser, out, text)


def _blame_reasoning(expected: list[CallReading], observed: Observed, reasoning_parser: str | None,
                     out: list[Finding], text: str = "") -> list[Finding]:
    """A swallowed call that the response lost: the reasoning parser's logic, when the call
    came back inside reasoning_content (the tool parser never saw it)."""
    reasoning = observed.reasoning_content or ""
    implicit = IMPLICIT_START.get(reasoning_parser or "")
    # A parser that starts inside reasoning keeps the whole output as reasoning when the model
    # never writes its end marker: no span is visible in the text, the response shows it.
    unclosed = implicit is not None and implicit not in text
    lost = unmatched([r for r in expected if (r.swallowed or unclosed) and r.usable],
                     observed.tool_calls)
    hidden = [r for r in lost if r.call.arguments_text.strip()[:40] in reasoning
              or (r.call.name or "\0") in reasoning]
    if not hidden:
        return out
    r = hidden[0]
    where = (f"follows an unclosed reasoning span ({r.swallowed})" if r.swallowed else
             f"stands in an output without {implicit!r}, which the {reasoning_parser} reasoning "
             "parser reads as reasoning from the first token (it assumes the chat template opened "
             "it)")
    blame = Finding(Verdict.PARSER_LOGIC, "reasoning_swallowed_call", f"the call "
                    f"{r.call.name} {where} and came back inside reasoning_content: the "
                    f"{reasoning_parser or 'configured'} reasoning parser should end reasoning "
                    "where a tool-call start marker begins", fixes.reasoning_logic_fix(reasoning_parser))
    return [blame] + out
