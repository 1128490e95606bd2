"""Running the engine environment's CLI as a user does, and proving that nothing is left running.

Every launch carries a unique tag in its environment; each descendant inherits it (vLLM's
`VLLM::EngineCore` and `VLLM::Worker` included, whatever their process titles say), so "nothing
left" is a question about the tag, not about names.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
import uuid
from pathlib import Path

import psutil

from engine.tiny_model import Script

REPO = Path(__file__).resolve().parents[2]
VENV = REPO / ".venv-vllm"
# What the CPU worker needs on this kind of machine (versions-and-engines.md): the engine's own
# flags go after `--` and its settings in the environment, as a user would pass them.
ENGINE_ENV = {"VLLM_TARGET_DEVICE": "cpu", "VLLM_CPU_KVCACHE_SPACE": "1", "HF_HUB_OFFLINE": "1"}
WORKER_ARGS = ("--enforce-eager", "--max-model-len", "2048", "--dtype", "float32",
               "--gpu-memory-utilization", "0.3")
HERMES_CALL = ('<tool_call>\n{"name": "get_weather", "arguments": {"location": "Paris"}}\n'
               '</tool_call>')
SCRIPTS = {
    "hermes": Script(HERMES_CALL),
    "truncated": Script(HERMES_CALL[: HERMES_CALL.index("Paris") + 3]),  # ... "location": "Par
    "cyclic": Script(" The answer is sunny and warm today.", cyclic=True),
}


def engine_bin(name: str) -> str:
    return str(VENV / "bin" / name)


_LAUNCHES: list["EngineLaunch"] = []


def abort_unfinished() -> None:
    """Stop every launch whose launcher still runs (a test failed while waiting on it)."""
    while _LAUNCHES:
        launch = _LAUNCHES.pop()
        if launch.proc.poll() is None:
            launch.abort()


def tagged(tag: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["pid"]):
        try:
            if proc.environ().get("PROBE_TEST_TAG") == tag and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def _title(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline()[:4]).strip() or proc.name()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return "?"


def _alive(proc: psutil.Process) -> bool:
    # is_running() also compares the start time, so a reused pid is not mistaken for ours.
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


class EngineLaunch:
    """One `probe-launch` of the engine environment, and every process it ever started.

    A watcher thread walks the process tree from the launcher (and from everything found so far,
    so processes left serving are followed after the launcher exits) and also collects processes
    carrying the launch's tag in their environment. Both are needed: vLLM renames its processes
    (`VLLM::EngineCore`, `VLLM::Worker`) with setproctitle, which overwrites the memory that
    /proc/<pid>/environ shows, so the tag disappears from them; and a process whose parent died
    leaves the tree. A process is identified by pid and start time (pids are reused).
    """

    def __init__(self, out: Path, *args: str) -> None:
        self.tag = uuid.uuid4().hex
        self.out = out
        env = {**os.environ, **ENGINE_ENV, "PROBE_TEST_TAG": self.tag}
        self.proc = subprocess.Popen([engine_bin("probe-launch"), "--out", str(out), *args],
                                     env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        self.stderr = ""
        self.seen: dict[int, psutil.Process] = {}
        self.titles: dict[int, str] = {}  # the latest title of each process seen
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._watcher.start()
        _LAUNCHES.append(self)

    def _scan(self) -> None:
        roots = [psutil.Process(self.proc.pid)] if self.proc.poll() is None else []
        with self._lock:
            roots += [p for p in self.seen.values() if _alive(p)]
        found = tagged(self.tag)
        for root in roots:
            try:
                found += [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
        with self._lock:
            for proc in found:
                if _alive(proc):
                    self.seen.setdefault(proc.pid, proc)
                    self.titles[proc.pid] = _title(proc)

    def _watch(self) -> None:
        while not self._stop.is_set():
            self._scan()
            self._stop.wait(0.3)

    def vllm_seen(self) -> list[str]:
        with self._lock:
            return [t for t in self.titles.values() if t.startswith("VLLM::")]

    def freeze_engine(self) -> list[psutil.Process]:
        """SIGSTOP this launch's engine processes (`VLLM::*`): the request in flight stays in
        flight, however fast the machine, until the launcher's teardown kills them."""
        self._scan()
        with self._lock:
            engine = [p for pid, p in self.seen.items()
                      if self.titles.get(pid, "").startswith("VLLM::") and _alive(p)]
        for proc in engine:
            proc.suspend()
        return engine

    def left(self) -> list[tuple[int, str]]:
        self._scan()
        with self._lock:
            procs = [p for p in self.seen.values() if p.pid != self.proc.pid and _alive(p)]
            return [(p.pid, self.titles.get(p.pid, "?")) for p in procs]

    def wait_until(self, condition, what: str, timeout: float = 600) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert self.proc.poll() is None, f"exited before {what}: {self.proc.stderr.read()}"
            assert time.monotonic() < deadline, f"no {what} after {timeout} s"
            time.sleep(0.3)

    def finish(self, timeout: float = 800) -> tuple[int, str, str]:
        """Wait for the launcher; the watcher keeps following what it left (--keep-serving)."""
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.abort()
            raise
        self.stderr += err
        return self.proc.returncode, out, self.stderr

    def assert_nothing_left(self, timeout: float = 5) -> None:
        deadline = time.monotonic() + timeout
        while (left := self.left()) and time.monotonic() < deadline:
            time.sleep(0.2)
        self._stop.set()
        assert not left, f"left running: {left} (seen: {self.titles})"

    def abort(self) -> None:
        """A test gave up on this launch: SIGTERM the launcher (its own teardown runs), then KILL
        whatever of the launch is still there."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.communicate()
        self.stop_kept([])

    def stop_kept(self, pids: list[int]) -> None:
        """What a user does after `--keep-serving`: `kill -TERM <pids>`; then KILL what is left.
        Only processes of this launch are signalled, never anything found by name."""
        self._scan()
        with self._lock:
            procs = [p for p in self.seen.values() if p.pid != self.proc.pid and _alive(p)]
        assert {p.pid for p in procs} >= {pid for pid in pids if psutil.pid_exists(pid)}
        for proc in procs:
            try:
                proc.resume()  # a frozen process would hold SIGTERM pending until SIGKILL
                proc.terminate()
            except psutil.NoSuchProcess:
                pass
        _, alive = psutil.wait_procs(procs, timeout=30)
        for proc in alive:
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(alive, timeout=10)
