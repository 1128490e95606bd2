"""One process-lifetime policy for every command that starts processes (demo, replay, bisect,
probe-launch, attach's inference): installed once by the CLI, not per command.

- SIGINT and SIGTERM take the same path. The first one marks the process as stopping, starts
  tearing down every supervisor's children at once (a thread of its own, so a main thread that is
  waiting for worker threads, or an HTTP reply, is not what holds the teardown up), and raises
  KeyboardInterrupt in the main thread. The CLI then waits for the teardown and exits 130.
- A child is registered in the same breath as it is started: `Supervisor.start` blocks both
  signals around `Popen` and the registration, so a signal that arrives before the first child
  is registered still finds every child it must stop.
- Once stopping, nothing new starts (`check()` raises), and readiness loops in other threads
  end at their next poll.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import weakref
from typing import TYPE_CHECKING, Iterator

from ..errors import Interrupted

if TYPE_CHECKING:
    from .supervisor import Supervisor

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_supervisors: "weakref.WeakSet[Supervisor]" = weakref.WeakSet()
_lock = threading.Lock()
_stopping = threading.Event()
_teardown: threading.Thread | None = None


def register(supervisor: "Supervisor") -> None:
    with _lock:
        _supervisors.add(supervisor)


def stopping() -> bool:
    return _stopping.is_set()


def check() -> None:
    """Raise Interrupted once a signal asked the process to stop (called before any start and on
    every readiness poll, from any thread)."""
    if _stopping.is_set():
        raise Interrupted("interrupted")


@contextlib.contextmanager
def signals_blocked() -> Iterator[None]:
    """Hold SIGINT/SIGTERM (delivered right after) while a child is started and registered."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals are only ever delivered to the main thread's handler
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def teardown_all() -> None:
    """Stop every registered supervisor's children (each stop is idempotent)."""
    with _lock:
        supervisors = list(_supervisors)
    for supervisor in supervisors:
        supervisor.stop()


def _on_signal(signum, frame) -> None:
    global _teardown
    if _stopping.is_set():
        return  # a second Ctrl-C while tearing down: the teardown is already under way
    _stopping.set()
    _teardown = threading.Thread(target=teardown_all, name="probe-teardown", daemon=True)
    _teardown.start()
    raise KeyboardInterrupt


def wait_for_teardown(timeout: float = 60.0) -> None:
    """Finish what the signal started; then stop anything started since (belt and braces)."""
    if _teardown is not None:
        _teardown.join(timeout)
    teardown_all()


def install() -> None:
    """The handlers, as early as the CLI can set them (main thread only)."""
    if threading.current_thread() is threading.main_thread():
        for s in SIGNALS:
            signal.signal(s, _on_signal)


@contextlib.contextmanager
def policy() -> Iterator[None]:
    """Install the handlers for the duration of one CLI command (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _on_signal) for s in SIGNALS}
    try:
        yield
    except KeyboardInterrupt:
        _stopping.set()
        with signals_blocked():
            wait_for_teardown()
        raise
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def reset() -> None:
    """Forget a finished stop (tests run many commands in one process)."""
    global _teardown
    _stopping.clear()
    _teardown = None
