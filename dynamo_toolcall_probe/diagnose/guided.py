"""The decoding constraint the worker received, as evidence (the hook's record of the request).

Dynamo's frontend turns a forced `tool_choice` or a `response_format` into a JSON Schema and,
where the release and the model card enable it, the offered tools into a structural tag (a
grammar that applies after a trigger such as `<tool_call>`); it sends them to the worker as
`sampling_options.guided_decoding`. The response never says whether that happened; the worker's
request does, and it changes what a bad output means:

- the output breaks a constraint the worker received: the engine did not apply it (a worker
  without a grammar backend, or one that drops the field), not a free choice of the model, so it
  explains the model's and the parser's faults seen downstream of it;
- a call was forced but the worker received no constraint: nothing held the engine to the shape
  the frontend reads back (a frontend route that builds none);
- a structural tag was on but the model never wrote its trigger: advice to "constrain the output"
  is moot; forcing the call is what constrains the whole answer.

Without the worker's request, `add_forced_markup` uses what the release was measured to do with a
forced answer in the family's own markup (release/data: `forced`).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..formats import base as kinds
from ..formats.extract import schema_errors
from ..verdicts import Verdict
from .findings import Finding, pick
from .fix import ENGINE_FIX
from .forced import answer_text, shape_of
from .no_call import tool_choice_required

KINDS = ("json", "regex", "choice", "grammar", "structural_tag")

UNCONSTRAINED_FIX = ("the worker received no decoding constraint for this forced tool_choice, so "
                     "nothing held the engine to the shape the frontend reads back: report it to "
                     "ai-dynamo/dynamo with this bundle (a frontend route that built none: "
                     "ai-dynamo/dynamo#12684); meanwhile name the format in the prompt")
UNTRIGGERED_FIX = ("structural tags were already on for this request, but they constrain only what "
                   "follows a trigger ({triggers}), which the model never wrote: send "
                   "\"tool_choice\": \"required\" (or name the function) so the whole answer is "
                   "constrained, and check that the chat template shows the model its tool-call format")
# Model checks whose generic fix is "constrain tool-call output": moot under an untriggered tag.
CONSTRAINABLE = {kinds.MISSING_START_MARKER, kinds.INVALID_JSON, kinds.MALFORMED, kinds.MISSING_NAME,
                 "unparsed_markup"}


@dataclass(frozen=True)
class Constraint:
    kind: str
    value: Any

    @property
    def _format(self) -> dict[str, Any]:
        """A structural tag's body: xgrammar's `format` object, or the older flat shape."""
        body = self.value.get("format", self.value) if isinstance(self.value, dict) else {}
        return body if isinstance(body, dict) else {}

    @property
    def triggers(self) -> list[str]:
        return [t for t in self._format.get("triggers") or [] if isinstance(t, str)]

    @property
    def tags(self) -> list[dict[str, Any]]:
        found = self._format.get("tags") or self._format.get("structures")
        return [t for t in found or [] if isinstance(t, dict) and isinstance(t.get("begin"), str)]

    def describe(self) -> str:
        if self.kind == "structural_tag":
            return (f"a structural tag ({len(self.tags)} tag(s), triggered by "
                    f"{', '.join(map(repr, self.triggers)) or 'nothing'})")
        if self.kind == "json":
            return f"a JSON Schema constraint ({_schema_type(self.value)})"
        return f"a {self.kind} constraint"


def constraint_of(engine_request: dict[str, Any]) -> Constraint | None:
    """The constraint in the worker's request (`sampling_options.guided_decoding`), or None."""
    options = engine_request.get("sampling_options")
    guided = options.get("guided_decoding") if isinstance(options, dict) else None
    if not isinstance(guided, dict):
        return None
    kind = next((k for k in KINDS if guided.get(k) not in (None, "", [], {})), None)
    return Constraint(kind, guided[kind]) if kind else None


def breaks(constraint: Constraint, answer: str) -> str | None:
    """How `answer` breaks `constraint`; None when it obeys it or cannot be checked here."""
    kind, value = constraint.kind, constraint.value
    if kind == "json":
        try:
            parsed = json.loads(answer)
        except ValueError:
            return f"the answer is not JSON: {answer.strip()[:60]!r}"
        errors = schema_errors(parsed, value) if isinstance(value, dict) else []
        return f"it breaks the schema: {errors[0]}" if errors else None
    if kind == "choice" and isinstance(value, list):
        return None if answer.strip() in value else f"{answer.strip()[:60]!r} is not one of the choices"
    if kind == "regex" and isinstance(value, str):
        try:
            return None if re.fullmatch(value, answer) else "it does not match the regex"
        except re.error:
            return None
    if kind == "structural_tag":
        return _breaks_tags(constraint, answer)
    return None  # an EBNF grammar is not checked here


def _breaks_tags(constraint: Constraint, answer: str) -> str | None:
    for trigger in constraint.triggers:
        pos = answer.find(trigger)
        while pos >= 0:
            rest = answer[pos:]
            tag = next((t for t in constraint.tags if rest.startswith(t["begin"])), None)
            if tag is None:
                return f"after the trigger {trigger!r} no tag's begin follows: {rest[:60]!r}"
            fault = _breaks_tag_body(tag, rest[len(tag["begin"]):])
            if fault:
                return fault
            pos = answer.find(trigger, pos + len(tag["begin"]))
    return None


