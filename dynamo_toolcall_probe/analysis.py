"""Captured exchange -> diagnosis -> bundle: the one path `analyze`, the demo, attach and
probe-launch share.

`analyze(exchange, ...)` takes everything a caller holds (the bodies and their bytes, the
streamed reply, the configured parsers, the release, the tokenizer, the engine's tokens and
prompt from the worker hook, a replay proof to run) and returns the diagnosis, writing the
bundle with `write_bundle` when asked. A failure on the way still writes the bundle with what was
captured, saying why analysis stopped. `analyze_files` reads the user's files (or a bundle) into
an exchange first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import BadInput, ProbeError
from .inputs import load_request, parse_response, read_bytes

#: prove(diagnosis) -> (replay results or None, why there is no proof or None)
Prove = Callable[[Any], "tuple[list[dict[str, Any]] | None, str | None]"]


@dataclass
class Exchange:
    """One request and its reply as captured: parsed bodies and the exact bytes received."""

    response: dict[str, Any] | None
    response_bytes: bytes | None
    request: dict[str, Any] | None = None
    request_bytes: bytes | None = None
    stream: Any = None  # diagnose.Stream: the streamed reply of the same request
    stream_bytes: bytes | None = None  # the SSE transcript as received

    @property
    def streamed_only(self) -> bool:
        return self.stream is not None and self.stream.body is self.response


@dataclass
class AnalysisResult:
    diagnosis: Any
    bundle: Path | None
    extra_files: dict[str, bytes] = field(default_factory=dict)


def analyze(exchange: Exchange, *, parser: str | None = None, reasoning_parser: str | None = None,
            release=None, decode=None, worker_token_ids: list[int] | None = None,
            prompt_token_ids: list[int] | None = None, engine_request: dict[str, Any] | None = None,
            prompt=None, chat_template=None,
            prove: Prove | None = None, out: str | None = None,
            metadata: dict[str, Any] | None = None,
            extra_files: dict[str, bytes] | None = None,
            parser_source: str | None = None) -> AnalysisResult:
    """Diagnose an exchange with every piece of evidence at hand, then (with `out`) write the
    bundle. `prompt_token_ids` (the hook's record) are decoded with `decode`; `engine_request`
    is the request the worker received (the hook's record); `prompt` is a
    `diagnose.Prompt` already read; `chat_template` is (template, special tokens) of the model,
    rendered with the request when no prompt is known. `prove(diagnosis)` runs after the first
    diagnosis (the replay proof needs its verdict) and its results are merged in."""
    from .diagnose import diagnose
    from .release import from_metadata

    metadata = dict(metadata or {})
    files = dict(extra_files or {})
    if exchange.stream_bytes is not None and not exchange.streamed_only:
        files.setdefault("response.stream.txt", exchange.stream_bytes)
    try:
        if exchange.response is None:
            raise BadInput("no response was captured")
        prompt, missing = _prompt(exchange.request, decode, prompt_token_ids, prompt, chat_template)
        metadata.setdefault("missing", [])
        metadata["missing"] = list(metadata["missing"]) + missing
        diagnosis = diagnose(exchange.response, exchange.request, parser, reasoning_parser, decode,
                             worker_token_ids, None, release or from_metadata(metadata),
                             stream=exchange.stream, prompt=prompt, engine_request=engine_request)
        if parser is not None and parser_source is not None:
            diagnosis.configured_parser_source = parser_source
            metadata["configured_parser_source"] = parser_source
        if prove is not None:
            replay, no_proof = prove(diagnosis)
            if replay is not None:
                diagnosis.add_replay(replay)
                files["replay.json"] = json.dumps(replay, indent=1).encode()
            if no_proof:
                metadata["missing"].append(no_proof)
    except BaseException as exc:
        if out:  # nothing lost: keep what we were given, and say why analysis stopped
            why = str(exc) if isinstance(exc, ProbeError) else f"{type(exc).__name__}: {exc}"
            write_bundle(out, exchange, None, parser=parser, reasoning_parser=reasoning_parser,
                         metadata=metadata, error=why, extra_files=files)
        raise
    bundle = None
    if out:
        bundle = write_bundle(out, exchange, diagnosis, parser=parser,
                              reasoning_parser=reasoning_parser, metadata=metadata,
                              extra_files=files)
    return AnalysisResult(diagnosis, bundle, files)


def _prompt(request, decode, prompt_token_ids, prompt, chat_template) -> tuple[Any, list[str]]:
    """The prompt evidence: the engine's recorded prompt first, then a saved one, then the
    model's chat template rendered with the request. A template that cannot be rendered is said
    in the bundle's `missing`, never fatal."""
    from .diagnose.evidence import prompt_from_token_ids
    from .diagnose.prompt import PROMPT_ENGINE, PROMPT_RENDERED, Prompt

    if prompt_token_ids and decode is not None:
        return prompt_from_token_ids(prompt_token_ids, decode, PROMPT_ENGINE), []
    if prompt is not None:
        return prompt, []
    if chat_template is None or request is None:
        return None, []
    from .diagnose.chat_template import TemplateError, render

    template, tokens = chat_template
    try:
        return Prompt(render(template, request, tokens), PROMPT_RENDERED), []
    except TemplateError as exc:
        return None, [f"prompt check: the model's chat template does not render this request "
                      f"({str(exc)[:200]})"]


def write_bundle(out: str | Path, exchange: Exchange, diagnosis=None, *,
                 parser: str | None = None, reasoning_parser: str | None = None,
                 metadata: dict[str, Any] | None = None, error: str | None = None,
                 extra_files: dict[str, bytes] | None = None) -> Path:
    """The bundle of an exchange (atomically), with or without a diagnosis."""
    from .bundle import base_metadata, write_bundle as write

    meta = base_metadata(configured_parser=parser, reasoning_parser=reasoning_parser)
    meta.update(metadata or {})
    files = dict(extra_files or {})
    if exchange.stream_bytes is not None and not exchange.streamed_only:
        files.setdefault("response.stream.txt", exchange.stream_bytes)
    return write(out, request_bytes=exchange.request_bytes, response_bytes=exchange.response_bytes,
                 diagnosis=diagnosis, request=exchange.request, metadata=meta, error=error,
                 extra_files=files)


# --- the user's files ------------------------------------------------------------------------------

def _decoder(tokenizer: str | None):
    if not tokenizer:
        return None
    from .reconstruct import tokenizer_decoder

    path = Path(tokenizer)
    if not path.exists():
        raise BadInput(f"tokenizer not found: {path}")
    if path.is_dir() and not (path / "tokenizer.json").exists():
        raise BadInput(f"no tokenizer.json in {path}")
    try:
        return tokenizer_decoder(str(path))
    except Exception as exc:  # noqa: BLE001 - the tokenizers library raises plain Exceptions
        raise BadInput(f"cannot load tokenizer {path}: {exc}") from None


def _from_bundle(bundle: Path) -> dict[str, Any]:
    """Inputs stored in a bundle directory written earlier."""
    if not (bundle / "response.json").exists():
        raise BadInput(f"{bundle} is a directory without response.json: not a probe bundle")
    meta: dict[str, Any] = {}
    if (bundle / "metadata.json").exists():
        try:
            meta = json.loads((bundle / "metadata.json").read_text())
        except (OSError, json.JSONDecodeError):
            meta = {}
    tok = bundle / "tokenizer"
    stream = bundle / "response.stream.txt"
    return {"response": bundle / "response.json",
            "request": bundle / "request.json" if (bundle / "request.json").exists() else None,
            "stream": stream if stream.exists() else None,
            "parser": meta.get("configured_parser"),
            "reasoning_parser": meta.get("reasoning_parser"),
            "tokenizer": str(tok) if (tok / "tokenizer.json").exists() else None,
            "record": _bundle_record(bundle, meta.get("request_id")),
            "metadata": meta}


def _bundle_record(bundle: Path, request_id: str | None):
    """The worker hook's record in a probe-launch bundle, if complete."""
    if not request_id or not (bundle / "worker_record").is_dir():
        return None
    from .hook.records import load_worker_record

    try:
        record = load_worker_record(bundle / "worker_record", request_id)
    except ValueError:
        return None
    return record if record is not None and record.complete else None


def analyze_files(response_path: str, request_path: str | None = None, parser: str | None = None,
                  reasoning_parser: str | None = None, tokenizer: str | None = None,
                  out: str | None = None, metadata: dict[str, Any] | None = None,
                  dynamo_version: str | None = None, parser_version: str | None = None,
                  stream_path: str | None = None, prompt_path: str | None = None) -> AnalysisResult:
    """`response_path`: a chat completion body, an SSE transcript, or a bundle directory.
    `stream_path`: the SSE transcript of the same request beside a non-streaming body.
    `prompt_path`: the prompt the engine saw (text, token ids, or the hook's record).
    `dynamo_version` / `parser_version`: the deployment's release and DYN_PARSER_VERSION
    (`--dynamo-version`, `--parser-version`); else what a bundle's metadata recorded."""
    from .release import resolve

    record = None
    parser_source = "option" if parser else None
    path = Path(response_path)
    if path.is_dir():
        stored = _from_bundle(path)
        response_path = str(stored["response"])
        request_path = request_path or (str(stored["request"]) if stored["request"] else None)
        stream_path = stream_path or (str(stored["stream"]) if stored["stream"] else None)
        if parser is None and stored["parser"] is not None:
            parser = stored["parser"]
            parser_source = stored["metadata"].get("configured_parser_source") or "bundle"
        reasoning_parser = reasoning_parser or stored["reasoning_parser"]
        tokenizer = tokenizer or stored["tokenizer"]
        record = stored["record"]
        metadata = {**stored["metadata"], **(metadata or {})}
        for stale in ("missing", "error", "files", "created"):
            metadata.pop(stale, None)
    release = resolve(dynamo_version, parser_version, metadata)
    metadata = {**(metadata or {}), "release": release.to_dict()}
    exchange = Exchange(None, read_bytes(response_path, "response"),
                        request_bytes=read_bytes(request_path, "request") if request_path else None,
                        stream_bytes=read_bytes(stream_path, "stream") if stream_path else None)
    try:
        exchange.response, exchange.stream = parse_response(exchange.response_bytes)
        if exchange.stream is not None and stream_path:
            raise BadInput("--stream is for the SSE transcript beside a non-streaming body, but "
                           "the response is itself a transcript")
        if stream_path:
            _, exchange.stream = parse_response(exchange.stream_bytes, "stream")
            if exchange.stream is None:
                raise BadInput("--stream must be an SSE transcript (data: {...} lines)")
        if exchange.request_bytes is not None:
            exchange.request = load_request(request_path)[0]
        decode = _decoder(tokenizer)
        prompt = _prompt_file(prompt_path, decode) if prompt_path else None
        template = None
        if tokenizer and prompt is None and record is None and exchange.request is not None:
            from .inputs import load_chat_template

            template = load_chat_template(tokenizer, bool(exchange.request.get("tools")))
    except ProbeError as exc:
        if out:
            write_bundle(out, exchange, None, parser=parser, reasoning_parser=reasoning_parser,
                         metadata=metadata, error=str(exc))
        raise
    return analyze(exchange, parser=parser, reasoning_parser=reasoning_parser, release=release,
                   decode=decode,
                   worker_token_ids=record.token_ids if record is not None and decode else None,
                   prompt_token_ids=record.prompt_token_ids if record is not None else None,
                   engine_request=record.request or None if record is not None else None,
                   prompt=prompt, chat_template=template, out=out, metadata=metadata,
                   parser_source=parser_source)


def _prompt_file(path: str, decode):
    from .diagnose.prompt import PROMPT_FILE, Prompt
    from .inputs import load_prompt_file

    text, _ = load_prompt_file(path, decode)
    return Prompt(text, PROMPT_FILE)
