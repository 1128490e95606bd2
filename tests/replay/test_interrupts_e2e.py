"""SIGINT or SIGTERM to `dynamo-probe demo` or `dynamo-probe replay` at any moment leaves no
process behind and exits 130 (issue 13: one process-lifetime policy for every command that
starts processes). The real CLI, the real frontend and our replay worker; every descendant
carries a tag, and after the run none does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from processes import assert_nothing_left, command_line, tagged

from dynamo_toolcall_probe.errors import EXIT_INTERRUPTED

pytestmark = pytest.mark.skipif(
    __import__("importlib").util.find_spec("dynamo") is None,
    reason="ai-dynamo not installed (run scripts/install)")

PROBE = [str(Path(sys.executable).parent / "dynamo-probe")]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "bundle"
    done = subprocess.run([*PROBE, "demo", "--no-replay", "--out", str(out)], capture_output=True,
                          text=True, timeout=240)
    assert (out / "response.json").exists(), done.stderr[-2000:]
    return out


def interrupt(argv: list[str], sig: signal.Signals, after: float | None, tmp_path: Path) -> int:
    """Signal the command `after` seconds in (None: as soon as it has a Dynamo child); the number
    of its descendants alive at that moment."""
    tag = uuid.uuid4().hex
    env = {**os.environ, "PROBE_TEST_TAG": tag}
    proc = subprocess.Popen(argv, env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    if after is not None:
        time.sleep(after)
    else:
        deadline = time.monotonic() + 60
        while not any("dynamo" in command_line(p) for p in tagged(tag) if p.pid != proc.pid):
            assert time.monotonic() < deadline and proc.poll() is None, "no Dynamo child started"
            time.sleep(0.02)
    started = len(tagged(tag)) - 1  # the command's own descendants at the moment of the signal
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=90)
    if proc.returncode < 0:  # killed by the signal while Python was still starting up
        assert started == 0, f"{argv[1]} died of the signal with {started} children started"
    elif proc.returncode != EXIT_INTERRUPTED:  # it may have finished first: then it said so
        assert proc.returncode in (0, 11), f"{argv[1]} exit {proc.returncode}: {err[-1500:]}"
    else:
        assert err.strip().endswith("interrupted"), err[-1500:]
    assert_nothing_left(tag)
    return started


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_demo_interrupted_at_any_moment_leaves_nothing(tmp_path, sig):
    seen = [interrupt([*PROBE, "demo", "--out", str(tmp_path / f"b{i}")], sig, after, tmp_path)
            for i, after in enumerate((0.3, 0.6, 1.0, 1.5, None))]
    assert seen[-1] > 0, "the last signal must find children to stop"


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_replay_interrupted_at_any_moment_leaves_nothing(tmp_path, bundle, sig):
    seen = [interrupt([*PROBE, "replay", str(bundle), "--all-parsers", "--json"], sig, after,
                      tmp_path) for after in (0.3, 0.6, 1.0, 1.5, None)]
    assert seen[-1] > 0, "the last signal must find children to stop"
