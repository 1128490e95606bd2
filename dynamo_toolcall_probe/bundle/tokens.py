"""The raw output as tokens, each placed on the exact text: what report.html's token view shows.

A token's own bytes, as the frontend's logprobs (or a one-token decode of an engine token id)
give them, are exact unless the token holds part of a multi-byte character: then they read
U+FFFD. Runs of such lossy tokens are placed by anchoring on the clean tokens around them in the
exact raw output, so each run gets the exact characters its tokens form together; inside a run
the per-token boundaries are unknowable and the run is shown as one unit.

Pure: plain data in, a `TokenView` out.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any, Callable

REPLACEMENT = "\ufffd".encode()


@dataclass
class Token:
    index: int
    token_id: int | None
    shown: str  # the token's text as its source shows it alone (may hold U+FFFD)
    data: bytes | None  # its bytes as the source gave them; None when the source gave none
    logprob: float | None
    special: bool = False  # bytes:null and no text: a special token the frontend blanked (EOS)
    lossy: bool = False  # the source's bytes are not the token's real bytes (U+FFFD, null)
    start: int = -1  # character offsets into the exact raw output, [start, end); -1: unplaced
    end: int = -1
    run: int | None = None  # the lossy run this token belongs to


@dataclass
class LossyRun:
    first: int  # token indexes, inclusive
    last: int
    exact: str | None  # the exact text the run's tokens form together; None when unknown


@dataclass
class TokenView:
    source: str  # "frontend logprobs" or "engine tokens (worker hook)"
    tokens: list[Token]
    runs: list[LossyRun] = field(default_factory=list)
    aligned: bool = True  # every token is placed on the raw output
    notes: list[str] = field(default_factory=list)

    def token_at(self, offset: int) -> int | None:
        """The index of the token holding character `offset` of the raw output."""
        placed = [t for t in self.tokens if t.start >= 0 and t.end > t.start]
        starts = [t.start for t in placed]
        i = bisect.bisect_right(starts, offset) - 1
        if i >= 0 and placed[i].start <= offset < placed[i].end:
            return placed[i].index
        return None


def _entry_data(entry: dict[str, Any]) -> bytes | None:
    data = entry.get("bytes")
    if not isinstance(data, list):
        return None
    try:
        return bytes(data)  # checks every item is an int in 0..255
    except (TypeError, ValueError):
        return None


def from_logprobs(entries: list[dict[str, Any]], raw_text: str, exact: bool) -> TokenView:
    """One token per `logprobs.content` entry, placed on the raw output."""
    tokens = []
    for i, entry in enumerate(entries):
        data = _entry_data(entry)
        text = entry.get("token") if isinstance(entry.get("token"), str) else ""
        token_id = entry.get("token_id") if isinstance(entry.get("token_id"), int) else None
        logprob = entry.get("logprob") if isinstance(entry.get("logprob"), (int, float)) else None
        special = data is None and text == ""
        if data is None and not special:
            data = text.encode()  # bytes:null with a token text (Dynamo 1.0-1.1): best effort
            lossy = True
        else:
            lossy = data is not None and REPLACEMENT in data
        tokens.append(Token(i, token_id, text, data, logprob, special, lossy and not special))
    view = TokenView("frontend logprobs", tokens)
    _place(view, raw_text, exact)
    return view


def from_engine(token_ids: list[int], raw_text: str, decode_one: Callable[[int], str] | None,
                logprobs: list[Any] | None = None) -> TokenView:
    """One token per engine token id (the worker hook's record), placed on the raw output."""
    tokens = []
    for i, tid in enumerate(token_ids):
        lp = logprobs[i] if logprobs and i < len(logprobs) else None
        lp = lp if isinstance(lp, (int, float)) else None
        if decode_one is None:
            tokens.append(Token(i, tid, "", None, lp, lossy=True))
            continue
        text = decode_one(tid)
        tokens.append(Token(i, tid, text, text.encode(), lp, lossy="\ufffd" in text))
    view = TokenView("engine tokens (worker hook)", tokens)
    if decode_one is None:
        view.notes.append("no tokenizer in the bundle: the engine tokens' own text is unknown, "
                          "only their ids are shown")
    _place(view, raw_text, exact=True)
    return view


def _place(view: TokenView, raw_text: str, exact: bool) -> None:
    """Give every token its character range on `raw_text`; group lossy tokens into runs."""
    target = raw_text.encode()
    char_at = _char_offsets(raw_text)
    tokens = view.tokens
    pos, i = 0, 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.special:
            tok.start = tok.end = char_at(pos)
            i += 1
            continue
        if not tok.lossy:
            if tok.data is not None and target.startswith(tok.data, pos):
                tok.start, tok.end = char_at(pos), char_at(pos + len(tok.data))
                pos += len(tok.data)
                i += 1
                continue
            return _unaligned(view, i, "its bytes do not continue the raw output")
        j = i
        while j < len(tokens) and tokens[j].lossy:
            j += 1
        anchor = next((t for t in tokens[j:] if not t.special and t.data), None)
        least = sum(1 for t in tokens[i:j] if t.data)  # each lossy token holds at least a byte
        end = len(target) if anchor is None else target.find(anchor.data, pos + least)
        if anchor is None and any(not t.special for t in tokens[j:]):
            end = -1
        if end < 0:
            return _unaligned(view, i, "no clean token after it could be found in the raw output")
        run = LossyRun(i, j - 1, raw_text[char_at(pos):char_at(end)] if exact else None)
        for t in tokens[i:j]:
            t.start, t.end, t.run = char_at(pos), char_at(end), len(view.runs)
        view.runs.append(run)
        pos, i = end, j
    if pos != len(target):
        view.aligned = False
        view.notes.append(f"the tokens cover {pos} of the raw output's {len(target)} bytes")


def _unaligned(view: TokenView, index: int, why: str) -> None:
    view.aligned = False
    view.notes.append(f"token {index} could not be placed on the raw output ({why}); markers, "
                      "calls and cut points are not shown on the tokens from there on")
    for t in view.tokens[index:]:
        t.start = t.end = -1


def _char_offsets(text: str) -> Callable[[int], int]:
    """byte offset -> character offset in `text` (a byte inside a character maps to the next)."""
    if text.isascii():
        return lambda b: b
    starts, pos = [], 0
    for ch in text:
        starts.append(pos)
        pos += len(ch.encode())
    starts.append(pos)
    return lambda b: bisect.bisect_left(starts, b)
