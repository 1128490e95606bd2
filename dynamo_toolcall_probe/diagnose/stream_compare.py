"""Streamed responses: what the chunks themselves show, and streaming vs non-streaming.

The most common tool-call bugs show only in the deltas (arguments missing or duplicated, calls
held back, names sent twice, wrong indexes, logprobs dropped inside the parser's jail). Pure: the
chunks and bodies in, findings out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..verdicts import Verdict
from .findings import Finding
from .fix import STREAM_FIX
from .observed import observe


@dataclass
class Stream:
    """A streamed reply: its chunks in order and the body an OpenAI client assembles from them."""

    chunks: list[dict[str, Any]]
    body: dict[str, Any]
    done: bool = True  # `data: [DONE]` was seen (a live capture always ends with it)
    errors: list[Any] = field(default_factory=list)

    @classmethod
    def from_chunks(cls, chunks: list[dict[str, Any]], done: bool = True,
                    errors: list[Any] | None = None) -> "Stream":
        from ..sse import assemble_stream

        return cls(chunks, assemble_stream(chunks), done, list(errors or []))


def _args(text: str | None) -> Any:
    try:
        return json.loads(text) if text else {}
    except json.JSONDecodeError:
        return text


def _deltas(chunks: list[dict[str, Any]]):
    """(chunk number, choice) for choice 0 of every chunk."""
    for n, chunk in enumerate(chunks):
        for choice in chunk.get("choices") or []:
            if isinstance(choice, dict) and choice.get("index", 0) == 0:
                yield n, choice


def _chunk_evidence(chunks: list[dict[str, Any]], index: int) -> str:
    """Which SSE chunks carried argument fragments for tool call `index`."""
    parts = []
    for n, choice in _deltas(chunks):
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
    add = lambda msg: out.append(Finding(Verdict.PARSER_LOGIC, "stream_divergence", msg,  # noqa: E731
                                         STREAM_FIX))
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


def stream_checks(stream: Stream, asked_logprobs: bool, raw_text: str | None = None) -> list[Finding]:
    """What the chunks show that an assembled body hides. `raw_text`: the raw output rebuilt from
    the chunks' logprobs; text a chunk carried without logprobs must stand in it (1.6.1 releases
    text held in the parser's jail in a chunk of its own, its logprobs sent with the jail)."""
    out: list[Finding] = []
    names: dict[int, list[tuple[int, str]]] = {}
    ids: dict[int, set[str]] = {}
    early_args: set[int] = set()
    no_index: list[int] = []
    bare: list[int] = []  # chunks with text or arguments but no logprobs
    with_logprobs = 0
    for n, choice in _deltas(stream.chunks):
        delta = choice.get("delta") if isinstance(choice.get("delta"), dict) else {}
        lp = choice.get("logprobs")
        has_lp = isinstance(lp, dict) and bool(lp.get("content"))
        with_logprobs += has_lp
        texts = [delta[k] for k in ("content", "reasoning_content", "reasoning")
                 if isinstance(delta.get(k), str) and delta[k].strip()]
        carried = bool(texts) and (raw_text is None or any(t not in raw_text for t in texts))
        for tc in delta.get("tool_calls") or []:
            if not isinstance(tc, dict):
                continue
            if "index" not in tc:
                no_index.append(n)
            i = tc.get("index", 0)
            fn = tc.get("function") if isinstance(tc.get("function"), dict) else {}
            if fn.get("name"):
                names.setdefault(i, []).append((n, fn["name"]))
            elif fn.get("arguments") and i not in names:
                early_args.add(i)
            if tc.get("id"):
                ids.setdefault(i, set()).add(tc["id"])
            carried = carried or (raw_text is None and bool(fn.get("arguments") or fn.get("name")))
        if carried and not has_lp:
            bare.append(n)
    for i, sent in sorted(names.items()):
        if len(sent) > 1:
            joined = "".join(s for _, s in sent)
            out.append(Finding(Verdict.PARSER_LOGIC, "stream_tool_call_deltas", f"tool call {i}: the "
                               f"name is sent in {len(sent)} chunks ({', '.join(f'#{n}:{s!r}' for n, s in sent[:4])}): "
                               f"a client that concatenates deltas (openai-python's stream helper) "
                               f"gets {joined!r}, one that keeps the first gets {sent[0][1]!r}",
                               STREAM_FIX))
    for i, seen in sorted(ids.items()):
        if len(seen) > 1:
            out.append(Finding(Verdict.PARSER_LOGIC, "stream_tool_call_deltas", f"tool call {i} "
                               f"carries {len(seen)} different ids across chunks", STREAM_FIX))
    for i in sorted(early_args):
        out.append(Finding(Verdict.OK, "stream_tool_call_deltas", f"tool call {i}: argument "
                           "fragments arrive before its name", note=True))
    if no_index:
        out.append(Finding(Verdict.OK, "stream_tool_call_deltas", "tool-call deltas without "
                           f"\"index\" in chunk(s) {', '.join(f'#{n}' for n in no_index[:5])}: "
                           "clients that key on it put them in the wrong call", note=True))
    if bare and asked_logprobs and with_logprobs:
        out.append(Finding(Verdict.OK, "stream_logprobs_missing", f"{len(bare)} chunk(s) carry text "
                           f"that no logprobs entry holds ({', '.join(f'#{n}' for n in bare[:5])}): "
                           "the raw output misses their tokens (older Dynamo dropped logprobs "
                           "inside the tool-call jail, ai-dynamo/dynamo#8072)", note=True))
    if not stream.done and observe(stream.body).finish_reason is None:
        out.append(Finding(Verdict.OK, "stream_incomplete", "the transcript ends without a "
                           "finish_reason or data: [DONE]: the capture may be cut off", note=True))
    for err in stream.errors[:3]:
        out.append(Finding(Verdict.OK, "stream_error", f"the stream carried an error event: "
                           f"{str(err)[:200]}", note=True))
    return out
