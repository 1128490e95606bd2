"""Reusable shapes of tool-call text. A family picks a shape and sets its markers.

- `DelimitedJson`: every call is `START {json} END` (hermes, ...).
- `WrappedJsonList`: one `START [ {json}, ... ] END?` region holds all calls (mistral, ...).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from .base import (MISSING_END_MARKER, CallCandidate, FormatSpec, Problem, decode_json_object,
                   find_json_end, name_and_arguments, partial_name)


class DelimitedJson(FormatSpec):
    """Each call: start marker, one JSON object with name + arguments, end marker."""

    arg_keys: ClassVar[tuple[str, ...]] = ("arguments", "parameters")
    #: how `render` lays out one call; {payload} is the JSON object
    render_template: ClassVar[str] = "{start}\n{payload}\n{end}"
    render_joiner: ClassVar[str] = "\n"

    def scan(self, text: str) -> list[CallCandidate]:
        start_marker = self.start_markers[0]
        out: list[CallCandidate] = []
        pos = 0
        while (start := text.find(start_marker, pos)) >= 0:
            body_start = start + len(start_marker)
            if not text[body_start:].lstrip().startswith(("{", "[")):
                pos = body_start  # same marker, another family's payload (qwen3_coder, glm47)
                continue
            end = text.find(self.end_marker, body_start) if self.end_marker else -1
            if end < 0:
                # No end marker: the payload runs to the next start marker or the end of text.
                nxt = text.find(start_marker, body_start)
                stop = nxt if nxt >= 0 else len(text)
                payload = text[body_start:stop]
                span = (start, stop)
                pos = stop
            else:
                payload = text[body_start:end]
                span = (start, end + len(self.end_marker))
                pos = span[1]
            obj, problem = decode_json_object(payload, body_start)
            if problem:
                cand = CallCandidate(partial_name(payload), None, payload.strip(), span, [problem])
            else:
                cand = name_and_arguments(obj, span, payload.strip(), self.arg_keys)
            if end < 0 and self.end_marker:
                cand.problems.append(Problem(MISSING_END_MARKER,
                                             f"no {self.end_marker} after {start_marker}"
                                             + (" (text ends first)" if pos == len(text) else ""),
                                             span))
            out.append(cand)
        return out

    def render(self, calls: list[tuple[str, dict[str, Any]]]) -> str:
        key = self.arg_keys[0]
        return self.render_joiner.join(
            self.render_template.format(start=self.start_markers[0], end=self.end_marker,
                                        payload=json.dumps({"name": n, key: a}, ensure_ascii=False))
            for n, a in calls)


class WrappedJsonList(FormatSpec):
    """All calls in one region: start marker, a JSON list (or one object), optional end marker."""

    arg_keys: ClassVar[tuple[str, ...]] = ("arguments", "parameters")
    #: a bare JSON call at the very start of the text also counts (llama3_json without python_tag)
    bare_json_allowed: ClassVar[bool] = False

    def scan(self, text: str) -> list[CallCandidate]:
        out: list[CallCandidate] = []
        for start_marker in self.start_markers:
            start = text.find(start_marker)
            if start >= 0:
                out.extend(self._scan_region(text, start, start + len(start_marker)))
                return out
        if self.bare_json_allowed and text.lstrip().startswith(("{", "[")):
            begin = len(text) - len(text.lstrip())
            out.extend(self._scan_region(text, begin, begin))
        return out

    def _scan_region(self, text: str, start: int, body_start: int) -> list[CallCandidate]:
        rest = text[body_start:]
        value_start = body_start + (len(rest) - len(rest.lstrip()))
        if value_start >= len(text) or text[value_start] not in "[{":
            return []
        value_end = find_json_end(text, value_start)
        stop = len(text) if value_end < 0 else value_end
        region_end = stop
        missing_end = False
        if self.end_marker:
            end = text.find(self.end_marker, stop)
            if end >= 0 and not text[stop:end].strip():
                region_end = end + len(self.end_marker)
            else:
                missing_end = True
        span = (start, region_end)
        obj, problem = decode_json_object(text[value_start:stop], value_start)
        if problem:
            cands = [CallCandidate(partial_name(text[value_start:stop]), None,
                                   text[value_start:stop].strip(), span, [problem])]
        else:
            items = obj if isinstance(obj, list) else [obj]
            cands = [name_and_arguments(item, span, json.dumps(item, ensure_ascii=False), self.arg_keys)
                     for item in items]
        if missing_end and cands:
            cands[-1].problems.append(Problem(MISSING_END_MARKER, f"no {self.end_marker} after the calls",
                                              span))
        return cands

    def render(self, calls: list[tuple[str, dict[str, Any]]]) -> str:
        key = self.arg_keys[0]
        body = json.dumps([{"name": n, key: a} for n, a in calls], ensure_ascii=False)
        return f"{self.start_markers[0]}{body}{self.end_marker}"
