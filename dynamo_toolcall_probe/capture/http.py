"""Sending a chat request and capturing the reply byte for byte, non-streaming or streaming.

Streaming replies are assembled the way an OpenAI client does it (`sse.assemble_stream`): per
tool-call index, the id and name arrive once, argument fragments are concatenated in order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..errors import EnvironmentProblem
from ..sse import assemble_stream, parse_sse  # noqa: F401 (the capture's API: parse, assemble)


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
