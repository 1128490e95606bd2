"""Loading the user's files: a response body, a request body. Every failure is one BadInput line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .errors import BadInput

MAX_INPUT_BYTES = 256 * 1024 * 1024  # a 32k-token response with top-20 logprobs is ~20 MB


def read_bytes(path: str | Path, what: str) -> bytes:
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise BadInput(f"{what} file not found: {p}") from None
    except OSError as exc:
        raise BadInput(f"cannot read {what} file {p}: {exc.strerror}") from None
    if p.is_dir():
        raise BadInput(f"{what} path is a directory, not a file: {p}")
    if size > MAX_INPUT_BYTES:
        raise BadInput(f"{what} file is {size / 2**20:.0f} MiB, over the {MAX_INPUT_BYTES // 2**20} MiB limit: {p}")
    try:
        return p.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read {what} file {p}: {exc.strerror}") from None


def parse_json(data: bytes, what: str) -> Any:
    if not data.strip():
        raise BadInput(f"{what} is empty")
    head = data.lstrip()[:6]
    if head.startswith(b"data:"):
        raise BadInput(f"{what} is a streaming (SSE) transcript; capture the non-streaming body "
                       "(\"stream\": false) instead")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInput(f"{what} is not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        # Several JSON objects one per line: streaming chunks saved as JSON lines.
        if exc.msg == "Extra data" and '"chat.completion.chunk"' in text[:4096]:
            raise BadInput(f"{what} holds streaming chunks (chat.completion.chunk), not one "
                           "response body; capture the non-streaming response") from None
        raise BadInput(f"{what} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise BadInput(f"{what} is nested too deeply to be a chat completion") from None


def load_response(path: str | Path) -> tuple[dict[str, Any], bytes]:
    """(parsed response, the exact bytes), after checking it is a non-streaming chat completion."""
    data = read_bytes(path, "response")
    body = parse_json(data, "response")
    check_response(body)
    return body, data


def check_response(body: Any) -> None:
    if isinstance(body, list):
        raise BadInput("response is a JSON list; expected one chat completion object")
    if not isinstance(body, dict):
        raise BadInput(f"response is a JSON {type(body).__name__}; expected a chat completion object")
    if isinstance(body.get("error"), (dict, str)):
        err = body["error"]
        msg = err.get("message") if isinstance(err, dict) else err
        raise BadInput(f"response is an error body, not a completion: {str(msg)[:200]}")
    if body.get("object") == "chat.completion.chunk":
        raise BadInput("response is one streaming chunk (chat.completion.chunk); capture the "
                       "non-streaming response")
    choices = body.get("choices")
    if choices is None:
        raise BadInput("response has no \"choices\": not a chat completion")
    if not isinstance(choices, list):
        raise BadInput("response \"choices\" is not a list")
    if not choices:
        raise BadInput("response has empty \"choices\": nothing to analyze")
    first = choices[0]
    if not isinstance(first, dict):
        raise BadInput("response choices[0] is not an object")
    if "delta" in first and "message" not in first:
        raise BadInput("response choices[0] has a \"delta\": this is a streaming chunk, not a body")
    if not isinstance(first.get("message"), dict):
        raise BadInput("response choices[0] has no \"message\" object: not a chat completion")
    logprobs = first.get("logprobs")
    if logprobs is not None and not isinstance(logprobs, dict):
        raise BadInput("response choices[0].logprobs is not an object")


def load_request(path: str | Path) -> tuple[dict[str, Any], bytes]:
    data = read_bytes(path, "request")
    body = parse_json(data, "request")
    if not isinstance(body, dict):
        raise BadInput("request is not a JSON object")
    if not isinstance(body.get("messages"), list):
        raise BadInput("request has no \"messages\" list: not a chat completion request")
    tools = body.get("tools")
    if tools is not None and not isinstance(tools, list):
        raise BadInput("request \"tools\" is not a list")
    return body, data
