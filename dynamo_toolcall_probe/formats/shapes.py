"""Reusable shapes of JSON tool-call text. A family picks a shape and sets its markers; the regions
come from `base.split_regions`, a shape only reads what is inside one.

- `DelimitedJson`: every call is `START {json} END` (hermes, ...).
- `WrappedJsonList`: a `START [ {json}, ... ] END?` region holds calls (mistral v3, jamba, ...).
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

from .base import JSON, CallCandidate, FormatSpec, Region, split_regions
from .payload import decode_json_object, end_problems, json_call, name_and_arguments, partial_name

# a JSON call (an object, or a list of objects) at the very start of the text; `[TOOL_CALLS]` or
# `[get_weather(...)]` are other formats' markers, not a bare JSON call
_BARE_JSON = re.compile(r"\A\s*(?=\{|\[\s*\{)")


class DelimitedJson(FormatSpec):
    """Each call: start marker, one JSON object with name + arguments, end marker."""

    arg_keys: ClassVar[tuple[str, ...]] = ("arguments", "parameters")
    #: how `render` lays out one call; {payload} is the JSON object
    render_template: ClassVar[str] = "{start}\n{payload}\n{end}"
    render_joiner: ClassVar[str] = "\n"

    def regions(self, text: str) -> list[Region]:
        return split_regions(text, self.start_markers, (self.end_marker, *self.stop_token_ends),
                             syntax=JSON)

    def scan(self, text: str) -> list[CallCandidate]:
        out: list[CallCandidate] = []
        for region in self.regions(text):
            if region.value_start is None:
                continue  # same marker, another family's payload (qwen3_coder, glm47) or none
            out.append(json_call(self, text, region, region.value_start, region.body_end,
                                 self.arg_keys))
        return out

    def render(self, calls: list[tuple[str, dict[str, Any]]]) -> str:
        key = self.arg_keys[0]
        return self.render_joiner.join(
            self.render_template.format(start=self.start_markers[0], end=self.end_marker,
                                        payload=json.dumps({"name": n, key: a}, ensure_ascii=False))
            for n, a in calls)


class WrappedJsonList(FormatSpec):
    """Calls in a region: start marker, a JSON list (or one object), an optional end marker.

    A region ends where its JSON value ends, unless the end marker follows; a format without an
    end marker (`end_marker = ""`) is complete when the value closes.
    """

    arg_keys: ClassVar[tuple[str, ...]] = ("arguments", "parameters")
    #: a bare JSON call at the very start of the text also counts (llama3_json without python_tag)
    bare_json_allowed: ClassVar[bool] = False
    #: end markers the format may write but need not (mistral `[/TOOL_CALLS]`)
    optional_end_markers: ClassVar[tuple[str, ...]] = ()
    #: what may join further JSON calls onto a region (Llama 3.2's `{...}; {...}`)
    call_separator: ClassVar[re.Pattern[str] | None] = None

    def regions(self, text: str) -> list[Region]:
        ends = (self.end_marker, *self.optional_end_markers, *self.stop_token_ends)
        found = split_regions(text, self.start_markers, ends, syntax=JSON,
                              end_required=bool(self.end_marker))
        if not found and self.bare_json_allowed:
            found = split_regions(text, [_BARE_JSON], ends, syntax=JSON,
                                  end_required=bool(self.end_marker))[:1]
        out = []
        for region in found:
            while region.value_start is not None:
                out.append(region)
                sep = self.call_separator.match(text, region.end) if self.call_separator else None
                if sep is None or not region.value_closed:
                    break
                more = split_regions(text, [self.call_separator], ends, lo=sep.start(), syntax=JSON,
                                     end_required=bool(self.end_marker))
                if not more or more[0].start != sep.start():
                    break
                region = more[0]
        return out

    def scan(self, text: str) -> list[CallCandidate]:
        return [c for region in self.regions(text) for c in self.region_calls(text, region)]

    def region_calls(self, text: str, region: Region) -> list[CallCandidate]:
        assert region.value_start is not None
        lo, hi = region.value_start, region.body_end
        span = (region.start, region.end)
        obj, problem = decode_json_object(text[lo:hi], lo, region.at_eof)
        if problem:
            cands = [CallCandidate(partial_name(text[lo:hi]), None, text[lo:hi].strip(), span, [problem])]
        else:
            items = obj if isinstance(obj, list) else [obj]
            cands = [name_and_arguments(item, span, json.dumps(item, ensure_ascii=False), self.arg_keys)
                     for item in items]
        extra, at_eof = end_problems(self, region, "the calls")
        if cands:
            cands[-1].problems += extra
            cands[-1].ended_at_eof = at_eof
        return cands

    def closers(self) -> tuple[str, ...]:
        # without an end marker a call is closed by its JSON value's last bracket
        return super().closers() + (() if self.end_marker else ("]", "}"))

    def render(self, calls: list[tuple[str, dict[str, Any]]]) -> str:
        key = self.arg_keys[0]
        body = json.dumps([{"name": n, key: a} for n, a in calls], ensure_ascii=False)
        return f"{self.start_markers[0]}{body}{self.end_marker}"
