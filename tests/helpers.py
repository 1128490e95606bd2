"""Builders for chat-completion bodies shaped like Dynamo 1.6.1's (see dynamo-facts.md)."""

from __future__ import annotations

import json
from typing import Any

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string"},
                           "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
            "required": ["location"],
        },
    },
}


def request(tools=(WEATHER_TOOL,), **extra: Any) -> dict[str, Any]:
    body = {"model": "Qwen/Qwen2.5-7B-Instruct",
            "messages": [{"role": "user", "content": "What is the weather in NYC?"}],
            "tools": list(tools), "tool_choice": "auto", "logprobs": True}
    body.update(extra)
    return body


def logprobs_for(pieces: list[str | bytes], with_ids: bool = True) -> dict[str, Any]:
    """One logprob entry per piece; a bytes piece that is not valid UTF-8 alone is shown the way
    the frontend shows it: token U+FFFD, bytes [239,191,189]."""
    content = []
    for i, piece in enumerate(pieces):
        raw = piece if isinstance(piece, bytes) else piece.encode()
        try:
            token = raw.decode()
            shown = list(raw)
        except UnicodeDecodeError:
            token, shown = "\ufffd", [239, 191, 189]
        entry = {"token": token, "logprob": -0.01, "bytes": shown}
        if with_ids:
            entry["token_id"] = 1000 + i
        content.append(entry)
    return {"content": content}


def response(content: str | None, tool_calls: list[tuple[str, Any]] | None = None,
             finish_reason: str = "stop", logprobs: dict[str, Any] | None = None,
             completion_tokens: int | None = None) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    message["tool_calls"] = None if tool_calls is None else [
        {"id": f"call-{i}", "type": "function",
         "function": {"name": n, "arguments": a if isinstance(a, str) else json.dumps(a)}}
        for i, (n, a) in enumerate(tool_calls)]
    choice: dict[str, Any] = {"index": 0, "message": message, "finish_reason": finish_reason}
    if logprobs is not None:
        choice["logprobs"] = logprobs
    n = completion_tokens if completion_tokens is not None else len((logprobs or {}).get("content", []))
    return {"id": "chatcmpl-1", "object": "chat.completion", "model": "Qwen/Qwen2.5-7B-Instruct",
            "choices": [choice], "usage": {"prompt_tokens": 10, "completion_tokens": n,
                                           "total_tokens": 10 + n}}


def chunks(text: str, size: int = 4) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size)]
