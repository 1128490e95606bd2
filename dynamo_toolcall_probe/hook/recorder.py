"""Recording marked requests: the mark check (hot path) and the background JSON-lines writer.

A request is marked when its id (`context.id()`, the frontend's `x-dynamo-request-id`) is in
`DYNAMO_PROBE_RECORD_IDS` (comma list, read once) or a file `<record_dir>/marks/<id>` exists
(one `os.path.exists` per request). Nothing else is ever recorded.

The handler's task only snapshots the fields it needs and puts them on a queue; a daemon thread
serialises them into `<record_dir>/<id>.jsonl`. Lines:

    {"type": "request", "request_id", "t", "pid", "handler", "prompt_token_ids",
     "sampling_options", "stop_conditions", "output_options", "eos_token_ids", "annotations", ...}
    {"type": "chunk", "seq": 0, "t", "dt", "item": {...every field the handler yielded...}}
    {"type": "error", "where", "error", "t"}            # recorder errors, never raised
    {"type": "handler_exception", "error", "t"}        # the handler raised (re-raised unchanged)
    {"type": "end", "status": "complete|cancelled|exception", "chunks", "t", "dt"}
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import re
import threading
import time
from typing import Any

_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
REQUEST_FIELDS = ("sampling_options", "stop_conditions", "output_options", "eos_token_ids",
                  "annotations", "model", "mdc_sum", "estimated_prefix_hit_num_blocks")
_STOP = object()


def safe_request_id(rid: Any) -> str | None:
    """The id as a file name, or None when it can't be one (then it is never marked)."""
    if isinstance(rid, str) and _SAFE_ID.fullmatch(rid) and ".." not in rid:
        return rid
    return None


def _copy(value: Any) -> Any:
    """A snapshot that later mutation by the handler or engine can't change (marked only)."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_copy(v) for v in value]
    return value


def _as_mapping(obj: Any) -> Any:
    if isinstance(obj, dict):
        return obj
    for attr in ("model_dump", "dict"):  # pydantic-style request objects
        fn = getattr(obj, attr, None)
        if callable(fn):
            try:
                return fn()
            except Exception:  # noqa: BLE001 - best effort
                pass
    return None


class _Writer(threading.Thread):
    def __init__(self) -> None:
        super().__init__(name="dynamo-probe-hook-writer", daemon=True)
        self.queue: queue.SimpleQueue = queue.SimpleQueue()
        self.files: dict[str, Any] = {}

    def run(self) -> None:
        while True:
            entry = self.queue.get()
            batch = [entry]
            try:  # drain what is there, then flush once
                while True:
                    batch.append(self.queue.get_nowait())
            except queue.Empty:
                pass
            stop = False
            drained = []
            for e in batch:
                if e is _STOP:
                    stop = True
                    continue
                if isinstance(e, threading.Event):  # a drain() waiting for what came before it
                    drained.append(e)
                    continue
                self._write(*e)
            for f in self.files.values():
                try:
                    f.flush()
                except OSError:
                    pass
            for e in drained:
                e.set()
            if stop:
                for f in self.files.values():
                    try:
                        f.close()
                    except OSError:
                        pass
                self.files.clear()
                return

    def _write(self, path: str, obj: dict[str, Any], last: bool) -> None:
        try:
            f = self.files.get(path)
            if f is None:
                f = self.files[path] = open(path, "a", encoding="utf-8")
            try:
                line = json.dumps(obj, default=repr, ensure_ascii=False)
            except Exception as exc:  # noqa: BLE001 - e.g. circular data
                line = json.dumps({"type": "error", "where": "serialise " + str(obj.get("type")),
                                   "error": f"{type(exc).__name__}: {exc}", "t": time.time()})
            f.write(line + "\n")
            if last:
                f.close()
                del self.files[path]
        except Exception:  # noqa: BLE001 - a writer error must not kill the thread
            self.files.pop(path, None)


class Session:
    """One marked request's record. Every method may raise; the wrapper catches everything."""

    __slots__ = ("recorder", "path", "t0", "seq")

    def __init__(self, recorder: "Recorder", path: str) -> None:
        self.recorder, self.path, self.t0, self.seq = recorder, path, time.monotonic(), 0

    def _put(self, obj: dict[str, Any], last: bool = False) -> None:
        self.recorder.put(self.path, obj, last)

    def chunk(self, item: Any) -> None:
        now = time.monotonic()
        mapping = _as_mapping(item)
        snap = _copy(mapping) if mapping is not None else {"repr": repr(item)}
        self._put({"type": "chunk", "seq": self.seq, "t": time.time(), "dt": now - self.t0,
                   "item": snap})
        self.seq += 1

    def error(self, where: str, exc: BaseException) -> None:
        self._put({"type": "error", "where": where, "error": f"{type(exc).__name__}: {exc}",
                   "t": time.time()})

    def handler_exception(self, exc: BaseException) -> None:
        self._put({"type": "handler_exception", "error": f"{type(exc).__name__}: {exc}",
                   "t": time.time()})

    def end(self, status: str) -> None:
        self._put({"type": "end", "status": status, "chunks": self.seq, "t": time.time(),
                   "dt": time.monotonic() - self.t0}, last=True)


