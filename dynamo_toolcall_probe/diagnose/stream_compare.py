"""Streaming vs non-streaming: the most common tool-call bugs show only in the deltas (arguments
missing or duplicated, calls held back, wrong indexes). Pure: two bodies in, findings out."""

from __future__ import annotations

import json
from typing import Any

from .observed import observe
from .verdict import Finding


def _args(text: str | None) -> Any:
    try:
        return json.loads(text) if text else {}
    except json.JSONDecodeError:
        return text


def _chunk_evidence(chunks: list[dict[str, Any]], index: int) -> str:
    """Which SSE chunks carried argument fragments for tool call `index`."""
    parts = []
    for n, chunk in enumerate(chunks):
        for choice in chunk.get("choices") or []:
            for tc in (choice.get("delta") or {}).get("tool_calls") or []:
                if tc.get("index", 0) == index:
                    frag = (tc.get("function") or {}).get("arguments")
                    if frag:
                        parts.append(f"#{n}:{frag!r}")
    return ", ".join(parts[:12]) + (" …" if len(parts) > 12 else "") or "no argument fragments"


def compare_stream(plain: dict[str, Any], streamed: dict[str, Any],
                   chunks: list[dict[str, Any]] | None = None) -> list[Finding]:
    """Differences between the non-streaming body and the assembled stream, as parser_logic."""
    a, b = observe(plain), observe(streamed)
    out: list[Finding] = []
    add = lambda msg: out.append(Finding("parser_logic", "stream_divergence", msg))  # noqa: E731
    if len(a.tool_calls) != len(b.tool_calls):
        add(f"non-streaming returned {len(a.tool_calls)} tool call(s), streaming {len(b.tool_calls)}")
    for i, (x, y) in enumerate(zip(a.tool_calls, b.tool_calls)):
        if x.name != y.name:
            add(f"tool call {i}: name {x.name!r} non-streaming vs {y.name!r} streaming")
        if _args(x.arguments_text) != _args(y.arguments_text):
            add(f"tool call {i}: arguments {x.arguments_text!r} non-streaming vs "
                f"{y.arguments_text!r} streaming (chunks: {_chunk_evidence(chunks or [], i)})")
    if (a.content or "").strip() != (b.content or "").strip():
        add(f"content {(a.content or '')[:80]!r} non-streaming vs {(b.content or '')[:80]!r} streaming")
    if a.finish_reason != b.finish_reason:
        add(f"finish_reason {a.finish_reason!r} non-streaming vs {b.finish_reason!r} streaming")
    return out
