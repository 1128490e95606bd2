"""Raw output + request + response (+ configured parser) -> findings, each with its fix.

The verdict is the decisive finding of highest precedence (`Verdict`: parser_config, template,
model, parser_logic, inconclusive, ok). The rules, in the order they apply:

1. Evidence before priors. When the response carries exactly the calls a strict reading of the
   raw output gives, no marker leaked and the finish reason agrees, the verdict is ok. A prior
   (no end marker, an inert parser name) is then a note, never the verdict.
2. A parser_config verdict needs a family under which the calls come out well-formed; a wrong
   parser next to markup no family reads is a note beside the model's verdict.
3. Each broken call is the model's; each well-formed call the parser lost, changed or invented is
   the parser's. When both happen, the parser's fault decides (a correct parser would have
   returned the well-formed calls) and the model's defect is a note with its own fix.
0. A forced tool_choice whose answer is in the JSON shape Dynamo constrains it to (forced.py):
   the calls are read from that shape, not through the configured family.
4. No call in the raw output: `no_call` (tools offered, prose answer: the model), call-like markup
   no family reads (the model), calls with no tools offered (the model or its template).
"""

from __future__ import annotations

from typing import Any

from ..formats import base as kinds
from ..formats import registry
from ..reconstruct import SOURCE_NONE, RawOutput
from ..release import Release
from ..release.knowledge import Knowledge
from ..verdicts import Verdict
from . import fix as fixes
from .calls import CallReading, drafts, expected_calls, read_calls, unmatched
from .compare import compare_calls
from .detect import Detected
from .findings import Finding
from .forced import forced_answer, judge_forced, wrapped_forced_answer
from .leaks import leak_message, leaked_markers  # noqa: F401 (leaked_markers: re-export)
from .no_call import judge_no_call, offered_tools, tool_choice_required  # noqa: F401 (re-export)
from .observed import Observed
from .response_format import judge_response_format, response_format_answer
from .parser_faults import parser_faults
from .reasoning_checks import reasoning_markers_in_content
from .unsupported import judge_unsupported

PARALLEL_OFF_FIX = ("nothing to fix: parallel_tool_calls false asks for one call per turn; send "
                    "it true (or leave it out) if every call the model writes is wanted")
NO_PARSER = "none"  # configured_parser value meaning "the worker was launched without one"
RECOVERED = "the response carries exactly this call, so the parser recovered what the model meant"

__all__ = ["NO_PARSER", "Finding", "judge", "leaked_markers", "tool_choice_required"]


