"""Dynamo's file discovery store: `$DYN_FILE_KV/v1/mdc/<key, percent-encoded>` holds one JSON
model-card record per served model and instance (seen on 1.5.1 and 1.6.1: e.g.
`v1/mdc/dynamo%2Fbackend%2Fgenerate%2F6d7ca233642b8307`).

A live worker touches its records every ~3 s (1.6.1, measured); a dead one's stay until the
store expires them (~10 s). Records older than STALE_AFTER_S are reported as stale, not as
instances, so a worker that just died does not pass for one side of a rolling update.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from ..errors import EnvironmentProblem

MDC_DIR = ("v1", "mdc")
MAX_CARD_BYTES = 4 << 20  # a card is a few KB; never read a stray huge file whole
STALE_AFTER_S = 10.0


def read_file_kv(root: str, now: float | None = None) -> tuple[list[tuple[str, Any]], list[str]]:
    """(every live (key, raw bytes) under the store's model-card directory, stale keys)."""
    base = Path(root)
    if not base.is_dir():
        raise EnvironmentProblem(f"the file discovery store {root} does not exist (the workers' "
                                 "DYN_FILE_KV; Dynamo's default is $TMPDIR/dynamo_store_kv)")
    mdc = base.joinpath(*MDC_DIR)
    if not mdc.is_dir():
        return [], []
    now = time.time() if now is None else now
    records, stale = [], []
    for path in sorted(mdc.rglob("*")):
        if not path.is_file() or path.name.startswith("."):
            continue
        key = "/".join(MDC_DIR) + "/" + unquote(str(path.relative_to(mdc)))
        try:
            info = path.stat()
            if info.st_size > MAX_CARD_BYTES:
                continue
            if now - info.st_mtime > STALE_AFTER_S:
                stale.append(key)
                continue
            records.append((key, path.read_bytes()))
        except OSError:
            continue  # removed while we listed it: a worker went away
    return records, stale
