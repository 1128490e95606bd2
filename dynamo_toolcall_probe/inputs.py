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
        raise BadInput(f"{what} is a streaming (SSE) transcript, not a JSON body")
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


def parse_response(data: bytes, what: str = "response") -> tuple[dict[str, Any], Any]:
    """A captured reply: a chat completion body, or an SSE transcript (`data: {...}` lines as curl
    or a proxy saved them) assembled as an OpenAI client does. Returns (body, stream) where
    `stream` is the `diagnose.Stream` of a transcript (its body is `body`), else None."""
    from .sse import load_transcript, looks_like_sse

    if looks_like_sse(data):
        from .diagnose.stream_compare import Stream

        transcript = load_transcript(data, what)
        stream = Stream.from_chunks(transcript.chunks, transcript.done, transcript.errors)
        check_response(stream.body)
        return stream.body, stream
    body = parse_json(data, what)
    check_response(body)
    return body, None


def load_prompt_file(path: str | Path, decode) -> tuple[str, bool]:
    """The prompt the engine saw, saved by the user: its text, or a JSON list of token ids
    (decoded with the tokenizer), or the hook's record (JSON lines with prompt_token_ids).
    Returns (text, from_token_ids)."""
    data = read_bytes(path, "prompt")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadInput(f"prompt is not UTF-8 text (byte {exc.start})") from None
    ids = _prompt_token_ids(text)
    if ids is None:
        if not text.strip():
            raise BadInput("prompt is empty")
        return text, False
    if decode is None:
        raise BadInput("prompt holds token ids: pass --tokenizer to decode them")
    return decode(ids), True


def _prompt_token_ids(text: str) -> list[int] | None:
    stripped = text.strip()
    candidates = [stripped] if stripped.startswith(("[", "{")) else []
    candidates += [line for line in stripped.splitlines()[:1] if line.startswith("{")]
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            value = value.get("prompt_token_ids") or value.get("token_ids")
        if isinstance(value, list) and value and all(isinstance(i, int) for i in value):
            return value
    return None


def load_chat_template(tokenizer: str | Path, tools: bool) -> tuple[str, dict[str, str]] | None:
    """(template text, special tokens) of a model directory: chat_template.jinja, else
    tokenizer_config.json's chat_template; None when the directory has neither."""
    from .diagnose.chat_template import pick_template, special_tokens

    directory = Path(tokenizer)
    if not directory.is_dir():
        directory = directory.parent
    config: dict[str, Any] = {}
    config_path = directory / "tokenizer_config.json"
    if config_path.is_file():
        try:
            loaded = json.loads(config_path.read_text(encoding="utf-8"))
            config = loaded if isinstance(loaded, dict) else {}
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BadInput(f"cannot read {config_path}: {exc}") from None
    jinja = directory / "chat_template.jinja"
    template = jinja.read_text(encoding="utf-8") if jinja.is_file() else pick_template(config, tools)
    return (template, special_tokens(config)) if template else None


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
