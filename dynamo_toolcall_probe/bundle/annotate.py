"""What each token of the view is: a format marker, part of a call, a lossy or special token, a
low-probability pick, the place where a parse stopped. Long runs of plain tokens are folded so a
32k-token response stays small; a folded run keeps its text and token lengths, and the report's
few lines of script unfold it into one element per token.

Pure: a `TokenView` and plain facts in, template items out.
"""

from __future__ import annotations

import bisect
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from .tokens import Token, TokenView

LOW_P = (0.5, 0.1, 0.01)  # shading steps p1, p2, p3
FOLD_CONTEXT = 4  # plain tokens kept visible at each end of a folded run
FOLD_MIN = 32  # fold only runs that hide at least this many tokens
#: A folded token is one character: 4 * (its length in UTF-16 units) + its shading step, from
#: printable ASCII without the characters HTML or JS strings would escape.
CODES = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "\"&'<>\\`")
FOLD_MAX_LEN = (len(CODES) - 1) // 4  # longer tokens stay visible
STOP_KINDS = ("truncated", "invalid_json", "missing_end_marker", "malformed", "missing_name")


@dataclass
class Cut:
    offset: int  # character offset into the raw output
    label: str
    token: int | None = None


def marker_spans(text: str, markers: tuple[str, ...] | list[str]) -> list[tuple[int, int, str]]:
    """Every occurrence of every marker, longest marker first where two overlap."""
    found: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    for marker in sorted({m for m in markers if m}, key=len, reverse=True):
        pos = text.find(marker)
        while pos >= 0:
            end = pos + len(marker)
            if not any(s < end and pos < e for s, e in taken):
                found.append((pos, end, marker))
                taken.append((pos, end))
            pos = text.find(marker, pos + 1)
    return sorted(found)


def cut_points(raw_text: str, calls: list[Any], observed: dict[str, Any]) -> list[Cut]:
    """Where the strict parse stopped inside a call, and where the deployment's parser cut the
    raw output (its `content` begins or ends inside it, or nothing came back at all)."""
    cuts: list[Cut] = []
    for n, call in enumerate(calls):
        for problem in getattr(call, "problems", []) or []:
            span = getattr(problem, "span", None)
            if getattr(problem, "kind", None) in STOP_KINDS and span:
                cuts.append(Cut(min(span[0], max(len(raw_text) - 1, 0)),
                                f"call {n}: strict parse stopped here ({problem.message})"))
    content = observed.get("content")
    has_calls = bool(observed.get("tool_calls"))
    if isinstance(content, str) and content.strip() and raw_text:
        start = raw_text.find(content)
        piece = content
        if start < 0:
            piece = content.strip()
            start = raw_text.find(piece)
        if start > 0:
            cuts.append(Cut(start, "the deployment's content starts here"))
        if start >= 0 and start + len(piece) < len(raw_text):
            cuts.append(Cut(start + len(piece), "the deployment's content ends here"))
    elif raw_text.strip() and not has_calls:
        cuts.append(Cut(0, "the deployment returned neither content nor tool calls: the parser "
                           "dropped everything from here"))
    if observed.get("finish_reason") == "length" and raw_text:
        cuts.append(Cut(len(raw_text) - 1, "generation stopped at max_tokens (finish_reason: length)"))
    return sorted(cuts, key=lambda c: c.offset)


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\r]")  # would not survive HTML as they are


