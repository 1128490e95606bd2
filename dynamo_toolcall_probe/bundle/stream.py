"""The streamed response as the bundle keeps it (`response.stream.txt`, the SSE body as received),
read back into chunks: what each chunk's tokens were and what the parser emitted in it.

The bundle sits below `capture/` and must not import it, so the few lines that read SSE live here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Chunk:
    number: int  # position among the SSE events that carry choices[0]
    entries: list[dict[str, Any]]  # its logprobs.content entries
    content: str  # delta.content
    reasoning: str  # delta.reasoning_content
    deltas: list[dict[str, Any]]  # tool-call deltas as {index, id?, name?, arguments?}
    finish_reason: str | None


@dataclass
class Stream:
    chunks: list[Chunk] = field(default_factory=list)
    unreadable: int = 0  # data lines that were not JSON

    @property
    def has_logprobs(self) -> bool:
        return any(c.entries for c in self.chunks)

    def assembled(self) -> dict[str, Any]:
        """What an OpenAI client makes of the stream: ids and names once, argument fragments
        concatenated per index, content concatenated."""
        calls: dict[int, dict[str, Any]] = {}
        for chunk in self.chunks:
            for d in chunk.deltas:
                call = calls.setdefault(d["index"], {"name": "", "arguments": ""})
                call["name"] += d.get("name") or ""
                call["arguments"] += d.get("arguments") or ""
        finish = next((c.finish_reason for c in reversed(self.chunks) if c.finish_reason), None)
        content = "".join(c.content for c in self.chunks)
        return {"tool_calls": [{"name": c["name"], "arguments": _maybe_json(c["arguments"])}
                               for _, c in sorted(calls.items())],
                "content": content or None, "finish_reason": finish}


def _maybe_json(text: str) -> Any:
    try:
        return json.loads(text) if text else {}
    except json.JSONDecodeError:
        return text


def delta_of(tool_call: dict[str, Any], position: int) -> dict[str, Any]:
    """An OpenAI streamed tool-call delta in the conformance fixtures' delta shape."""
    fn = tool_call.get("function") if isinstance(tool_call.get("function"), dict) else {}
    index = tool_call.get("index")
    out: dict[str, Any] = {"index": index if isinstance(index, int) else position}
    if tool_call.get("id"):
        out["id"] = True
    if isinstance(fn.get("name"), str):
        out["name"] = fn["name"]
    if isinstance(fn.get("arguments"), str):
        out["arguments"] = fn["arguments"]
    return out


def read_stream(body: bytes) -> Stream:
    stream = Stream()
    for line in body.decode("utf-8", errors="replace").splitlines():
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if not data or data == "[DONE]":
            continue
        try:
            event = json.loads(data)
        except json.JSONDecodeError:
            stream.unreadable += 1
            continue
        choices = event.get("choices") if isinstance(event, dict) else None
        choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else None
        if choice is None:
            continue
        delta = choice.get("delta") if isinstance(choice.get("delta"), dict) else {}
        logprobs = choice.get("logprobs") if isinstance(choice.get("logprobs"), dict) else {}
        entries = [e for e in logprobs.get("content") or [] if isinstance(e, dict)]
        tool_calls = [t for t in delta.get("tool_calls") or [] if isinstance(t, dict)]
        stream.chunks.append(Chunk(
            len(stream.chunks), entries,
            delta.get("content") if isinstance(delta.get("content"), str) else "",
            delta.get("reasoning_content") if isinstance(delta.get("reasoning_content"), str) else "",
            [delta_of(t, n) for n, t in enumerate(tool_calls)],
            choice.get("finish_reason") if isinstance(choice.get("finish_reason"), str) else None))
    return stream
