"""Streamed chat completions: an SSE transcript (`data: {...}` lines, as curl or a proxy saved
them) parsed into chunks, and the chunks assembled into one chat-completion body the way an
OpenAI client does: per tool-call index the id and the name once, argument fragments
concatenated in order; content and reasoning concatenated; every chunk's logprobs entries in
order, so the raw output is rebuilt from them exactly as from a non-streaming body.

Pure: bytes in, plain data out. The capture (capture/http.py) and `analyze` share it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .errors import BadInput

DONE = "[DONE]"


@dataclass
class Transcript:
    chunks: list[dict[str, Any]]
    done: bool = False  # the `data: [DONE]` line was seen
    errors: list[Any] = field(default_factory=list)  # `data: {"error": ...}` events
    unreadable: list[str] = field(default_factory=list)  # data lines that are not JSON


def looks_like_sse(data: bytes) -> bool:
    head = data.lstrip()[:64]
    return head.startswith((b"data:", b"event:", b":", b"id:")) and b"data:" in data[:4096]


def parse_sse(raw: bytes) -> list[dict[str, Any]]:
    """The JSON chunks of a transcript, in order (unreadable lines skipped)."""
    return read_transcript(raw).chunks


def read_transcript(raw: bytes) -> Transcript:
    """Every `data:` line of an SSE transcript. Multi-line events (several `data:` lines before a
    blank line) are joined as the SSE specification says."""
    out = Transcript([])
    pending: list[str] = []

    def flush() -> None:
        if not pending:
            return
        data = "\n".join(pending).strip()
        pending.clear()
        if not data:
            return
        if data == DONE:
            out.done = True
            return
        try:
            value = json.loads(data)
        except json.JSONDecodeError:
            out.unreadable.append(data[:200])
            return
        if isinstance(value, dict) and "error" in value and "choices" not in value:
            out.errors.append(value["error"])
        elif isinstance(value, dict):
            out.chunks.append(value)
        else:
            out.unreadable.append(data[:200])

    for line in raw.decode("utf-8", errors="replace").splitlines():
        if not line.strip():
            flush()
        elif line.startswith("data:"):
            # a line that holds a whole JSON object is one event even without the blank line
            # between events (proxies and `grep data:` drop them)
            value = line[5:].lstrip(" ")
            if pending and _complete(pending):
                flush()
            pending.append(value)
        # `event:`, `id:`, `retry:` and `:` comment lines carry nothing we need
    flush()
    return out


def _complete(pending: list[str]) -> bool:
    text = "\n".join(pending).strip()
    if text == DONE:
        return True
    try:
        json.loads(text)
    except json.JSONDecodeError:
        return False
    return True


def load_transcript(data: bytes, what: str = "response") -> Transcript:
    """A transcript that holds at least one chat.completion.chunk, or one BadInput line."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{what} is not UTF-8 text (byte {exc.start})") from None
    transcript = read_transcript(data)
    if not transcript.chunks:
        if transcript.errors:
            raise BadInput(f"{what} is a streamed error, not a completion: "
                           f"{str(transcript.errors[0])[:200]}")
        raise BadInput(f"{what} is an SSE transcript without any chat.completion.chunk")
    choices = [c.get("choices") for c in transcript.chunks]
    if not any(isinstance(c, list) and c for c in choices):
        raise BadInput(f"{what} is an SSE transcript whose chunks have no choices")
    return transcript


def _nvext_ids(chunk: dict[str, Any], choice: dict[str, Any]) -> list[int] | None:
    for holder in (chunk.get("nvext"), choice.get("nvext")):
        if isinstance(holder, dict) and isinstance(holder.get("completion_token_ids"), list):
            return holder["completion_token_ids"]
    return None


def assemble_stream(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """One chat-completion-shaped body from streamed deltas (choice 0)."""
    content, reasoning, finish = [], [], None
    calls: dict[int, dict[str, Any]] = {}
    logprobs: list[dict[str, Any]] = []
    nvext_ids: list[int] = []
    saw_logprobs = False
    meta: dict[str, Any] = {}
    for chunk in chunks:
        for key in ("id", "model", "created", "system_fingerprint"):
            if chunk.get(key) is not None and key not in meta:
                meta[key] = chunk[key]
        if isinstance(chunk.get("usage"), dict):
            meta["usage"] = chunk["usage"]
        for choice in chunk.get("choices") or []:
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") if isinstance(choice.get("delta"), dict) else {}
            if isinstance(delta.get("content"), str):
                content.append(delta["content"])
            for key in ("reasoning_content", "reasoning"):
                if isinstance(delta.get(key), str):
                    reasoning.append(delta[key])
            for tc in delta.get("tool_calls") or []:
                if not isinstance(tc, dict):
                    continue
                slot = calls.setdefault(tc.get("index", len(calls)),
                                        {"id": None, "type": "function",
                                         "function": {"name": None, "arguments": ""}})
                if tc.get("id") and not slot["id"]:
                    slot["id"] = tc["id"]
                fn = tc.get("function") if isinstance(tc.get("function"), dict) else {}
                if fn.get("name") and not slot["function"]["name"]:
                    slot["function"]["name"] = fn["name"]
                if isinstance(fn.get("arguments"), str):
                    slot["function"]["arguments"] += fn["arguments"]
            lp = choice.get("logprobs")
            if isinstance(lp, dict) and isinstance(lp.get("content"), list):
                saw_logprobs = True
                logprobs += [e for e in lp["content"] if isinstance(e, dict)]
            ids = _nvext_ids(chunk, choice)
            if ids:
                nvext_ids += [i for i in ids if isinstance(i, int)]
            if choice.get("finish_reason"):
                finish = choice["finish_reason"]
    message: dict[str, Any] = {"role": "assistant", "content": "".join(content) or None,
                               "tool_calls": [calls[i] for i in sorted(calls)] or None}
    if reasoning:
        message["reasoning_content"] = "".join(reasoning)
    choice_out: dict[str, Any] = {"index": 0, "message": message, "finish_reason": finish,
                                  "logprobs": {"content": logprobs} if saw_logprobs else None}
    body: dict[str, Any] = {**{k: v for k, v in meta.items() if k != "usage"},
                            "object": "chat.completion", "choices": [choice_out]}
    if "usage" in meta:
        body["usage"] = meta["usage"]
    if nvext_ids:
        body["nvext"] = {"completion_token_ids": nvext_ids}
    return body
