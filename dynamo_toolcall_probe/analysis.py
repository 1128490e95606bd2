"""Offline analysis of saved files: load, diagnose, write the bundle — the one path `analyze`,
the demo and the launcher share once they hold a request and a response."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BadInput, ProbeError
from .inputs import check_response, load_request, parse_json, read_bytes


@dataclass
class AnalysisResult:
    diagnosis: Any
    bundle: Path | None


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
    return {"response": bundle / "response.json",
            "request": bundle / "request.json" if (bundle / "request.json").exists() else None,
            "parser": meta.get("configured_parser"),
            "reasoning_parser": meta.get("reasoning_parser"),
            "tokenizer": str(tok) if (tok / "tokenizer.json").exists() else None,
            "metadata": meta}


def analyze_files(response_path: str, request_path: str | None = None, parser: str | None = None,
                  reasoning_parser: str | None = None, tokenizer: str | None = None,
                  out: str | None = None, metadata: dict[str, Any] | None = None,
                  dynamo_version: str | None = None,
                  parser_version: str | None = None) -> AnalysisResult:
    """`dynamo_version` / `parser_version`: the deployment's release and DYN_PARSER_VERSION
    (`--dynamo-version`, `--parser-version`); else what a bundle's metadata recorded."""
    from .release import resolve

    path = Path(response_path)
    if path.is_dir():
        stored = _from_bundle(path)
        response_path = str(stored["response"])
        request_path = request_path or (str(stored["request"]) if stored["request"] else None)
        parser = parser or stored["parser"]
        reasoning_parser = reasoning_parser or stored["reasoning_parser"]
        tokenizer = tokenizer or stored["tokenizer"]
        metadata = {**stored["metadata"], **(metadata or {})}
        for stale in ("missing", "error", "files", "created"):
            metadata.pop(stale, None)
    release = resolve(dynamo_version, parser_version, metadata)
    metadata = {**(metadata or {}), "release": release.to_dict()}
    response_bytes = read_bytes(response_path, "response")
    request_bytes = read_bytes(request_path, "request") if request_path else None
    try:
        response = parse_json(response_bytes, "response")
        check_response(response)
        request = load_request(request_path)[0] if request_path else None
        return analyze_bodies(response, response_bytes, request, request_bytes, parser,
                              reasoning_parser, _decoder(tokenizer), out, metadata,
                              release=release)
    except ProbeError as exc:
        if out:  # nothing lost: keep what we were given, and say why analysis stopped
            _write(out, request_bytes, response_bytes, None, None, parser, reasoning_parser,
                   metadata, str(exc))
        raise


def analyze_bodies(response: dict[str, Any], response_bytes: bytes, request: dict[str, Any] | None,
                   request_bytes: bytes | None, parser: str | None, reasoning_parser: str | None,
                   decode=None, out: str | None = None, metadata: dict[str, Any] | None = None,
                   worker_token_ids: list[int] | None = None,
                   replay: list[dict[str, Any]] | None = None,
                   extra_files: dict[str, bytes] | None = None,
                   release=None) -> AnalysisResult:
    from .diagnose import diagnose
    from .release import from_metadata

    if release is None:
        release = from_metadata(metadata)
    try:
        diagnosis = diagnose(response, request, parser, reasoning_parser, decode, worker_token_ids,
                             replay, release)
    except Exception as exc:
        if out:
            _write(out, request_bytes, response_bytes, None, request, parser, reasoning_parser,
                   metadata, f"{type(exc).__name__}: {exc}", extra_files)
        raise
    bundle = None
    if out:
        bundle = _write(out, request_bytes, response_bytes, diagnosis, request, parser,
                        reasoning_parser, metadata, None, extra_files)
    return AnalysisResult(diagnosis, bundle)


def _write(out, request_bytes, response_bytes, diagnosis, request, parser, reasoning_parser,
           metadata, error, extra_files=None) -> Path:
    from .bundle import base_metadata, write_bundle

    meta = base_metadata(configured_parser=parser, reasoning_parser=reasoning_parser)
    meta.update(metadata or {})
    return write_bundle(out, request_bytes=request_bytes, response_bytes=response_bytes,
                        diagnosis=diagnosis, request=request, metadata=meta, error=error,
                        extra_files=extra_files)
