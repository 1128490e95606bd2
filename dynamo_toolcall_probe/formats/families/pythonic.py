"""Pythonic tool calls (Dynamo parser `pythonic`; Llama 4, Llama 3.2 small models)::

    [get_weather(location="Paris", unit="celsius"), get_time(timezone="Europe/Paris")]

A Python list of calls with keyword arguments whose values are Python literals (strings,
numbers, True/False/None, lists, dicts). Llama 4 may wrap it in `<|python_start|>` ...
`<|python_end|>`. Read with `ast`, never evaluated.

Verified on the real 1.6.1 frontend (replay): lists with text between parse; the Llama 4 wrapper's
emptied `<|python_start|><|python_end|>` is left in content; streamed one token per chunk the calls
come through, but with 3 tokens in the first chunk they stay in content
(tests/formats/test_scenarios_e2e.py DYNAMO_DEVIATIONS).
"""

from __future__ import annotations

import ast
import re
from typing import Any

from ..base import (INVALID_JSON, MALFORMED, MISSING_NAME, PYTHON, TRUNCATED, CallCandidate,
                    FormatSpec, Problem, split_regions)
from ..values import json_compatible

WRAP_START, WRAP_END = "<|python_start|>", "<|python_end|>"
# A list of calls opens a region: `[name(`, or the same after Llama 4's `<|python_start|>` (two
# patterns with literal first characters: an optional prefix would make the search slow).
_OPEN = (re.compile(r"<\|python_start\|>\s*\[(?=\s*[A-Za-z_][\w.]*\s*\()"),
         re.compile(r"\[(?=\s*[A-Za-z_][\w.]*\s*\()"))


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _call(node: ast.expr, span: tuple[int, int], source: str) -> CallCandidate:
    if not isinstance(node, ast.Call):
        return CallCandidate(None, None, source, span, [Problem(MALFORMED, "list item is not a call", span)])
    name = _name(node.func)
    problems = [] if name else [Problem(MISSING_NAME, "call has no plain function name", span)]
    if node.args:
        problems.append(Problem(MALFORMED, "positional arguments: only keyword arguments are allowed", span))
    args: dict[str, Any] | None = {}
    for kw in node.keywords:
        try:
            value = ast.literal_eval(kw.value)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            problems.append(Problem(MALFORMED, f"argument {kw.arg!r} is not a literal", span))
            args = None
            break
        # a literal JSON cannot hold (b'z', {1, 2}, 1j, 1e999) has no JSON arguments to return
        value, why = json_compatible(value)
        if why is not None:
            problems.append(Problem(INVALID_JSON, f"argument {kw.arg!r} holds {why}: JSON has "
                                    "no such value", span))
            args = None
            break
        args[kw.arg or "**"] = value
    text = ", ".join(ast.get_source_segment(source, kw) or "" for kw in node.keywords)
    return CallCandidate(name, args, text, span, problems)


class Pythonic(FormatSpec):
    family = "pythonic"
    #: the list itself has no marker; only Llama 4's optional wrapper is one
    start_markers = (WRAP_START,)
    end_marker = ""
    #: Llama 3.2 <|eot_id|>/<|eom_id|>, Llama 4 <|eot|>/<|eom|>: the turn's stop tokens end the list
    stop_token_ends = ("<|eot_id|>", "<|eom_id|>", "<|eot|>", "<|eom|>")
    leak_markers = (WRAP_START, WRAP_END)

    def closers(self) -> tuple[str, ...]:
        return (WRAP_END, "]", ")")

    def scan(self, text: str) -> list[CallCandidate]:
        out: list[CallCandidate] = []
        for region in split_regions(text, _OPEN, [WRAP_END, *self.stop_token_ends],
                                    syntax=PYTHON, end_required=False, opener_opens_value=True):
            lo = region.value_start if region.value_start is not None else region.body_start
            if not region.value_closed:
                span = (region.start, region.end)
                name = text[lo + 1:text.find("(", lo)].strip() or None
                out.append(CallCandidate(name, None, text[lo:region.body_end], span,
                                         [Problem(TRUNCATED if region.at_eof else MALFORMED,
                                                  "the list of calls is not closed", span)]))
                continue
            calls = self._region(text[lo:region.value_end], (region.start, region.end))
            if calls:
                calls[-1].ended_at_eof = region.at_eof
            out.extend(calls)
        return out

    def _region(self, source: str, span: tuple[int, int]) -> list[CallCandidate]:
        try:
            tree = ast.parse(source, mode="eval").body
        except SyntaxError as exc:
            return [CallCandidate(None, None, source, span,
                                  [Problem(INVALID_JSON, f"not a valid Python list of calls: {exc.msg}", span)])]
        items = tree.elts if isinstance(tree, ast.List) else [tree]
        return [_call(item, span, source) for item in items]

    def render(self, calls: list[tuple[str, dict[str, Any]]]) -> str:
        return "[" + ", ".join(f"{n}(" + ", ".join(f"{k}={v!r}" for k, v in a.items()) + ")"
                               for n, a in calls) + "]"


SPEC = Pythonic()
