"""Attach to a running deployment: the repro against its frontend, what it exposes, the bundle."""

from __future__ import annotations

import json
from typing import Any

from ..errors import BadInput, EnvironmentProblem


def parse_headers(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise BadInput(f"--header must look like 'Name: value', got {item!r}")
        out[name.strip()] = value.strip()
    return out


def collect_deployment(base_url: str, headers: dict[str, str]) -> tuple[dict[str, Any], list[str]]:
    """What a frontend exposes without credentials to the workers: models and health."""
    import httpx

    found: dict[str, Any] = {}
    missing: list[str] = []
    with httpx.Client(timeout=10.0, headers=headers) as client:
        for path in ("/v1/models", "/health"):
            try:
                reply = client.get(base_url.rstrip("/") + path)
                found[path] = reply.json() if "json" in reply.headers.get("content-type", "") \
                    else reply.text[:2000]
            except (httpx.HTTPError, ValueError) as exc:
                missing.append(f"{path}: {type(exc).__name__}")
    return found, missing


def run_attach(url: str, model: str, request: dict[str, Any] | None, parser: str | None,
               reasoning_parser: str | None, headers: dict[str, str], stream_compare: bool,
               out: str | None, request_bytes_in: bytes | None = None):
    from ..analysis import Exchange, analyze
    from ..capture.repro import example_request, repro_body
    from ..redact import redact_json
    from .http import send_chat

    if not url.startswith(("http://", "https://")):
        raise BadInput(f"--url must be the frontend's http:// or https:// base URL, got {url!r}")
    body = repro_body(request or example_request(), model)
    deployment, missing = collect_deployment(url, headers)
    models = deployment.get("/v1/models")
    if isinstance(models, dict):
        ids = [m.get("id") for m in models.get("data", [])]
        if model not in ids:
            raise BadInput(f"model {model!r} is not served at {url} (served: {', '.join(map(str, ids)) or 'none'})")
    reply = send_chat(url, body, stream=False, headers=headers)
    if not reply.ok:
        raise EnvironmentProblem(f"the repro request failed: HTTP {reply.status}: "
                                 f"{reply.body_bytes[:200].decode(errors='replace')}")
    streamed = send_chat(url, body, stream=True, headers=headers) if stream_compare else None
    missing += ["worker launch command: unknown when attaching (pass it in the report)",
                "Dynamo and engine versions of the deployment: not exposed over HTTP"]
    if parser is None:
        missing.append("configured parser: not given (--parser); the verdict may be inconclusive;"
                       " `dynamo-probe replay BUNDLE` shows which parser reproduces the response")
    metadata = {"attach": {"url": url, "model": model, "headers": sorted(headers)},
                "deployment": redact_json(deployment), "missing": missing}
    stream = None
    if streamed is not None and streamed.ok:
        from ..diagnose import Stream

        stream = Stream.from_chunks(streamed.chunks)
    exchange = Exchange(reply.body, reply.body_bytes, body, json.dumps(body, indent=2).encode(),
                        stream=stream,
                        stream_bytes=streamed.body_bytes if streamed is not None else None)
    return analyze(exchange, parser=parser, reasoning_parser=reasoning_parser, out=out,
                   metadata=metadata)
