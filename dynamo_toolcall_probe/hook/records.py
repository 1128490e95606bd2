"""Reading what the hook recorded (no Dynamo import needed)."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .recorder import safe_request_id

STATUS_FILE = "hook-status.json"


@dataclass
class WorkerRecord:
    request_id: str
    token_ids: list[int]  # every token id the handler yielded, in order
    prompt_token_ids: list[int] | None
    chunks: list[dict[str, Any]]  # the yielded items as recorded (each: seq, t, dt, item)
    finish_reason: str | None
    errors: list[str]  # recorder errors and the handler's exception, if any
    request: dict[str, Any] = field(default_factory=dict)  # the "request" line
    status: str | None = None  # complete / cancelled / exception; None = still running
    log_probs: list[float | None] = field(default_factory=list)
    top_logprobs: list[Any] = field(default_factory=list)
    text: str | None = None  # joined `text` fields, if the engine sent any

    @property
    def complete(self) -> bool:
        return self.status is not None


def record_path(record_dir: str | Path, request_id: str) -> Path:
    safe = safe_request_id(request_id)
    if safe is None:
        raise ValueError(f"not a usable request id: {request_id!r}")
    return Path(record_dir) / f"{safe}.jsonl"


def mark_request(record_dir: str | Path, request_id: str) -> Path:
    """Mark one request id for recording (the worker checks the file per request)."""
    safe = safe_request_id(request_id)
    if safe is None:
        raise ValueError(f"not a usable request id: {request_id!r}")
    path = Path(record_dir) / "marks" / safe
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    return path


def load_worker_record(record_dir: str | Path, request_id: str,
                       timeout: float = 0.0) -> WorkerRecord | None:
    """The record of one request, or None if there is none. With `timeout`, waits up to that
    long for the record to be complete (the writer flushes off the hot path, a few ms late)."""
    path = record_path(record_dir, request_id)
    deadline = time.monotonic() + timeout
    while True:
        record = _parse(path, request_id) if path.exists() else None
        if (record is not None and record.complete) or time.monotonic() >= deadline:
            return record
        time.sleep(0.02)


def _parse(path: Path, request_id: str) -> WorkerRecord:
    head: dict[str, Any] = {}
    chunks: list[dict[str, Any]] = []
    errors: list[str] = []
    status = None
    for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines()):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"line {n + 1}: unreadable ({exc})")
            continue
        kind = entry.get("type")
        if kind == "request":
            head = entry
        elif kind == "chunk":
            chunks.append(entry)
        elif kind == "error":
            errors.append(f"recorder ({entry.get('where')}): {entry.get('error')}")
        elif kind == "handler_exception":
            errors.append(f"handler raised: {entry.get('error')}")
        elif kind == "end":
            status = entry.get("status")
    chunks.sort(key=lambda c: c.get("seq", 0))
    token_ids: list[int] = []
    log_probs: list[Any] = []
    tops: list[Any] = []
    texts: list[str] = []
    finish = None
    for chunk in chunks:
        item = chunk.get("item") or {}
        ids = item.get("token_ids") or []
        token_ids.extend(ids)
        lp = item.get("log_probs")
        log_probs.extend(lp if lp is not None else [None] * len(ids))
        tp = item.get("top_logprobs")
        tops.extend(tp if tp is not None else [None] * len(ids))
        if isinstance(item.get("text"), str):
            texts.append(item["text"])
        if item.get("finish_reason") is not None:
            finish = item["finish_reason"]
    return WorkerRecord(request_id=head.get("request_id", request_id), token_ids=token_ids,
                        prompt_token_ids=head.get("prompt_token_ids"), chunks=chunks,
                        finish_reason=finish, errors=errors, request=head, status=status,
                        log_probs=log_probs, top_logprobs=tops,
                        text="".join(texts) if texts else None)


def hook_status(record_dir: str | Path) -> dict[str, Any] | None:
    """`hook-status.json` as written by the hooked worker, or None if there is none."""
    path = Path(record_dir) / STATUS_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def list_records(record_dir: str | Path) -> list[str]:
    return sorted(p.stem for p in Path(record_dir).glob("*.jsonl"))
