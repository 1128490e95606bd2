"""The one process supervisor: start children, wait for readiness, tear the whole tree down.

Used by the replay stack, the demo, the launcher and the tests, so loopback binding and cleanup
are right everywhere at once. Each child gets its own session (process group) and a log file;
teardown sends TERM to every process group and descendant we started (walking the tree with
psutil, since some engines' schedulers leave their group), waits a grace period, then KILLs.
Never kills by name: only PIDs that descend from our own children.
"""

from __future__ import annotations

import os
import resource
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import StartupFailed


@dataclass
class ProcessSpec:
    name: str
    argv: list[str]
    env: dict[str, str | None] = field(default_factory=dict)  # changes; None removes a variable
    log_path: Path | None = None


@dataclass
class Child:
    spec: ProcessSpec
    popen: subprocess.Popen
    log_path: Path

    def log_tail(self, lines: int = 15) -> str:
        # Only the end of the file: this runs on every readiness poll while logs grow.
        try:
            with open(self.log_path, "rb") as f:
                f.seek(max(0, f.seek(0, os.SEEK_END) - 16384))
                text = f.read().decode(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.rstrip().splitlines()[-lines:])


def free_port(host: str = "127.0.0.1", below: int | None = None) -> int:
    """A port nobody listens on. `below`: the kernel's ephemeral range starts at 32768, but
    ai-dynamo-runtime 1.6.1 reads DYN_SYSTEM_PORT as an i16, so the worker's system port must be
    picked from a lower range."""
    import random

    if below is None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
            return s.getsockname()[1]
    for port in random.sample(range(20000, below), 200):
        if port_is_free(host, port):
            return port
    raise StartupFailed(f"no free port below {below} on {host}")


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def _raise_fd_limit() -> None:
    # One frontend serving dozens of models opens many sockets; the default soft limit (1024)
    # runs out at about 15 models.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


class Supervisor:
    def __init__(self, log_dir: Path, grace: float = 5.0) -> None:
        self.log_dir = Path(log_dir)
        self.grace = grace
        self.children: list[Child] = []
        # Extra checks run with every liveness check: each raises StartupFailed when a child,
        # though alive, has said it will never become ready (e.g. MaterializationWatch).
        self.checks: list[Callable[[], None]] = []

    def start(self, spec: ProcessSpec) -> Child:
        env = dict(os.environ)
        for key, value in spec.env.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        log_path = spec.log_path or self.log_dir / f"{spec.name}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(log_path, "ab") as log:
            try:
                popen = subprocess.Popen(spec.argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True,
                                         preexec_fn=_raise_fd_limit)
            except OSError as exc:
                raise StartupFailed(f"cannot start {spec.name} ({spec.argv[0]}): {exc.strerror}") from None
        child = Child(spec, popen, log_path)
        self.children.append(child)
        return child

    def check_alive(self, stage: str = "startup") -> None:
        for child in self.children:
            code = child.popen.poll()
            if code is not None:
                tail = child.log_tail(8).replace("\n", " | ")
                raise StartupFailed(f"{child.spec.name} exited with code {code} during {stage}"
                                    + (f"; log tail: {tail}" if tail else "")
                                    + f" (full log: {child.log_path})")
        for check in self.checks:
            check()

    def wait_until(self, ready: Callable[[], bool], what: str, timeout: float,
                   on_poll: Callable[[float], None] | None = None, interval: float = 0.05) -> None:
        start = time.monotonic()
        while True:
            self.check_alive()
            if ready():
                return
            elapsed = time.monotonic() - start
            if elapsed > timeout:
                tails = "; ".join(f"{c.spec.name}: {c.log_tail(3)}".replace("\n", " | ")
                                  for c in self.children)
                raise StartupFailed(f"{what} not ready after {timeout:.0f}s ({tails})")
            if on_poll:
                on_poll(elapsed)
            time.sleep(interval)

    def pids(self) -> list[int]:
        """Every live PID we are responsible for: our children and all their descendants."""
        import psutil

        found: list[int] = []
        for child in self.children:
            try:
                proc = psutil.Process(child.popen.pid)
                found.append(proc.pid)
                found += [p.pid for p in proc.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
        return found

    def stop(self) -> None:
        import psutil

        procs = []
        for pid in self.pids():
            try:
                procs.append(psutil.Process(pid))
            except psutil.NoSuchProcess:
                pass
        for child in self.children:
            try:
                os.killpg(child.popen.pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass
        for proc in procs:  # descendants that left the group
            try:
                proc.send_signal(signal.SIGTERM)
            except psutil.NoSuchProcess:
                pass
        _, alive = psutil.wait_procs(procs, timeout=self.grace)
        for proc in alive:
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(alive, timeout=self.grace)
        for child in self.children:
            try:
                child.popen.wait(timeout=self.grace)
            except subprocess.TimeoutExpired:
                child.popen.kill()
                child.popen.wait()
        self.children.clear()
        self.checks.clear()

    def __enter__(self) -> "Supervisor":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
