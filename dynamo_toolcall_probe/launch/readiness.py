"""Readiness in order (frontend, worker health, model listed) with progress while a model loads.

Every poll first checks that each child is still alive (a worker that dies while loading fails
the launch at once, with its log tail), then asks one HTTP question. Progress goes to stderr: a
live line with the elapsed time and the worker's last log line on a terminal, a plain line every
`PLAIN_EVERY` seconds otherwise (CI logs, pipes).
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable
from typing import Any

from ..replay.supervisor import Supervisor

PLAIN_EVERY = 15.0


class Progress:
    """Reports the elapsed time of a step and the worker's latest log line."""

    def __init__(self, supervisor: Supervisor | None, quiet: bool = False, stream=None) -> None:
        self.supervisor = supervisor
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.live = bool(getattr(self.stream, "isatty", lambda: False)()) and not quiet
        self._status: Any = None
        self._last_plain = 0.0

    def say(self, text: str) -> None:
        if not self.quiet:
            print(f"[probe-launch] {text}", file=self.stream, flush=True)

    def _worker_line(self) -> str:
        from .collect import strip_ansi

        for child in self.supervisor.children if self.supervisor else []:
            if child.spec.name == "worker":
                return " ".join(strip_ansi(child.log_tail(1)).split())[-100:]
        return ""

    def step(self, what: str) -> Callable[[float], None]:
        """The on_poll callback for one readiness step."""
        self._last_plain = 0.0

        def on_poll(elapsed: float) -> None:
            if self.quiet:
                return
            line = f"{what}: {elapsed:.0f}s"
            tail = self._worker_line()
            if self.live:
                if self._status is None:
                    from rich.console import Console

                    self._status = Console(file=self.stream).status(line)
                    self._status.start()
                room = max(0, shutil.get_terminal_size().columns - len(line) - 6)  # one line, no wrap
                self._status.update(f"{line}  [dim]{_escape(tail[-room:] if room else '')}[/dim]")
            elif elapsed - self._last_plain >= PLAIN_EVERY:
                self._last_plain = elapsed
                self.say(line + (f" | worker: {tail}" if tail else ""))
        return on_poll

    def done(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None


def _escape(text: str) -> str:
    return text.replace("[", "\\[")


_CLIENT: Any = None


def _client():
    # One client for every poll: a new one per poll costs more CPU than the poll itself.
    global _CLIENT
    if _CLIENT is None:
        import httpx

        _CLIENT = httpx.Client(timeout=2.0)
    return _CLIENT


def http_ok(url: str, accept_any: bool = False) -> Callable[[], bool]:
    """A readiness probe: GET url answers 200 (or, with accept_any, any HTTP answer)."""
    import httpx

    def probe() -> bool:
        try:
            reply = _client().get(url)
        except httpx.HTTPError:
            return False
        return accept_any or reply.status_code == 200
    return probe


def model_listed(base_url: str, name: str) -> Callable[[], bool]:
    import httpx

    def probe() -> bool:
        try:
            data = _client().get(f"{base_url}/v1/models").json()
        except (httpx.HTTPError, ValueError):
            return False
        return name in {m.get("id") for m in (data.get("data") or []) if isinstance(m, dict)}
    return probe


def wait_ready(supervisor: Supervisor, progress: Progress, deadline: float,
               steps: list[tuple[str, Callable[[], bool]]]) -> dict[str, float]:
    """Run the steps in order under one overall deadline; seconds each step took."""
    taken: dict[str, float] = {}
    start = time.monotonic()
    try:
        for what, ready in steps:
            left = max(0.1, deadline - (time.monotonic() - start))
            t0 = time.monotonic()
            supervisor.wait_until(ready, what, left, on_poll=progress.step(what), interval=0.2)
            taken[what] = round(time.monotonic() - t0, 2)
    finally:
        progress.done()
    return taken
