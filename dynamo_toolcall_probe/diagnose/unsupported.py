"""Tool calls in a documented format that no Dynamo tool parser reads (formats.unsupported).

When no Dynamo family finds a call, the raw output may still hold a model's own, documented
tool-call format that Dynamo has no parser for (Seed-OSS `<seed:tool_call>`). Then the model is
not at fault and no `--dyn-tool-call-parser` value helps: the deployment needs a parser that reads
the format (an engine's, through `--dyn-chat-processor`), or the model another format. That is a
`parser_config` verdict, but only when the format's own spec reads the calls well-formed (rule
2); markup of such a format that is broken anyway is the model's (`unparsed_markup`).
"""

from __future__ import annotations

from typing import Any, Callable

from ..formats import base as kinds
from ..formats.extract import extract
from ..formats.unsupported import FORMATS, UnsupportedFormat
from ..release.knowledge import Knowledge
from ..verdicts import Verdict
from .findings import Finding

#: problems of the format's structure: a call with one of them is not well-formed
_FORMAT = frozenset({kinds.MALFORMED, kinds.INVALID_JSON, kinds.TRUNCATED, kinds.MISSING_NAME,
                     kinds.MISSING_END_MARKER, kinds.MISSING_START_MARKER, kinds.INSIDE_REASONING})


def _fix(fmt: UnsupportedFormat, knowledge: Knowledge) -> str:
    listed = [n for n in fmt.dynamo_names if knowledge.is_tool_parser(n)]
    if listed:
        return f"relaunch the worker with `--dyn-tool-call-parser {listed[0]}`"
    return (f"no --dyn-tool-call-parser of {knowledge.name} reads the {fmt.title} format: serve the "
            f"model through a chat processor whose parser reads it ({fmt.engine_parsers}, with "
            "--dyn-chat-processor), or have the model write a format Dynamo reads (its chat "
            "template)")


def judge_unsupported(text: str, tools: list[dict[str, Any]] | None, finish_reason: str | None,
                      knowledge: Knowledge, model_fix: Callable[[str], str]) -> list[Finding]:
    """Findings for calls in a format no Dynamo parser reads; [] when the text holds none."""
    for fmt in FORMATS:
        if not fmt.scan(text):
            continue
        calls = extract(fmt.spec, text, tools, None, finish_reason).calls
        marker = fmt.spec.start_markers[0]
        good = [c for c in calls if c.name and c.arguments is not None
                and not any(p.kind in _FORMAT for p in c.problems)]
        if not good:
            problem = next((p.message for c in calls for p in c.problems if p.kind in _FORMAT), "")
            return [Finding(Verdict.MODEL, "unparsed_markup", f"the model wrote {fmt.title}-format "
                            f"markup ({marker}), which no tool parser of {knowledge.name} reads, and "
                            f"it is no well-formed call in that format either ({problem})",
                            model_fix("unparsed_markup"))]
        names = ", ".join(sorted({c.name or "?" for c in good}))
        found = [Finding(Verdict.PARSER_CONFIG, "unsupported_format", f"the raw output holds "
                         f"{len(good)} well-formed tool call(s) ({names}) in the {fmt.title} format "
                         f"({marker}), the model's own, which no tool parser of {knowledge.name} "
                         f"reads ({fmt.engine_parsers} does)", _fix(fmt, knowledge))]
        for call in good:
            found += [Finding(Verdict.MODEL, p.kind, f"call {call.name}: {p.message}",
                              model_fix(p.kind)) for p in call.problems
                      if p.kind in (kinds.UNKNOWN_TOOL, kinds.SCHEMA_VIOLATION)]
        return found
    return []
