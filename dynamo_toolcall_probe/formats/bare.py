"""A JSON call with none of its family's markers: `{"name": ..., "arguments": {...}}` (or a list of
them) at the very start of the output, optionally inside a markdown code fence.

For Llama 3 (`llama3_json`) and Dynamo's permissive `default` parser that is a form of the format
itself. For every other JSON family it is a call whose start marker the model left out: each
Dynamo JSON-family parser recovers it (observed on the 1.6.1 frontend for default, hermes, qwen25,
jamba, llama3_json, mistral, nemotron_deci and phi4: a bare object, a bare list, one after a
```json fence, one followed by an orphan end marker such as `</TOOLCALL>`; the fence and the orphan
marker are left in content). The strict reading takes it the same way, with a
`missing_start_marker` prior on each call, but only when it is plainly a call: every item decodes
and carries a name and its arguments key (a bare object with a "name" alone is structured output).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Callable, Sequence

from .base import (JSON, MISSING_END_MARKER, MISSING_START_MARKER, CallCandidate, FormatSpec, Marker,
                   Problem, Region, split_regions)

FORMAT, RECOVERED = "format", "recovered"

# a JSON value (an object, or a list of objects) at the start of the text, or right inside a
# fence that opens it; anchored, so a `{` inside the value never opens another region
_OPEN = re.compile(r"\A\s*(?:```[\w-]*[ \t]*\n\s*)?(?=\{|\[\s*\{)")


def bare_region(text: str, ends: Sequence[Marker], end_required: bool) -> Region | None:
    """The region of a JSON call at the start of `text` (after an optional opening fence); it
    starts at the value, so the fence is text around the call."""
    found = split_regions(text, [_OPEN], ends, syntax=JSON, end_required=end_required)
    if not found or found[0].value_start is None:
        return None
    return replace(found[0], start=found[0].value_start)


def is_bare(region: Region) -> bool:
    return region.opener.re is _OPEN


def _plain_calls(text: str, region: Region, arg_keys: Sequence[str]) -> bool:
    """The region's value decodes, and every item names a tool and carries its arguments key."""
    if region.value_start is None or region.value_end is None:
        return False
    try:
        value = json.loads(text[region.value_start:region.value_end])
    except (json.JSONDecodeError, RecursionError):
        return False
    items = value if isinstance(value, list) else [value]
    return bool(items) and all(isinstance(i, dict) and isinstance(i.get("name"), str) and i["name"]
                               and any(k in i for k in arg_keys) for i in items)


def bare_calls(spec: FormatSpec, text: str, region: Region, how: str, arg_keys: Sequence[str],
               read: Callable[[str, Region], list[CallCandidate]]) -> list[CallCandidate]:
    """The calls of a bare region as `spec` reads them: as they are for a family whose format
    this is (`FORMAT`); with a missing-start prior, and only plain calls, for one that recovers it
    (`RECOVERED`)."""
    if how == FORMAT:
        return read(text, region)
    if how != RECOVERED or not _plain_calls(text, region, arg_keys):
        return []
    calls = read(text, region)
    if any(c.name is None or c.arguments is None for c in calls):
        return []
    start = spec.start_markers[0] if spec.start_markers else "start marker"
    if region.closed:
        why = f"no {start} before the call (its {region.closer} is there: an orphan end marker)"
    else:
        around = f"{start} … {spec.end_marker}" if spec.end_marker else start
        why = f"a bare JSON call: no {around} around it"
    for call in calls:
        call.problems = [Problem(MISSING_START_MARKER, why, call.span)] + [
            p for p in call.problems if p.kind != MISSING_END_MARKER]
    return calls
