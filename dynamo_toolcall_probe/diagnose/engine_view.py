"""The engine's raw output next to what the frontend made of it, with every difference named.

The worker hook records the token ids the engine really yielded. The frontend reports the same
tokens a second time, through `logprobs`, and splits them into `reasoning_content`, `content` and
`tool_calls`. Comparing the two tells the user which parts of their response are a faithful
picture of the engine and which are not: tokens the frontend left out of the logprobs (some
releases return `logprobs: null` with some parsers: release.knowledge), special tokens it blanked
(`bytes: null`), characters it cut in half (U+FFFD), a reasoning channel that is nowhere.

These are facts about the frontend's report, not verdicts: none of them alone means the tool
parser mis-handled a call, so the diagnosis keeps its verdict and shows them as evidence.

Pure: plain data in, an `EngineView` out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from ..formats.reasoning import reasoning_spans
from ..reconstruct import Decode, logprob_entries, reconstruct
from .observed import observe

TOKENS_MISSING = "tokens_missing_from_logprobs"
TOKENS_EXTRA = "tokens_extra_in_logprobs"
REASONING_ABSENT = "reasoning_channel_absent"
SPECIAL_STRIPPED = "special_tokens_stripped"
BYTES_LOSSY = "bytes_lossy"
TEXT_DIFFERS = "text_differs"

MATCH_SUMMARY = "logprobs match the engine tokens exactly"
REPLACEMENT_CHAR = "\ufffd"


@dataclass
class Difference:
    kind: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "message": self.message}


@dataclass
class EngineView:
    engine_text: str
    engine_token_count: int
    logprobs_text: str | None  # None: the response carries no logprobs at all
    logprobs_token_count: int
    reasoning_content: str | None
    content: str | None
    tool_calls: list[dict[str, Any]]
    differences: list[Difference] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if not self.differences:
            return MATCH_SUMMARY
        return f"{len(self.differences)} difference(s): " + ", ".join(d.kind for d in self.differences)

    def to_dict(self) -> dict[str, Any]:
        return {"engine_text": self.engine_text, "engine_token_count": self.engine_token_count,
                "logprobs_text": self.logprobs_text,
                "logprobs_token_count": self.logprobs_token_count,
                "reasoning_content": self.reasoning_content, "content": self.content,
                "tool_calls": self.tool_calls, "summary": self.summary,
                "differences": [d.to_dict() for d in self.differences]}


def shown(text: str, limit: int = 80) -> str:
    """Text quoted with escapes visible (newlines matter in tool-call markup), cut to `limit`."""
    quoted = json.dumps(text, ensure_ascii=False)
    return quoted if len(quoted) <= limit else quoted[: limit - 2] + "…\""


def build_engine_view(engine_text: str, engine_token_count: int, response: dict[str, Any],
                      reasoning_parser: str | None = None, decode: Decode | None = None,
                      request: dict[str, Any] | None = None, knowledge=None) -> EngineView:
    """`engine_text`: the worker's token ids decoded with the model's tokenizer, special tokens
    kept. The logprobs side is rebuilt from the response's logprobs alone (no worker ids, no
    tokenizer), so what the frontend lost stays visible instead of being repaired."""
    observed = observe(response)
    entries = logprob_entries(response)
    logprobs_text = reconstruct(response).text if entries else None
    view = EngineView(engine_text, engine_token_count, logprobs_text, len(entries or []),
                      observed.reasoning_content, observed.content,
                      [{"name": c.name, "arguments": c.arguments_text} for c in observed.tool_calls])
    spans = reasoning_spans(engine_text, reasoning_parser)
    if logprobs_text is None:
        why = ("the response has no logprobs" if entries is None else "logprobs.content is empty")
        asked = (request or {}).get("logprobs") is True
        dropped = knowledge.logprobs().get("dropped_with") if knowledge else None
        known = (f" ({knowledge.label} drops them when the {', '.join(dropped)} parser(s) are "
                 "configured)") if dropped else ""
        cause = (f"although the request asked for them{known}" if asked else
                 "(the request did not send \"logprobs\": true, or the frontend dropped them)")
        view.differences.append(Difference(TOKENS_MISSING, (
            f"{why}: all {engine_token_count} engine tokens are missing from it, i.e. the whole "
            f"engine text {shown(engine_text)}, {cause}")))
    else:
        view.differences += _logprob_differences(engine_text, engine_token_count, entries or [],
                                                 logprobs_text, spans, decode)
    view.differences += _reasoning_differences(engine_text, spans, logprobs_text, observed)
    return view


def _special_markers(entries: list[dict[str, Any]], decode: Decode | None) -> set[str]:
    """The text of each special token the frontend blanked (`token: ""`, `bytes: null`): the
    chosen alternative in top_logprobs still names it (1.6.1), else its token_id decoded."""
    markers: set[str] = set()
    for entry in entries:
        if entry.get("bytes") is not None or entry.get("token"):
            continue
        tops = entry.get("top_logprobs")
        top = tops[0] if isinstance(tops, list) and tops and isinstance(tops[0], dict) else {}
        chosen = top.get("logprob") == entry.get("logprob")  # top_logprobs holds no token_id
        if chosen and isinstance(top.get("token"), str) and top["token"]:
            markers.add(top["token"])
        elif decode is not None and isinstance(entry.get("token_id"), int):
            markers.add(decode([entry["token_id"]]))
    return {m for m in markers if m}


def _only_markers(text: str, markers: set[str]) -> bool:
    for marker in sorted(markers, key=len, reverse=True):
        text = text.replace(marker, "")
    return bool(markers) and text == ""


def _channel_of(start: int, end: int, spans: list[tuple[int, int, str]]) -> str | None:
    return next((name for s, e, name in spans if s < end and start < e), None)


def _logprob_differences(engine: str, engine_count: int, entries: list[dict[str, Any]],
                         logprobs: str, spans: list[tuple[int, int, str]],
                         decode: Decode | None) -> list[Difference]:
    found: list[Difference] = []
    markers = _special_markers(entries, decode)
    missing = engine_count - len(entries)
    stripped: list[str] = []
    dropped: list[tuple[int, int]] = []  # engine text spans absent from the logprobs text
    lossy: list[tuple[int, int, int, int]] = []  # engine span, logprobs span
    other: list[int] = []  # engine offsets of differences no other kind explains
    opcodes = SequenceMatcher(None, engine, logprobs, autojunk=False).get_opcodes()
    for tag, a, b, c, d in opcodes:
        if tag == "equal":
            continue
        if tag == "delete" and _only_markers(engine[a:b], markers):
            stripped.append(engine[a:b])
        elif tag == "delete" and missing > 0:
            dropped.append((a, b))
        elif tag == "replace" and REPLACEMENT_CHAR in logprobs[c:d] \
                and REPLACEMENT_CHAR not in engine[a:b]:
            lossy.append((a, b, c, d))
        else:
            other.append(a)
    if missing > 0:
        found.append(Difference(TOKENS_MISSING, _missing_message(engine, engine_count,
                                                                 len(entries), dropped, spans)))
    elif missing < 0:
        found.append(Difference(TOKENS_EXTRA, f"the logprobs hold {len(entries)} entries but the "
                                f"engine yielded {engine_count} tokens: {-missing} extra"))
    if stripped:
        names = sorted(m for m in markers if any(m in segment for segment in stripped))
        blank = sum(1 for e in entries if e.get("bytes") is None and not e.get("token"))
        found.append(Difference(SPECIAL_STRIPPED, (
            f"special tokens the engine emitted ({', '.join(shown(n, 40) for n in names[:5])}) "
            f"are blank in the logprobs ({blank} entries with token \"\", bytes null), so the "
            "logprobs text lacks them")))
    if lossy:
        a, b, c, d = lossy[0]
        found.append(Difference(BYTES_LOSSY, (
            f"{len(lossy)} place(s) where the logprobs show U+FFFD but the engine text is exact "
            f"({_replacement_entries(entries)} entries hold U+FFFD bytes); first at engine chars "
            f"{a}-{b}: engine {shown(engine[a:b], 40)}, logprobs {shown(logprobs[c:d], 40)} "
            "(a multi-byte character split across tokens, decoded one token at a time)")))
    if other:
        at = min(other)
        found.append(Difference(TEXT_DIFFERS, (
            f"the logprobs text differs from the engine text from char {at}: engine "
            f"{shown(engine[at:at + 40], 60)}, logprobs "
            f"{shown(_counterpart(opcodes, at, logprobs), 60)}")))
    return found


def _replacement_entries(entries: list[dict[str, Any]]) -> int:
    """How many entries carry U+FFFD in their bytes (the frontend's mark of a split character)."""
    mark = REPLACEMENT_CHAR.encode()
    count = 0
    for entry in entries:
        data = entry.get("bytes")
        if isinstance(data, list) and \
                mark in bytes(b for b in data if isinstance(b, int) and 0 <= b < 256):
            count += 1
    return count


def _counterpart(opcodes, engine_at: int, logprobs: str) -> str:
    """The logprobs text that stands where the engine text at `engine_at` differs."""
    for tag, a, b, c, d in opcodes:
        if tag != "equal" and a == engine_at:
            return logprobs[c:c + 40]
    return ""


def _missing_message(engine: str, engine_count: int, entry_count: int,
                     dropped: list[tuple[int, int]], spans: list[tuple[int, int, str]]) -> str:
    head = (f"the logprobs hold {entry_count} entries but the engine yielded {engine_count} "
            f"tokens: {engine_count - entry_count} missing")
    if not dropped:
        return head + "; the text around them matches, so which tokens is not visible"
    a, b = dropped[0]
    channel = _channel_of(a, b, spans)
    where = f" — the reasoning channel ({channel})" if channel else ""
    if len(dropped) == 1:
        return head + f", one contiguous span at engine chars {a}-{b}{where}: {shown(engine[a:b])}"
    return (head + f", in {len(dropped)} places; the first at engine chars {a}-{b}{where}: "
            f"{shown(engine[a:b])}")


def _reasoning_differences(engine: str, spans: list[tuple[int, int, str]], logprobs: str | None,
                           observed) -> list[Difference]:
    """A reasoning span of the engine text that the logprobs or `reasoning_content` lack."""
    if not spans:
        return []
    start, end, channel = spans[0]
    span_text = engine[start:end]
    in_logprobs = logprobs is not None and span_text in logprobs
    has_reasoning = bool(observed.reasoning_content)
    if in_logprobs and has_reasoning:
        return []
    places = []
    if not in_logprobs:
        places.append("the logprobs" + (" (none returned)" if logprobs is None else ""))
    if not has_reasoning:
        places.append("reasoning_content (empty)")
    if has_reasoning:
        fate = "reasoning_content holds it, so the frontend parsed it and only the logprobs lost it"
    elif observed.content and any(line.strip() and line.strip() in observed.content
                                  for line in span_text.splitlines()):
        fate = "it came back in content: the frontend did not split it off as reasoning"
    else:
        fate = "it is in neither reasoning_content nor content"
    more = f" (and {len(spans) - 1} more span(s))" if len(spans) > 1 else ""
    return [Difference(REASONING_ABSENT, (
        f"the engine emitted a reasoning span ({channel}, chars {start}-{end}{more}: "
        f"{shown(span_text)}) missing from {' and from '.join(places)}; {fate}"))]
