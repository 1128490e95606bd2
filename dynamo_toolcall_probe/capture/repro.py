"""The one-shot repro: the user's request, forced to `"logprobs": true` and non-streaming, sent
with a request id the worker hook can match (`x-dynamo-request-id`, echoed as `chatcmpl-<id>`)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from importlib import resources
from typing import Any

from ..errors import StartupFailed
from .http import Captured, send_chat


def example_request() -> dict[str, Any]:
    """The built-in weather request of Dynamo's troubleshooting page."""
    text = resources.files("dynamo_toolcall_probe.examples").joinpath("weather_request.json").read_text()
    return json.loads(text)


def repro_body(request: dict[str, Any], model: str | None = None) -> dict[str, Any]:
    body = dict(request)
    body["logprobs"] = True
    body["stream"] = False
    body.pop("stream_options", None)
    if model:
        body["model"] = model
    return body


@dataclass
class Repro:
    request_id: str
    request: dict[str, Any]
    request_bytes: bytes
    response: Captured
    streamed: Captured | None = None


def run_repro(base_url: str, request: dict[str, Any], stream_too: bool = False,
              timeout: float = 300.0, request_id: str | None = None) -> Repro:
    """`request_id`: an id already marked for the worker hook; a fresh one otherwise."""
    request_id = request_id or str(uuid.uuid4())
    headers = {"x-dynamo-request-id": request_id}
    body_bytes = json.dumps(request, indent=2, ensure_ascii=False).encode()
    reply = send_chat(base_url, request, stream=False, timeout=timeout, headers=headers)
    if reply.status != 200:
        raise StartupFailed(f"the repro request failed: HTTP {reply.status}: "
                            f"{reply.body_bytes[:300].decode(errors='replace')}")
    streamed = None
    if stream_too:
        streamed = send_chat(base_url, request, stream=True, timeout=timeout,
                             headers={"x-dynamo-request-id": str(uuid.uuid4())})
    return Repro(request_id, request, body_bytes, reply, streamed)