def _u16(text: str) -> int:
    """Length in UTF-16 units, as the report's script counts (astral characters count 2)."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def _title(tok: Token, extra: list[str]) -> str:
    parts = [f"#{tok.index}"]
    if tok.token_id is not None:
        parts.append(f"id {tok.token_id}")
    parts.append("bytes " + (tok.data.hex(" ") if tok.data is not None else "null"))
    if tok.logprob is not None:
        parts.append(f"logprob {tok.logprob:.3f} (p {math.exp(min(tok.logprob, 0.0)):.2f})")
    return " · ".join(parts + extra)


def token_items(view: TokenView, raw_text: str, markers: list[tuple[int, int, str]],
                calls: list[Any], cuts: list[Cut]) -> list[dict[str, Any]]:
    """Template items, in order: one per visible token, one per folded run, one per lossy run's
    exact text. Every token is either its own item or counted in exactly one folded run."""
    for cut in cuts:
        cut.token = view.token_at(cut.offset)
    cut_at: dict[int, list[str]] = {}
    for cut in cuts:
        if cut.token is not None:
            cut_at.setdefault(cut.token, []).append(cut.label)
    items: list[dict[str, Any]] = []
    plain: list[dict[str, Any]] = []
    call_spans = [(c.span[0], c.span[1]) for c in calls]
    for tok in view.tokens:
        item = _token_item(tok, raw_text, markers, calls, call_spans, cut_at.get(tok.index, []))
        if item.pop("plain"):
            if plain and plain[-1]["base"] != item["base"]:
                _flush(items, plain)
            plain.append(item)
            continue
        _flush(items, plain)
        items.append(_visible(item))
        if tok.run is not None and view.runs[tok.run].last == tok.index:
            run = view.runs[tok.run]
            items.append({"kind": "exact", "first": run.first, "last": run.last,
                          "text": None if run.exact is None else json.dumps(run.exact, ensure_ascii=False)})
    _flush(items, plain)
    return items


def _token_item(tok: Token, raw_text: str, markers, calls, call_spans,
                cut_labels: list[str]) -> dict[str, Any]:
    classes, extra = ["t"], list(cut_labels)
    placed = tok.start >= 0
    if placed and tok.end > tok.start and tok.run is None:
        text = raw_text[tok.start:tok.end]
    else:
        text = tok.shown
    call = None
    if placed:
        hit = _overlapping(markers, tok)
        if hit is not None:
            start, end, marker = markers[hit]
            classes.append("m")
            if start < tok.start or end > tok.end:
                classes.append("ms")
                extra.append(f"part of the marker {marker!r}, split across tokens")
            else:
                extra.append(f"marker {marker!r}")
        call = _overlapping(call_spans, tok)
        if call is not None:
            classes.append("cx" if calls[call].problems else "c")
    else:
        classes.append("un")
    if tok.special:
        classes.append("sp")
        extra.append("special token (bytes: null)")
    if tok.lossy:
        classes.append("lx")
        extra.append("lossy: the frontend's bytes for this token are not its real bytes")
    level = 0
    if tok.logprob is not None:
        p = math.exp(min(tok.logprob, 0.0))
        level = 3 if p < LOW_P[2] else 2 if p < LOW_P[1] else 1 if p < LOW_P[0] else 0
        if level:
            classes.append(f"p{level}")
    if cut_labels:
        classes.append("cut")
    if "\n" in text:
        classes.append("nl")
    starts_call = call is not None and calls[call].span[0] >= tok.start
    base = [c for c in classes if c not in ("p1", "p2", "p3", "nl")]
    width = _u16(text)
    folding_ok = (set(base) <= {"t", "c", "cx"} and placed and 0 < width <= FOLD_MAX_LEN
                  and not _CONTROL.search(text) and not starts_call)
    return {"kind": "tok", "index": tok.index, "text": text, "cls": " ".join(classes),
            "base": " ".join(base), "level": level, "width": width, "title": (tok, extra), "call": call,
            "call_start": call if starts_call else None,
            "anchor": bool(cut_labels) or tok.run is not None, "plain": folding_ok}


def _overlapping(spans: list[tuple], tok: Token) -> int | None:
    """Index of the span (sorted, not overlapping each other) that overlaps the token."""
    end = max(tok.end, tok.start + 1)  # a zero-width (special) token still sits somewhere
    i = bisect.bisect_left(spans, (end,)) - 1
    return i if i >= 0 and spans[i][0] < end and tok.start < spans[i][1] else None


def _visible(item: dict[str, Any]) -> dict[str, Any]:
    """A token item that is shown: its hover title is built now (folded ones never need it)."""
    item["title"] = _title(*item["title"])
    return item


def _flush(items: list[dict[str, Any]], plain: list[dict[str, Any]]) -> None:
    """Emit a run of plain tokens: short runs as they are, long ones folded in the middle."""
    if len(plain) < 2 * FOLD_CONTEXT + FOLD_MIN:
        items.extend(_visible(t) for t in plain)
    else:
        hidden = plain[FOLD_CONTEXT:-FOLD_CONTEXT]
        items.extend(_visible(t) for t in plain[:FOLD_CONTEXT])
        items.append({"kind": "fold", "first": hidden[0]["index"], "last": hidden[-1]["index"],
                      "count": len(hidden), "text": "".join(t["text"] for t in hidden),
                      "codes": "".join(CODES[4 * t["width"] + t["level"]] for t in hidden),
                      "cls": hidden[0]["base"], "shaded": sum(1 for t in hidden if t["level"] >= 2)})
        items.extend(_visible(t) for t in plain[-FOLD_CONTEXT:])
    plain.clear()
