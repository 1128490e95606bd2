"""Raw output + request + response (+ configured parser) -> where the bug is, why, and the fix.

Verdicts: `model` (the text the model emitted is wrong), `parser_config` (the worker's
`--dyn-tool-call-parser` names another family, or none), `parser_logic` (the configured parser
mis-handled a well-formed call), `ok`, `inconclusive` (not enough evidence). Findings are collected
from every check; the verdict is the finding that explains the failure at its root: a wrong
parser first (nothing else can be judged through it), then a model defect, then parser logic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..formats import base as kinds
from ..formats import registry
from ..reconstruct import SOURCE_CONTENT, SOURCE_NONE, RawOutput
from ..release import Release
from ..release.knowledge import Knowledge
from .compare import compare_calls
from .detect import Detected
from .observed import Observed

NO_PARSER = "none"  # configured_parser value meaning "the worker was launched without one"
VERDICT_ORDER = ("parser_config", "model", "parser_logic", "inconclusive", "ok")


@dataclass
class Finding:
    verdict: str
    check: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"verdict": self.verdict, "check": self.check, "message": self.message}


def leaked_markers(content: str | None) -> list[tuple[str, str]]:
    """(family, marker) for every known tool-call marker that stands in `content`."""
    if not content:
        return []
    hits = []
    for family in registry.family_names():
        for marker in registry.get_spec(family).markers():
            if len(marker) > 2 and marker in content:
                hits.append((family, marker))
    return hits


def tool_choice_required(request: dict[str, Any] | None) -> str | None:
    """The tool the request forces ("*" for `required`), or None."""
    choice = (request or {}).get("tool_choice")
    if choice == "required":
        return "*"
    if isinstance(choice, dict):
        fn = choice.get("function")
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            return fn["name"]
    return None


def judge(raw: RawOutput, detected: list[Detected], observed: Observed,
          request: dict[str, Any] | None, configured: str | None,
          reasoning_parser: str | None = None,
          knowledge: Knowledge | None = None) -> tuple[str, list[Finding]]:
    """`knowledge`: what the deployment's release does (release.knowledge); its facts are
    worded with the release they were measured on."""
    findings: list[Finding] = []
    add = lambda v, check, msg: findings.append(Finding(v, check, msg))  # noqa: E731
    knowledge = knowledge or Knowledge.of(Release(None))
    named_family = (None if configured in (None, NO_PARSER)
                    else registry.PARSER_FAMILIES.get(configured))
    listed = None if configured in (None, NO_PARSER) else knowledge.is_tool_parser(configured)
    inert = knowledge.inert(configured) if configured and listed else None
    paired = knowledge.needs_reasoning(configured) if configured and listed else None
    unpaired = bool(paired) and reasoning_parser != paired
    if listed is False:
        named_family = None  # the release has no such parser: nothing parses
    # The family the configured parser really parses here: none when the name is listed but,
    # on the default route or without its reasoning parser, parses nothing.
    configured_family = None if inert or unpaired else named_family
    primary = detected[0] if detected else None

    _check_response_itself(observed, configured, configured_family, primary, add)

    if raw.source == SOURCE_NONE:
        add("inconclusive", "raw_output", "no raw model output: the response has neither logprobs "
            "nor content")
        return _pick(findings), findings

    if primary is None:
        _no_call_in_raw(raw, observed, request, add)
        return _pick(findings), findings

    calls = primary.extraction.calls
    # 1. Configuration: is the configured parser of the family the model speaks?
    if unpaired and primary.family == named_family:
        add("parser_config", "reasoning_pairing", f"on {knowledge.label} the {configured!r} tool "
            f"parser parses only together with --dyn-reasoning-parser {paired} (the worker runs "
            f"with {reasoning_parser or 'none'}): relaunch it with --dyn-reasoning-parser {paired}")
    elif inert:
        add("parser_config", "parser_family", f"the configured parser {configured!r} parses "
            f"nothing: {inert}; the raw output holds {primary.family}-format tool calls")
    elif configured == NO_PARSER:
        add("parser_config", "parser_family", f"the raw output holds {primary.family}-format tool "
            "calls but the worker runs without --dyn-tool-call-parser")
    elif listed is False:
        add("parser_config", "parser_family", f"the configured parser {configured!r} is not a "
            f"tool parser of {knowledge.label}")
    elif configured is not None and named_family is None and listed:
        add("inconclusive", "parser_unknown", f"{knowledge.label} lists the tool parser "
            f"{configured!r}, but the probe has no format spec for it")
    elif configured is not None and named_family is None:
        add("parser_config", "parser_family", f"the configured parser {configured!r} is not a "
            "Dynamo tool parser name")
    elif named_family is not None and named_family != primary.family:
        add("parser_config", "parser_family", f"the raw output holds {primary.family}-format tool "
            f"calls but the configured parser {configured!r} parses the {named_family} format")

    # 2. Model: defects in the text itself.
    model_problems = [(c, p) for c in calls for p in c.problems if p.kind in kinds.MODEL_PROBLEMS]
    finish = observed.finish_reason
    for call, problem in model_problems:
        detail = problem.message
        if problem.kind in (kinds.TRUNCATED, kinds.MISSING_END_MARKER) and finish == "length":
            detail += " — generation hit max_tokens (finish_reason: length)"
        add("model", problem.kind, f"call {call.name or '?'} at chars {call.span[0]}-{call.span[1]}: "
            f"{detail}")
    broken_json = [c for c, p in model_problems if p.kind == kinds.INVALID_JSON]
    if broken_json and finish != "length":
        invented = [o for o in observed.tool_calls if o.name in {c.name for c in broken_json}]
        if invented and configured_family == primary.family:
            add("parser_logic", "invented_call", "the parser returned a tool call "
                f"({invented[0].name}: {invented[0].arguments_text}) built from JSON that does not "
                "parse: it should have reported the text, not invented arguments")
            return "parser_logic", findings

    # 3. Parser logic: a well-formed call for the configured family that did not come back right.
    if configured_family == primary.family and not model_problems:
        for diff in compare_calls(calls, observed.tool_calls):
            add("parser_logic", "tool_calls", diff)
    elif configured is None and not model_problems:
        diffs = compare_calls(calls, observed.tool_calls)
        if diffs:
            add("inconclusive", "parser_unknown", "the response does not carry the raw output's "
                f"calls ({diffs[0]}), and the configured parser is unknown: pass --parser with the "
                "worker's --dyn-tool-call-parser to tell configuration from parser logic")
    return _pick(findings), findings


def _check_response_itself(observed: Observed, configured: str | None,
                           configured_family: str | None, primary: Detected | None, add) -> None:
    if primary and configured_family == primary.family:
        owner = "parser_logic"
    elif primary and configured is not None:
        owner = "parser_config"  # the wrong (or no) parser explains what the response shows
    else:
        owner = "inconclusive"
    leaks = leaked_markers(observed.content)
    if leaks:
        fams = sorted({f for f, _ in leaks})
        add(owner, "markers_in_content", "tool-call markers leaked into message.content: "
            + ", ".join(sorted({m for _, m in leaks})) + f" ({'/'.join(fams)} format)")
    if observed.tool_calls and observed.finish_reason not in ("tool_calls", "length"):
        add(owner, "finish_reason", f"the response has {len(observed.tool_calls)} tool call(s) but "
            f"finish_reason is {observed.finish_reason!r}, not 'tool_calls'")
    if not observed.tool_calls and observed.finish_reason == "tool_calls":
        add(owner, "finish_reason", "finish_reason is 'tool_calls' but the response has no tool calls")


def _no_call_in_raw(raw: RawOutput, observed: Observed, request: dict[str, Any] | None, add) -> None:
    forced = tool_choice_required(request)
    if observed.tool_calls and not raw.exact and raw.source != SOURCE_CONTENT:
        add("inconclusive", "raw_output", "the response has tool calls but the raw output is "
            "incomplete (" + "; ".join(raw.notes[:2]) + "): it cannot show whether the model "
            "emitted them; capture again with the worker hook (probe-launch) or nvext token ids")
        return
    if raw.source == SOURCE_CONTENT:
        if observed.tool_calls:
            add("inconclusive", "raw_output", "without logprobs the raw output is unknown: the "
                "parser consumed the markers of the returned calls; resend with \"logprobs\": true")
            return
    if observed.tool_calls:
        add("parser_logic", "invented_call", f"the response has {len(observed.tool_calls)} tool "
            "call(s) but the raw model output contains no tool call in any known format")
    elif forced:
        what = "a tool call" if forced == "*" else f"a call to {forced!r}"
        add("model", "no_call", f"tool_choice requires {what} but the model emitted none")
    elif not raw.exact and raw.source == SOURCE_CONTENT:
        add("inconclusive", "raw_output", "no logprobs: only message.content is known")
    else:
        add("ok", "no_call", "the model answered without calling a tool, and the response says so")


def _pick(findings: list[Finding]) -> str:
    if not findings:
        return "ok"
    return min((f.verdict for f in findings), key=VERDICT_ORDER.index)
