"""Reusable shapes of JSON tool-call text. A family picks a shape and sets its markers; the regions
come from `base.split_regions`, a shape only reads what is inside one.

- `DelimitedJson`: every call is `START {json} END` (hermes, ...).
- `WrappedJsonList`: a `START [ {json}, ... ] END?` region holds calls (mistral v3, jamba, ...).
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

from .bare import FORMAT, RECOVERED, bare_calls, bare_region, is_bare
from .base import JSON, MALFORMED, CallCandidate, FormatSpec, Problem, Region, split_regions
from .payload import decode_json_object, end_problems, json_call, name_and_arguments, partial_name

__all__ = ["DelimitedJson", "WrappedJsonList", "FORMAT", "RECOVERED"]


class DelimitedJson(FormatSpec):
    """Each call: start marker, one JSON object with name + arguments, end marker."""

    arg_keys: ClassVar[tuple[str, ...]] = ("arguments", "parameters")
    #: how `render` lays out one call; {payload} is the JSON object
    render_template: ClassVar[str] = "{start}\n{payload}\n{end}"
    render_joiner: ClassVar[str] = "\n"
    #: a JSON call with no marker at the start of the text (formats.bare): recovered, a prior
    bare_json: ClassVar[str] = RECOVERED

    def regions(self, text: str) -> list[Region]:
        ends = (self.end_marker, *self.stop_token_ends)
        found = split_regions(text, self.start_markers, ends, syntax=JSON)
        if not found and (bare := bare_region(text, ends, True)) is not None:
            found = [bare]
        return found

    def scan(self, text: str) -> list[CallCandidate]:
        out: list[CallCandidate] = []
        for region in self.regions(text):
            if region.value_start is None:
                continue  # same marker, another family's payload (qwen3_coder, glm47) or none
            if is_bare(region):
                out += bare_calls(self, text, region, self.bare_json, self.arg_keys, self._bare_read)
                continue
            out.append(json_call(self, text, region, region.value_start, region.body_end,
                                 self.arg_keys))
        return out

    def _bare_read(self, text: str, region: Region) -> list[CallCandidate]:
        assert region.value_start is not None and region.value_end is not None
        value = json.loads(text[region.value_start:region.value_end])
        span = (region.start, region.end)
        items = value if isinstance(value, list) else [value]
        return [name_and_arguments(item, span, json.dumps(item, ensure_ascii=False), self.arg_keys)
                for item in items]

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
    #: a JSON call with no marker at the start of the text (formats.bare): FORMAT where that is
    #: the format's own form (llama3_json without python_tag), RECOVERED (a prior) elsewhere
    bare_json: ClassVar[str] = RECOVERED
    #: end markers the format may write but need not (mistral `[/TOOL_CALLS]`)
    optional_end_markers: ClassVar[tuple[str, ...]] = ()
    #: what may join further JSON calls onto a region (Llama 3.2's `{...}; {...}`)
    call_separator: ClassVar[re.Pattern[str] | None] = None

    def regions(self, text: str) -> list[Region]:
        ends = (self.end_marker, *self.optional_end_markers, *self.stop_token_ends)
        found = split_regions(text, self.start_markers, ends, syntax=JSON,
                              end_required=bool(self.end_marker))
        if not found and (bare := bare_region(text, ends, bool(self.end_marker))) is not None:
            found = [bare]
        out = []
        for region in found:
            if region.value_start is None and self._opaque(text, region):
                out.append(region)  # the wrapper holds no JSON at all: a broken call
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

    def _opaque(self, text: str, region: Region) -> bool:
        """A region of a dedicated wrapper (a start AND an end marker: `<TOOLCALL>…</TOOLCALL>`)
        whose body is text, not JSON: markup of this format that holds no readable call. A format
        without an end marker (`<|python_tag|>` before code, `functools` in prose) claims nothing."""
        body = text[region.body_start:region.body_end].strip()
        return bool(self.end_marker) and bool(body) and (region.closed or region.at_eof)

    def scan(self, text: str) -> list[CallCandidate]:
        out: list[CallCandidate] = []
        for region in self.regions(text):
            if is_bare(region):
                out += bare_calls(self, text, region, self.bare_json, self.arg_keys, self.region_calls)
            else:
                out += self.region_calls(text, region)
        return out

    def region_calls(self, text: str, region: Region) -> list[CallCandidate]:
        span = (region.start, region.end)
        if region.value_start is None:
            body = text[region.body_start:region.body_end].strip()
            return [CallCandidate(None, None, body, span, [Problem(
                MALFORMED, f"the {region.opener.group(0).strip()} wrapper holds no JSON call: "
                           f"{body[:40]!r}", span)])]
        lo, hi = region.value_start, region.body_end
        obj, problem = decode_json_object(text[lo:hi], lo, region.at_eof)
        if problem:
            cands = [CallCandidate(partial_name(text[lo:hi]), None, text[lo:hi].strip(), span, [problem])]
        elif obj == []:  # `functools[]`, `<TOOLCALL>[]</TOOLCALL>`: a call list opened and left empty
            cands = [CallCandidate(None, None, text[lo:hi].strip(), span, [Problem(
                MALFORMED, f"the call list after {region.opener.group(0).strip()} is empty"
                if region.opener.group(0).strip() else "the call list is empty", span)])]
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
