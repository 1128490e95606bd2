"""Readiness in order with progress, on real child processes (no Dynamo needed)."""

from __future__ import annotations

import io
import sys
import time

import pytest

from dynamo_toolcall_probe.errors import StartupFailed
from dynamo_toolcall_probe.launch import readiness
from dynamo_toolcall_probe.launch.readiness import Progress, wait_ready
from dynamo_toolcall_probe.replay.supervisor import ProcessSpec, Supervisor

LOADER = ("import sys, time\n"
          "for i in range(100):\n"
          "    print(f'loading shard {i}', flush=True); time.sleep(0.05)\n")


def test_steps_in_order_with_plain_progress_and_the_worker_log_tail(tmp_path, monkeypatch):
    monkeypatch.setattr(readiness, "PLAIN_EVERY", 0.1)
    out = io.StringIO()  # not a terminal: plain lines
    with Supervisor(tmp_path) as sup:
        sup.start(ProcessSpec("worker", [sys.executable, "-c", LOADER]))
        t0 = time.monotonic()
        order = []

        def after(seconds, name):
            def ready():
                if time.monotonic() - t0 >= seconds:
                    order.append(name)
                    return True
                return False
            return ready

        taken = wait_ready(sup, Progress(sup, stream=out), 30,
                           [("frontend", after(0.3, "frontend")), ("model listed", after(0.6, "model"))])
    assert order == ["frontend", "model"] and list(taken) == ["frontend", "model listed"]
    lines = out.getvalue().splitlines()
    assert any(line.startswith("[probe-launch] frontend: ") for line in lines)
    assert any("| worker: loading shard" in line for line in lines)


def test_a_child_that_dies_while_loading_fails_at_once_with_its_log(tmp_path):
    with Supervisor(tmp_path) as sup:
        sup.start(ProcessSpec("worker", [sys.executable, "-c",
                                         "print('CUDA out of memory', flush=True); raise SystemExit(3)"]))
        t0 = time.monotonic()
        with pytest.raises(StartupFailed, match=r"worker exited with code 3 during startup.*out of memory"):
            wait_ready(sup, Progress(sup, quiet=True), 60, [("model listed", lambda: False)])
        assert time.monotonic() - t0 < 30  # not the deadline: the exit was seen on a poll


def test_deadline(tmp_path):
    with Supervisor(tmp_path) as sup:
        sup.start(ProcessSpec("worker", [sys.executable, "-c", "import time; time.sleep(60)"]))
        with pytest.raises(StartupFailed, match="model listed not ready after"):
            wait_ready(sup, Progress(sup, quiet=True), 0.5, [("model listed", lambda: False)])