class Recorder:
    def __init__(self, record_dir: str, ids: str | None = None) -> None:
        self.record_dir = os.path.abspath(record_dir)
        self.marks_dir = os.path.join(self.record_dir, "marks")
        os.makedirs(self.marks_dir, exist_ok=True)
        self.ids = frozenset(i.strip() for i in (ids or "").split(",") if i.strip())
        self._writer: _Writer | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_env(cls, environ=os.environ) -> "Recorder | None":
        record_dir = environ.get("DYNAMO_PROBE_RECORD_DIR")
        if not record_dir:
            return None
        return cls(record_dir, environ.get("DYNAMO_PROBE_RECORD_IDS"))

    # --- hot path: once per request -----------------------------------------------------------
    def is_marked(self, rid: Any) -> bool:
        if rid in self.ids:
            return True
        safe = safe_request_id(rid)
        return safe is not None and os.path.exists(os.path.join(self.marks_dir, safe))

    # --- marked requests only -----------------------------------------------------------------
    def put(self, path: str, obj: dict[str, Any], last: bool = False) -> None:
        writer = self._writer
        if writer is None:
            writer = self._start_writer()
        writer.queue.put((path, obj, last))

    def _start_writer(self) -> _Writer:
        with self._lock:
            if self._writer is None:
                w = _Writer()
                w.start()
                atexit.register(self.close)
                self._writer = w
            return self._writer

    def drain(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is written and flushed (tests, benchmarks)."""
        w = self._writer
        if w is None or not w.is_alive():
            return True
        done = threading.Event()
        w.queue.put(done)
        return done.wait(timeout)

    def close(self, timeout: float = 5.0) -> None:
        w = self._writer
        if w is not None and w.is_alive():
            w.queue.put(_STOP)
            w.join(timeout)

    def begin(self, rid: str, request: Any, handler_name: str) -> Session:
        safe = safe_request_id(rid) or "invalid-id"
        path = os.path.join(self.record_dir, f"{safe}.jsonl")
        session = Session(self, path)
        mapping = _as_mapping(request)
        head: dict[str, Any] = {"type": "request", "request_id": rid, "t": time.time(),
                                "pid": os.getpid(), "handler": handler_name}
        if mapping is None:
            head["request_repr"] = repr(request)
        else:
            head["prompt_token_ids"] = _copy(mapping.get("token_ids"))
            for key in REQUEST_FIELDS:
                if key in mapping:
                    head[key] = _copy(mapping[key])
            head["request_keys"] = sorted(str(k) for k in mapping)
        session._put(head)
        return session
