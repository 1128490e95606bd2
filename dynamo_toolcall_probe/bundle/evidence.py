"""The per-token evidence the bundle's own files hold, read back for report.html and the fixture:
the response's logprobs, the streamed chunks, the engine's tokens from the worker hook's record
and the model's tokenizer. Nothing here changes the diagnosis; what cannot be read is noted."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable

from .stream import Stream, read_stream

STREAM_FILE = "response.stream.txt"
TOKENIZER_FILE = "tokenizer/tokenizer.json"
RECORD_DIR = "worker_record/"


@dataclass
class Evidence:
    response: dict[str, Any] | None
    stream: Stream | None = None
    engine_ids: list[int] | None = None  # token ids the engine yielded (worker hook)
    engine_logprobs: list[Any] | None = None
    decode_one: Callable[[int], str] | None = None  # one token id -> its text alone
    notes: list[str] = field(default_factory=list)

    @property
    def entries(self) -> list[dict[str, Any]] | None:
        """`choices[0].logprobs.content` of the non-streaming response, or None."""
        choices = (self.response or {}).get("choices")
        choice = choices[0] if isinstance(choices, list) and choices and isinstance(choices[0], dict) else {}
        logprobs = choice.get("logprobs")
        content = logprobs.get("content") if isinstance(logprobs, dict) else None
        return [e for e in content if isinstance(e, dict)] if isinstance(content, list) else None


def gather(response_bytes: bytes | None, files: dict[str, bytes], raw=None) -> Evidence:
    """`files`: the bundle's other files by name (tokenizer/, worker_record/, response.stream.txt).
    `raw`: the diagnosis's RawOutput, whose token ids are the engine's when it came from the hook."""
    response = None
    if response_bytes is not None:
        try:
            loaded = json.loads(response_bytes)
            response = loaded if isinstance(loaded, dict) else None
        except (json.JSONDecodeError, UnicodeDecodeError):
            response = None
    ev = Evidence(response)
    if STREAM_FILE in files:
        ev.stream = read_stream(files[STREAM_FILE])
    _engine_record(ev, files)
    if ev.engine_ids is None and raw is not None and getattr(raw, "source", None) == "worker_token_ids":
        ev.engine_ids = list(raw.token_ids or [])
    if TOKENIZER_FILE in files and ev.engine_ids is not None:
        ev.decode_one = _decoder(files[TOKENIZER_FILE], ev.notes)
    return ev


def _engine_record(ev: Evidence, files: dict[str, bytes]) -> None:
    """Token ids and logprobs of the probe request, from the hook's JSON-lines record."""
    names = [n for n in files if n.startswith(RECORD_DIR) and n.endswith(".jsonl")]
    if not names:
        return
    items = []
    for line in files[names[0]].decode("utf-8", errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(entry, dict) and entry.get("type") == "chunk" and isinstance(entry.get("item"), dict):
            items.append((entry.get("seq", 0), entry["item"]))
    ids: list[int] = []
    logprobs: list[Any] = []
    for _, item in sorted(items, key=lambda x: x[0]):
        chunk_ids = [i for i in item.get("token_ids") or [] if isinstance(i, int)]
        ids.extend(chunk_ids)
        lp = item.get("log_probs")
        logprobs.extend(lp if isinstance(lp, list) and len(lp) == len(chunk_ids) else [None] * len(chunk_ids))
    if ids:
        ev.engine_ids, ev.engine_logprobs = ids, logprobs


def _decoder(tokenizer_json: bytes, notes: list[str]) -> Callable[[int], str] | None:
    try:
        from tokenizers import Tokenizer  # lazy: only when engine tokens need their text

        tok = Tokenizer.from_str(tokenizer_json.decode())
    except Exception as exc:  # noqa: BLE001 - the tokenizers library raises plain Exceptions
        notes.append(f"the bundle's tokenizer could not be loaded ({type(exc).__name__}: {exc}); "
                     "engine tokens are shown by id only")
        return None
    return lambda tid: tok.decode([tid], skip_special_tokens=False)
