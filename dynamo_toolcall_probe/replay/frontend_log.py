"""Fail fast when the frontend says it cannot serve the model, instead of waiting out a deadline.

Dynamo's frontend logs a model it found in discovery but could not build a pipeline for, then
(1.3+) retries with a backoff, for ever: `Model materialization failed; scheduling retry ...
attempt=N ... error="..."`, or (1.2) once: `Error adding model from discovery ... error="..."`.
Either way the model never appears in /v1/models, and a readiness loop would wait for its whole
deadline (30 minutes by default) to report nothing useful. This watcher reads the frontend's log
as it grows and raises `StartupFailed` naming Dynamo's own error once the failure is settled:
a retry failed the same way, or no retry followed within a short grace period.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from ..errors import StartupFailed

ANSI = re.compile(r"\x1b\[[0-9;]*m")
FAILURE = re.compile(r"Model materialization failed|Error adding model from discovery")
ERROR_FIELD = re.compile(r'\berror="((?:[^"\\]|\\.)*)"')
ATTEMPT = re.compile(r"\battempt=(\d+)")
# Resource exhaustion passes (replay sizes its frontends to the inotify budget, but another
# program may hold instances for a while): such an error is never taken as final.
TRANSIENT = re.compile(r"Too many open files|os error 24|Resource temporarily unavailable")
GRACE_S = 3.0  # a failure with no retry after this long is final


class MaterializationWatch:
    def __init__(self, log_path: Path, grace: float = GRACE_S) -> None:
        self.log_path = Path(log_path)
        self.grace = grace
        self._offset = 0
        self._partial = ""
        self._first: tuple[float, str] | None = None  # (when, error) of the first failure seen

    def _new_lines(self) -> list[str]:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self._offset)
                data = f.read()
        except OSError:
            return []
        self._offset += len(data)
        text = self._partial + data.decode(errors="replace")
        lines = text.split("\n")
        self._partial = lines.pop()  # an unfinished last line waits for the next read
        return lines

    def check(self) -> None:
        """Raise StartupFailed once the frontend has settled on not serving the model."""
        for raw in self._new_lines():
            line = ANSI.sub("", raw)
            if not FAILURE.search(line):
                continue
            found = ERROR_FIELD.search(line)
            error = found.group(1) if found else line.strip()[-200:]
            if TRANSIENT.search(error):
                continue
            attempt = ATTEMPT.search(line)
            if attempt and int(attempt.group(1)) >= 2 and self._first and self._first[1] == error:
                self._fail(error, f"retried {attempt.group(1)} times")
            if self._first is None:
                self._first = (time.monotonic(), error)
        if self._first and time.monotonic() - self._first[0] > self.grace:
            self._fail(self._first[1], f"no retry within {self.grace:.0f} s")

    def _fail(self, error: str, how: str) -> None:
        raise StartupFailed(f"the Dynamo frontend cannot serve the model ({how}): {error} "
                            f"(full log: {self.log_path})")
