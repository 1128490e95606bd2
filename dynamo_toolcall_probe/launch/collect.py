"""What a launch adds to the bundle besides the diagnosis: logs, tokenizer files, the hook record.

Logs are redacted line by line (they can echo tokens from the environment). Tokenizer files are
small and make the bundle replayable anywhere: from a local model directory, or from the
Hugging Face cache the worker downloaded into.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Mapping

from ..redact import redact_text

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                   "config.json", "generation_config.json", "chat_template.jinja", "vocab.json",
                   "merges.txt", "tokenizer.model", "added_tokens.json")
MAX_FILE = 64 * 1024 * 1024
MAX_LOG = 8 * 1024 * 1024  # keep the end of a huge log: that is where the failure is
# Dynamo colours its logs even into files; escapes make them unreadable in a bug report.
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def hf_snapshot_dir(model: str, env: Mapping[str, str] = os.environ) -> Path | None:
    """The newest cached snapshot of a Hub model id, if the Hugging Face cache has it."""
    if "/" not in model or model.startswith(("/", ".")):
        return None
    home = env.get("HF_HOME") or os.path.join(
        env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "huggingface")
    root = Path(env.get("HF_HUB_CACHE") or os.path.join(home, "hub"))
    snaps = root / ("models--" + model.replace("/", "--")) / "snapshots"
    if not snaps.is_dir():
        return None
    candidates = sorted(snaps.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    return next((c for c in candidates if (c / "tokenizer.json").exists() or
                 (c / "tokenizer_config.json").exists()), None)


def tokenizer_dir(model: str | None, env: Mapping[str, str] = os.environ) -> Path | None:
    if not model:
        return None
    local = Path(model).expanduser()
    if local.is_dir():
        return local
    return hf_snapshot_dir(model, env)


def tokenizer_files(directory: Path | None) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    if directory is None:
        return out
    for name in TOKENIZER_FILES:
        path = directory / name
        try:
            if path.is_file() and path.stat().st_size <= MAX_FILE:
                out[f"tokenizer/{name}"] = path.read_bytes()
        except OSError:
            continue
    return out


def log_files(log_dir: Path) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for path in sorted(Path(log_dir).glob("*.log")):
        try:
            with open(path, "rb") as f:
                size = f.seek(0, os.SEEK_END)
                f.seek(max(0, size - MAX_LOG))
                data = f.read()
        except OSError:
            continue
        text = data.decode("utf-8", errors="replace")
        if size > MAX_LOG:
            text = f"[... first {size - MAX_LOG} bytes left out ...]\n" + text
        out[f"logs/{path.name}"] = redact_text(strip_ansi(text)).encode()
    return out


def record_files(record_dir: Path, request_id: str | None) -> dict[str, bytes]:
    """The hook's status and the probe request's record, as written by the worker."""
    out: dict[str, bytes] = {}
    names = ["hook-status.json"] + ([f"{request_id}.jsonl"] if request_id else [])
    for name in names:
        path = Path(record_dir) / name
        if path.is_file():
            out[f"worker_record/{name}"] = path.read_bytes()
    return out
