"""Proof from Dynamo's real parsers: what each parser made of the same raw output.

Replay results are plain dicts (see `replay.run.ParserReplay.to_dict`): `parser`, `tool_calls`
([{name, arguments}] with arguments as a JSON string), `content`, `finish_reason`, optional
`stream_tool_calls`, `stream_content`, `agree`, `error`. A parser "extracts correctly" when it
returns exactly the calls of the strict parse, with no tool-call marker left in the content.
"""

from __future__ import annotations

import json
from typing import Any

from ..verdicts import Verdict
from .findings import Finding, deciding
from .verdict import leaked_markers


def _calls(items: list[dict[str, Any]] | None) -> list[tuple[Any, Any]]:
    out = []
    for item in items or []:
        args = item.get("arguments")
        if isinstance(args, str):
            try:
                args = json.loads(args)
            except json.JSONDecodeError:
                pass
        out.append((item.get("name"), args))
    return out


def correct_parsers(diagnosis, replay: list[dict[str, Any]]) -> list[str]:
    """Parsers whose non-streaming result equals the strict parse and leaks no markers."""
    want = diagnosis.expected_calls
    good = []
    for result in replay:
        if result.get("error"):
            continue
        if _calls(result.get("tool_calls")) == want and not leaked_markers(result.get("content")):
            good.append(result["parser"])
    return sorted(good)


def reproduces(result: dict[str, Any], observed) -> bool:
    """Did the replay with this parser return what the deployment returned?"""
    got = _calls(result.get("tool_calls"))
    seen = [(c.name, c.arguments if c.arguments is not None else c.arguments_text)
            for c in observed.tool_calls]
    return got == seen and (result.get("content") or None) == (observed.content or None)


def apply_replay(diagnosis, replay: list[dict[str, Any]]) -> None:
    """Add the replay's proof to the diagnosis in place: notes that back the verdict (they never
    change it), and the parsers proven right appended to the deciding finding's fix."""
    diagnosis.replay = replay
    good = correct_parsers(diagnosis, replay)
    by_parser = {r["parser"]: r for r in replay}
    configured = diagnosis.configured_parser
    verdict = diagnosis.verdict

    def note(v: Verdict, message: str) -> None:
        diagnosis.findings.append(Finding(v, "replay", message, note=True))

    if verdict == Verdict.PARSER_CONFIG:
        if good:
            note(verdict, "replay through Dynamo's real parsers: "
                 f"{', '.join(good)} extract the calls correctly")
            decider = deciding(diagnosis.findings)
            if decider is not None and decider.fix:
                decider.fix += f" — replay confirmed: {', '.join(good)}"
        else:
            note(verdict, "replay: no Dynamo parser extracted these calls exactly; the suggested "
                 "family is from the strict parse only")
    if configured in by_parser:
        if reproduces(by_parser[configured], diagnosis.observed):
            note(verdict, f"replay with {configured} reproduces the deployment's response exactly "
                 "(same tool_calls and content)")
        else:
            note(Verdict.INCONCLUSIVE, f"replay with {configured} does NOT reproduce the "
                 "deployment's response: the deployment may run another Dynamo version or parser "
                 "settings")
    disagree = [r["parser"] for r in replay if r.get("agree") is False]
    if disagree and configured in disagree:
        note(Verdict.PARSER_LOGIC, f"with {configured}, streaming and non-streaming results "
             "differ in the replay")
