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


def sse_transcript(body: dict[str, Any], pieces: list[str], name_every_chunk: bool = False) -> bytes:
    """A streamed capture of `body` as Dynamo 1.6.1 sends it (every logprob entry in the first
    chunk, the parser's jail), then content, then each call's arguments in three fragments; with
    `name_every_chunk` every fragment repeats the function name, as some servers do."""
    choice = body["choices"][0]
    message = choice["message"]
    first: dict[str, Any] = {"role": "assistant", "content": ""}
    chunks_out = [({**first}, choice.get("logprobs", {}).get("content") if choice.get("logprobs") else None)]
    if message.get("reasoning_content"):
        chunks_out.append(({"reasoning_content": message["reasoning_content"]}, None))
    if message.get("content"):
        chunks_out.append(({"content": message["content"]}, None))
    for i, call in enumerate(message.get("tool_calls") or []):
        args = call["function"]["arguments"]
        cut = [0, len(args) // 3, 2 * len(args) // 3, len(args)]
        for n in range(3):
            fn: dict[str, Any] = {"arguments": args[cut[n]:cut[n + 1]]}
            tc: dict[str, Any] = {"index": i, "function": fn}
            if n == 0:
                tc.update(id=call["id"], type="function")
            if n == 0 or name_every_chunk:
                fn["name"] = call["function"]["name"]
            chunks_out.append(({"tool_calls": [tc]}, None))
    lines = []
    for delta, entries in chunks_out:
        chunk = {"id": body["id"], "object": "chat.completion.chunk", "model": body["model"],
                 "choices": [{"index": 0, "delta": delta, "finish_reason": None,
                              "logprobs": {"content": entries} if entries else None}]}
        lines.append("data: " + json.dumps(chunk, ensure_ascii=False))
    end = {"id": body["id"], "object": "chat.completion.chunk", "model": body["model"],
           "choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"],
                        "logprobs": None}]}
    lines += ["data: " + json.dumps(end), "data: [DONE]"]
    return ("\n\n".join(lines) + "\n\n").encode()