class _Judge:
    def __init__(self, raw: RawOutput, detected: list[Detected], observed: Observed,
                 request: dict[str, Any] | None, configured: str | None,
                 reasoning_parser: str | None, knowledge: Knowledge) -> None:
        self.raw, self.observed, self.request = raw, observed, request
        self.configured, self.reasoning_parser, self.knowledge = configured, reasoning_parser, knowledge
        self.primary = detected[0] if detected else None
        self.findings: list[Finding] = []
        self.readable = False
        self.returned_exactly = False  # the response carries exactly the strict reading's calls
        named = None if configured in (None, NO_PARSER) else registry.PARSER_FAMILIES.get(configured)
        self.listed = None if configured in (None, NO_PARSER) else knowledge.is_tool_parser(configured)
        self.inert = knowledge.inert(configured) if configured and self.listed else None
        self.paired = knowledge.needs_reasoning(configured) if configured and self.listed else None
        self.unpaired = bool(self.paired) and reasoning_parser != self.paired
        self.named_family = None if self.listed is False else named
        # The family the configured parser really parses here: none when the name is listed but,
        # on the default route or without its reasoning parser, parses nothing.
        self.configured_family = None if self.inert or self.unpaired else self.named_family
        self.raw_fix = fixes.raw_output_fix(bool((request or {}).get("logprobs")), knowledge)

    def add(self, verdict: Verdict, check: str, message: str, fix: str | None = None,
            note: bool = False) -> None:
        if fix is None and verdict == Verdict.PARSER_LOGIC:
            fix = fixes.parser_logic_fix(self.configured)
        self.findings.append(Finding(verdict, check, message, fix, note))

    def model_fix(self, check: str) -> str:
        return fixes.model_fix(check, self.knowledge, self.observed.finish_reason)

    # --- the whole judgement ---------------------------------------------------------------------
    def run(self) -> list[Finding]:
        if self.raw.source == SOURCE_NONE:
            self._check_response_itself()
            self.add(Verdict.INCONCLUSIVE, "raw_output", "no raw model output: the response has "
                     "neither logprobs nor content", self.raw_fix)
            return self.findings
        forced = forced_answer(self.raw.text, self.request, self.reasoning_parser)
        if forced is None and self.primary is not None and not self.primary.well_formed_calls:
            forced = wrapped_forced_answer(self.raw.text, self.request, self.reasoning_parser,
                                           self.primary.family)
        if forced is not None:
            judge_forced(forced, self.observed.tool_calls, self.request, self.observed.finish_reason,
                         self.add, fixes.forced_lost_fix(self.request, self.knowledge))
            return self.findings
        if response_format_answer(self.raw.text, self.request, self.reasoning_parser) is not None:
            judge_response_format(self.request, self.observed.tool_calls, self.add, self.configured)
            return self.findings
        if self.primary is None:
            self._check_response_itself(returnable=False)
            if self._unsupported_format():
                return self.findings
            judge_no_call(self.raw, self.observed, self.request, self.add, self.model_fix,
                          self.raw_fix, self.reasoning_parser)
            return self.findings
        readings = read_calls(self.raw.text, self.primary.extraction.calls,
                              self.observed.finish_reason, self.reasoning_parser)
        expected = expected_calls(readings)
        # The family reads a named call with decoded arguments outside closed reasoning: what a
        # parser of that family would return (a missing end marker or a stop-token end does not
        # change that). Rule 2 needs it for a parser_config verdict.
        self.readable = any(r.call.name and r.call.arguments is not None and not r.draft
                            for r in expected)
        if offered_tools(self.request) == []:
            self._call_not_wanted("call_without_tools", "the request offered no tools",
                                  "renders tool instructions without tools")
            return self.findings
        if (self.request or {}).get("tool_choice") == "none" and any(not r.draft for r in expected):
            self._call_not_wanted("call_with_tool_choice_none", "the request said tool_choice "
                                  "\"none\"", "still shows the model the tools")
            return self.findings
        forced = tool_choice_required(self.request)
        others = sorted({r.call.name for r in expected if not r.draft and r.call.name
                         and forced not in (None, "*") and r.call.name != forced})
        if others:
            self.add(Verdict.MODEL, "forced_other_tool", f"tool_choice forced a call to {forced!r}, "
                     f"but the model called {', '.join(others)}", fixes.FORCED_FAULT_FIX)
        if self._response_agrees(expected):
            self._agreement_notes(readings, expected)
            if (self.request or {}).get("parallel_tool_calls") is False and len(expected) > 1:
                self.add(Verdict.OK, "parallel_tool_calls", "the request set parallel_tool_calls "
                         f"false, yet the response returns all {len(expected)} calls the model wrote "
                         "(Dynamo caps them to the first since ai-dynamo/dynamo#12201)", note=True)
            return self.findings
        if self._first_call_only(expected):
            return self.findings
        self.returned_exactly = bool(expected) and not compare_calls([r.call for r in expected],
                                                                     self.observed.tool_calls)
        self._check_response_itself(returnable=any(r.usable and r.call.name for r in expected))
        self._configuration(expected)
        self._calls(readings, expected)
        return self.findings

    def _first_call_only(self, expected: list[CallReading]) -> bool:
        """`parallel_tool_calls: false` and several calls written: a frontend that honours the
        setting returns the first call only (ai-dynamo/dynamo#12201; 1.6.1 does, 1.2.1 returns them
        all: measured with the replay worker)."""
        if (self.request or {}).get("parallel_tool_calls") is not False or len(expected) < 2:
            return False
        if not self._response_agrees(expected[:1]):
            return False
        self.add(Verdict.OK, "parallel_tool_calls", f"the request set parallel_tool_calls false and "
                 f"the model wrote {len(expected)} calls; the response returns the first "
                 f"({expected[0].call.name}), as that setting asks", PARALLEL_OFF_FIX)
        return True

    def _unsupported_format(self) -> bool:
        """Calls in a documented format no Dynamo parser reads (diagnose/unsupported.py), when a
        call was wanted (tools offered, tool_choice not "none")."""
        tools = offered_tools(self.request)
        if tools == [] or (self.request or {}).get("tool_choice") == "none":
            return False
        request_tools = (self.request or {}).get("tools")
        found = judge_unsupported(self.raw.text, request_tools if isinstance(request_tools, list)
                                  else None, self.observed.finish_reason, self.knowledge,
                                  self.model_fix)
        self.findings += found
        return bool(found)

    # --- rule 1: the response agrees with a strict reading ---------------------------------------
    def _response_agrees(self, expected: list[CallReading]) -> bool:
        o = self.observed
        return (bool(expected) and all(r.usable and not r.draft for r in expected)
                and not compare_calls([r.call for r in expected], o.tool_calls)
                and not leaked_markers(o.content)
                and reasoning_markers_in_content(o, self.reasoning_parser) is None
                and o.finish_reason in ("tool_calls", "length"))

    def _agreement_notes(self, readings: list[CallReading], expected: list[CallReading]) -> None:
        why = RECOVERED
        for r in expected:
            for p in r.priors:
                self.add(Verdict.MODEL, p.kind, f"call {r.call.name}: {p.message}",
                         self.model_fix(p.kind), note=True)
            if r.stop_token_end:
                self._stop_token_note(r)
        for r in drafts(readings):
            self._draft_note(r)
        if self.configured_family != self.primary.family and self.configured is not None:
            self._configuration(expected, note_why=why.replace("this call", "these calls"))
        if self.observed.finish_reason == "length":
            self.add(Verdict.MODEL, "finish_reason", "generation hit max_tokens "
                     "(finish_reason: length) after the calls", self.model_fix("truncated"), note=True)

    def _stop_token_note(self, r: CallReading) -> None:
        ends = ", ".join(getattr(registry.get_spec(self.primary.family), "stop_token_ends", ()))
        self.add(Verdict.OK, "stop_token_end", f"call {r.call.name} runs to the end of the output "
                 f"without its end marker{f' ({ends})' if ends else ''}, a stop token the engine "
                 f"ends generation on (finish_reason {self.observed.finish_reason!r}): complete",
                 note=True)

    def _draft_note(self, r: CallReading) -> None:
        self.add(Verdict.OK, "reasoning_draft", f"a draft call {r.call.name} inside the closed "
                 f"reasoning (chars {r.call.span[0]}-{r.call.span[1]}) is reasoning, not a call",
                 note=True)

    # --- the response on its own ---------------------------------------------------------------
    def _check_response_itself(self, returnable: bool = True) -> None:
        """`returnable`: the raw output holds a call a parser could return (named, arguments
        decoded); when it holds none, markup left in content is what a correct parser does."""
        o, primary = self.observed, self.primary
        if primary and self.configured_family == primary.family:
            owner = Verdict.PARSER_LOGIC
        elif primary and self.configured is not None:
            owner = Verdict.PARSER_CONFIG  # the wrong (or no) parser explains what the response shows
        else:
            owner = Verdict.INCONCLUSIVE
        fix = (fixes.parser_config_fix(primary.family, self.knowledge)
               if owner == Verdict.PARSER_CONFIG else
               fixes.PARSER_UNKNOWN_FIX if owner == Verdict.INCONCLUSIVE else None)
        # Under a wrong parser, what the response shows decides only if the right family would
        # return the calls (rule 2); else it is a consequence of markup no parser reads.
        note = owner == Verdict.PARSER_CONFIG and not self.readable
        leaks = leaked_markers(o.content)
        if leaks:
            message = leak_message(leaks, self.primary.family if self.primary else None,
                                   self.named_family)
            if not returnable and not o.tool_calls:
                self.add(owner, "markers_in_content", f"{message} (the raw output holds no call a "
                         "parser could return, so leaving its markup in content is right)", fix,
                         note=True)
            else:
                # a parser that returned every call and only left markup behind: say just that
                leak_only = owner == Verdict.PARSER_LOGIC and self.returned_exactly
                self.add(owner, "markers_in_content", message,
                         fixes.leak_fix(self.configured) if leak_only else fix, note)
        if (split := reasoning_markers_in_content(o, self.reasoning_parser)) is not None:
            self.findings.append(split)
        if o.tool_calls and o.finish_reason not in ("tool_calls", "length"):
            self.add(owner, "finish_reason", f"the response has {len(o.tool_calls)} tool call(s) "
                     f"but finish_reason is {o.finish_reason!r}, not 'tool_calls'", fix, note)
        if not o.tool_calls and o.finish_reason == "tool_calls":
            self.add(owner, "finish_reason", "finish_reason is 'tool_calls' but the response has "
                     "no tool calls", fix, note)


    # --- no tools offered --------------------------------------------------------------------------
    def _call_not_wanted(self, check: str, request_said: str, template: str) -> None:
        """Calls where the request wanted none (no tools offered, or tool_choice "none"): the
        model (or the template) wrote them; what the parser did with them (leave them as
        content, or return them) decides nothing."""
        why = f"{request_said}, so no parser fault follows from it"
        before = len(self.findings)
        self._check_response_itself()
        self.findings[before:] = [f.as_note(why) for f in self.findings[before:]]
        names = ", ".join(sorted({c.name or "?" for c in self.primary.extraction.calls}))
        self.add(Verdict.MODEL, check, f"{request_said}, yet the raw output holds "
                 f"{self.primary.family}-format tool call(s) ({names}): the model, or a chat "
                 f"template that {template}, is at fault", self.model_fix(check))

    # --- rule 2: the configuration ----------------------------------------------------------------
    def _configuration(self, expected: list[CallReading], note_why: str | None = None) -> None:
        primary, configured, k = self.primary, self.configured, self.knowledge
        note = note_why is not None or not self.readable
        why = note_why or ("no family reads these calls as well-formed, so no parser setting "
                           "would return them")
        pfix = fixes.parser_config_fix(primary.family, k)

        def add(check: str, message: str, fix: str = pfix,
                verdict: Verdict = Verdict.PARSER_CONFIG) -> None:
            self.add(verdict, check, message + (f" ({why})" if note else ""), fix, note)

        if self.unpaired and primary.family == self.named_family:
            add("reasoning_pairing", f"on {k.label} the {configured!r} tool parser parses only "
                f"together with --dyn-reasoning-parser {self.paired} (the worker runs with "
                f"{self.reasoning_parser or 'none'})", fixes.pairing_fix(self.paired))
        elif self.inert:
            add("parser_family", f"the configured parser {configured!r} parses nothing: "
                f"{self.inert}; the raw output holds {primary.family}-format tool calls")
        elif configured == NO_PARSER:
            add("parser_family", f"the raw output holds {primary.family}-format tool calls but the "
                "worker runs without --dyn-tool-call-parser")
        elif self.listed is False:
            add("parser_family", f"the configured parser {configured!r} is not a tool parser of "
                f"{k.label}")
        elif configured is not None and self.named_family is None and self.listed:
            add("parser_unknown", f"{k.label} lists the tool parser {configured!r}, but the probe "
                "has no format spec for it", fixes.PARSER_UNKNOWN_FIX, Verdict.INCONCLUSIVE)
        elif configured is not None and self.named_family is None:
            add("parser_family", f"the configured parser {configured!r} is not a Dynamo tool "
                "parser name")
        elif self.named_family is not None and self.named_family != primary.family:
            add("parser_family", f"the raw output holds {primary.family}-format tool calls but the "
                f"configured parser {configured!r} parses the {self.named_family} format")

    # --- rule 3: call by call ------------------------------------------------------------------
    def _calls(self, readings: list[CallReading], expected: list[CallReading]) -> None:
        o, finish = self.observed, self.observed.finish_reason
        only_drafts = all(r.draft for r in expected)
        lost = unmatched(expected, o.tool_calls)
        model: list[Finding] = []
        for r in expected:
            for p in (*r.defects, *r.priors):
                detail = p.message
                if p.kind in ("truncated", "missing_end_marker") and finish == "length":
                    detail += " — generation hit max_tokens (finish_reason: length)"
                finding = Finding(Verdict.MODEL, p.kind, f"call {r.call.name or '?'} at chars "
                                  f"{r.call.span[0]}-{r.call.span[1]}: {detail}", self.model_fix(p.kind))
                # rule 1 call by call: a prior on a call the response carries exactly is disproved
                # (the parser recovered what the model meant), whatever else went wrong
                if p in r.priors and all(r is not m for m in lost):
                    finding = finding.as_note(RECOVERED)
                model.append(finding)
        for r in drafts(readings):
            self._draft_note(r)
        for r in expected:
            if r.stop_token_end:
                self._stop_token_note(r)
        ours = self.configured_family == self.primary.family
        parser: list[Finding] = []
        if ours and not only_drafts:
            parser = parser_faults(readings, expected, self.observed, self.configured,
                                   self.reasoning_parser, bool(model), self.raw.text)
        elif self.configured is None and not model:
            diffs = compare_calls([r.call for r in expected], o.tool_calls)
            if diffs:
                self.add(Verdict.INCONCLUSIVE, "parser_unknown", "the response does not carry the "
                         f"raw output's calls ({diffs[0]}), and the configured parser is unknown: "
                         "pass --parser with the worker's --dyn-tool-call-parser to tell "
                         "configuration from parser logic", fixes.PARSER_UNKNOWN_FIX)
        if parser and model:
            why = "the parser's fault decides: a correct parser would have returned the well-formed calls"
            model = [f.as_note(why) for f in model]
        self.findings += model + parser


def judge(raw: RawOutput, detected: list[Detected], observed: Observed,
          request: dict[str, Any] | None, configured: str | None,
          reasoning_parser: str | None = None,
          knowledge: Knowledge | None = None) -> list[Finding]:
    """Every finding about the exchange. `knowledge`: what the deployment's release does
    (release.knowledge); its facts are worded with the release they were measured on."""
    return _Judge(raw, detected, observed, request, configured, reasoning_parser,
                  knowledge or Knowledge.of(Release(None))).run()