def _breaks_tag_body(tag: dict[str, Any], body: str) -> str | None:
    content = tag.get("content") if isinstance(tag.get("content"), dict) else {}
    schema = content.get("json_schema") or tag.get("schema")
    if not isinstance(schema, dict):
        return None  # content this module does not model (XML parameters, free text)
    try:
        value, end = json.JSONDecoder().raw_decode(body)
    except ValueError:
        return f"the text after {tag['begin']!r} is not the JSON its schema asks for"
    errors = schema_errors(value, schema)
    if errors:
        return f"the arguments after {tag['begin']!r} break the schema: {errors[0]}"
    closing = tag.get("end")
    if isinstance(closing, str) and closing and not body[end:].startswith(closing):
        return f"the tag is not closed with {closing!r}"
    return None


def _schema_type(schema: Any) -> str:
    return str(schema.get("type", "any")) if isinstance(schema, dict) else "any"


def add_constraint(diagnosis, engine_request: dict[str, Any]) -> None:
    """Merge what the worker's request says about constraints into `diagnosis`."""
    constraint = constraint_of(engine_request)
    forced = tool_choice_required(diagnosis.request)
    verdict = pick(diagnosis.findings)
    if constraint is None:
        message = "the worker's request carried no decoding constraint (sampling_options.guided_decoding)"
        if forced and verdict == Verdict.MODEL:
            _take_over(diagnosis, Finding(
                Verdict.MODEL, "forced_call_unconstrained", f"{message}, although {shape_of(diagnosis.request)} "
                "was forced: nothing held the engine to that shape", UNCONSTRAINED_FIX),
                "explained by the missing constraint")
        else:
            diagnosis.findings.append(Finding(Verdict.OK, "constraint", message, note=True))
        return
    said = f"the worker's request carried {constraint.describe()}"
    answer = answer_text(diagnosis.raw.text, diagnosis.reasoning_parser)
    broken = breaks(constraint, answer) if diagnosis.raw.exact else None
    if broken and diagnosis.observed.finish_reason != "length":
        found = Finding(Verdict.MODEL, "constraint_not_applied",
                        f"{said}, and the engine's output breaks it ({broken}): the engine did not "
                        "apply the constraint", ENGINE_FIX)
        if verdict in (Verdict.MODEL, Verdict.PARSER_LOGIC):
            _take_over(diagnosis, found, "explained by the engine ignoring its constraint")
        else:
            diagnosis.findings.append(found.as_note())
        return
    if (constraint.kind == "structural_tag" and verdict == Verdict.MODEL
            and not any(t in answer for t in constraint.triggers)
            and any(f.check in CONSTRAINABLE for f in diagnosis.findings if not f.note)):
        triggers = ", ".join(map(repr, constraint.triggers)) or "none"
        _take_over(diagnosis, Finding(
            Verdict.MODEL, "structural_tag_untriggered", f"{said}, but the model never wrote a "
            "trigger, so nothing constrained its call", UNTRIGGERED_FIX.replace("{triggers}", triggers)),
            "the structural tag was never triggered")
        return
    if broken:
        checked = "the output, cut off by max_tokens, stops inside it"
    elif constraint.kind == "grammar" or not diagnosis.raw.exact:
        checked = "not checked here (" + ("an EBNF grammar" if diagnosis.raw.exact
                                          else "the raw output is not exact") + ")"
    else:
        checked = "the output obeys it"
    diagnosis.findings.append(Finding(Verdict.OK, "constraint", f"{said}; {checked}", note=True))


def add_forced_markup(diagnosis) -> None:
    """Without the worker's request: a forced tool_choice answered in the family's own markup
    that the response lost is a parser fault only where the release reads such markup under a
    forced tool_choice. Where it was measured to read only the constrained JSON shape (1.0.2), a
    well-formed native call says the engine did not apply the constraint."""
    forced = tool_choice_required(diagnosis.request)
    if (not forced or pick(diagnosis.findings) != Verdict.PARSER_LOGIC or not diagnosis.detected
            or not diagnosis.detected[0].well_formed_calls):
        return
    choice = "required" if forced == "*" else "named"
    knowledge = diagnosis.knowledge
    if knowledge.forced(choice) != "lost" or knowledge.forced(choice, "constrained") != "parses":
        return
    _take_over(diagnosis, Finding(
        Verdict.MODEL, "constraint_not_applied", f"{shape_of(diagnosis.request)} was forced, so "
        f"Dynamo constrains the answer to that JSON shape; the answer is {diagnosis.family} markup "
        f"instead, which {knowledge.name} does not read under a forced tool_choice (measured): the "
        "engine did not apply the constraint", ENGINE_FIX), "explained by the engine ignoring its "
        "constraint")


def _take_over(diagnosis, finding: Finding, why: str) -> None:
    """`finding` decides: the model and parser faults it explains stay as notes."""
    explained = (Verdict.MODEL, Verdict.PARSER_LOGIC)
    diagnosis.findings[:] = [f.as_note(why) if not f.note and f.verdict in explained else f
                             for f in diagnosis.findings]
    diagnosis.findings.insert(0, finding)
