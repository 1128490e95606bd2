"""Sending a chat request and capturing the reply byte for byte, non-streaming or streaming.

Streaming replies are assembled the way an OpenAI client does it: per tool-call index, the id and
name arrive once, argument fragments are concatenated in order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..errors import EnvironmentProblem


@dataclass
class Captured:
    status: int
    body_bytes: bytes  # exactly what came over the wire
    body: dict[str, Any] | None  # parsed (non-streaming), or the assembled stream
    chunks: list[dict[str, Any]] = field(default_factory=list)  # streaming only

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.body is not None


def send_chat(base_url: str, body: dict[str, Any], stream: bool = False, timeout: float = 60.0,
              headers: dict[str, str] | None = None) -> Captured:
    import httpx

    payload = dict(body, stream=stream)
    url = f"{base_url.rstrip('/')}/v1/chat/completions"
    try:
        with httpx.Client(timeout=timeout) as client:
            reply = client.post(url, json=payload, headers=headers or {})
    except httpx.HTTPError as exc:
        raise EnvironmentProblem(f"cannot reach the frontend at {url}: {exc}") from None
    raw = reply.content
    if reply.status_code != 200:
        return Captured(reply.status_code, raw, None)
    if not stream:
        return Captured(200, raw, json.loads(raw))
    chunks = parse_sse(raw)
    return Captured(200, raw, assemble_stream(chunks), chunks)


def parse_sse(raw: bytes) -> list[dict[str, Any]]:
    chunks = []
    for line in raw.decode("utf-8", errors="replace").splitlines():
        if not line.startswith("data:"):
            continue
        data = line[5:].strip()
        if data and data != "[DONE]":
            try:
                chunks.append(json.loads(data))
            except json.JSONDecodeError:
                continue
    return chunks


def assemble_stream(chunks: list[dict[str, Any]]) -> dict[str, Any]:
    """One chat-completion-shaped body from streamed deltas (choice 0)."""
    content, reasoning, finish = [], [], None
    calls: dict[int, dict[str, Any]] = {}
    logprobs: list[dict[str, Any]] = []
    for chunk in chunks:
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            if isinstance(delta.get("content"), str):
                content.append(delta["content"])
            for key in ("reasoning_content", "reasoning"):
                if isinstance(delta.get(key), str):
                    reasoning.append(delta[key])
            for tc in delta.get("tool_calls") or []:
                slot = calls.setdefault(tc.get("index", len(calls)),
                                        {"id": None, "type": "function",
                                         "function": {"name": None, "arguments": ""}})
                if tc.get("id") and not slot["id"]:
                    slot["id"] = tc["id"]
                fn = tc.get("function") or {}
                if fn.get("name") and not slot["function"]["name"]:
                    slot["function"]["name"] = fn["name"]
                if isinstance(fn.get("arguments"), str):
                    slot["function"]["arguments"] += fn["arguments"]
            lp = choice.get("logprobs") or {}
            logprobs += lp.get("content") or []
            if choice.get("finish_reason"):
                finish = choice["finish_reason"]
    message = {"role": "assistant", "content": "".join(content) or None,
               "tool_calls": [calls[i] for i in sorted(calls)] or None}
    if reasoning:
        message["reasoning_content"] = "".join(reasoning)
    return {"object": "chat.completion", "choices": [{"index": 0, "message": message,
            "finish_reason": finish, "logprobs": {"content": logprobs}}]}
