"""Pythonic tool calls (Dynamo parser `pythonic`; Llama 4, Llama 3.2 small models)::

    [get_weather(location="Paris", unit="celsius"), get_time(timezone="Europe/Paris")]

A Python list of calls with keyword arguments whose values are Python literals (strings,
numbers, True/False/None, lists, dicts). Llama 4 may wrap it in `<|python_start|>` ...
`<|python_end|>`. Read with `ast`, never evaluated.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from ..base import (INVALID_JSON, MALFORMED, MISSING_NAME, TRUNCATED, CallCandidate, FormatSpec,
                    Problem)

_LIST_OF_CALLS = re.compile(r"\[\s*[A-Za-z_][\w.]*\s*\(")
WRAP_START, WRAP_END = "<|python_start|>", "<|python_end|>"


def _list_end(text: str, start: int) -> int:
    """Index just past the `]` that closes the `[` at `start` (Python strings honoured), or -1."""
    depth, quote, i = 0, "", start
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\":
                i += 1
            elif text.startswith(quote, i):
                i += len(quote) - 1
                quote = ""
        elif ch in "\"'":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            i += len(quote) - 1
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


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
            args[kw.arg or "**"] = ast.literal_eval(kw.value)
        except (ValueError, SyntaxError):
            problems.append(Problem(MALFORMED, f"argument {kw.arg!r} is not a literal", span))
            args = None
            break
    text = ", ".join(ast.get_source_segment(source, kw) or "" for kw in node.keywords)
    return CallCandidate(name, args, text, span, problems)


class Pythonic(FormatSpec):
    family = "pythonic"
    #: the list itself has no marker; only Llama 4's optional wrapper is one
    start_markers = (WRAP_START,)
    end_marker = WRAP_END

    def scan(self, text: str) -> list[CallCandidate]:
        out: list[CallCandidate] = []
        pos = 0
        while (m := _LIST_OF_CALLS.search(text, pos)):
            start = m.start()
            end = _list_end(text, start)
            region_start = start
            wrap = text.rfind(WRAP_START, 0, start)
            if wrap >= 0 and not text[wrap + len(WRAP_START):start].strip():
                region_start = wrap
            if end < 0:
                span = (region_start, len(text))
                out.append(CallCandidate(m.group(0)[1:-1].strip() or None, None, text[start:], span,
                                         [Problem(TRUNCATED, "the list of calls is not closed", span)]))
                break
            stop = end
            after = end + len(text[end:]) - len(text[end:].lstrip())
            if wrap >= 0 and text.startswith(WRAP_END, after):
                stop = after + len(WRAP_END)
            out.extend(self._region(text[start:end], (region_start, stop)))
            pos = stop
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
