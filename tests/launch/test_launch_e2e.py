"""`probe-launch` end to end on CPU: the real CLI process, the real Dynamo frontend, our replay
worker through the hook, and faults injected at every stage. Each test proves that nothing the
run started is left behind: every child inherits a unique tag in its environment, and after the
run no process carries it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest
from processes import assert_nothing_left, tagged

from dynamo_toolcall_probe.errors import (EXIT_BAD_INPUT, EXIT_ENVIRONMENT, EXIT_INTERRUPTED,
                                          EXIT_MODEL, EXIT_PARSER_CONFIG, EXIT_STARTUP, EXIT_OK)

pytestmark = pytest.mark.skipif(
    __import__("importlib").util.find_spec("dynamo") is None,
    reason="ai-dynamo not installed (run scripts/install)")

PROBE_LAUNCH = [sys.executable, "-m", "dynamo_toolcall_probe.cli.launch"]
HERMES = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "Paris"}}\n</tool_call>'


class Launch:
    """One `probe-launch` process with a tag its descendants inherit."""

    def __init__(self, tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.tag = uuid.uuid4().hex
        self.out = tmp_path / "bundle"
        env = {**os.environ, **(env or {}), "PROBE_TEST_TAG": self.tag}
        self.proc = subprocess.Popen([*PROBE_LAUNCH, "--out", str(self.out), *args], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.stderr = ""

    def wait_for(self, text: str, timeout: float = 60) -> None:
        """Read stderr until `text` appears (progress lines are flushed one by one)."""
        deadline = time.monotonic() + timeout
        while text not in self.stderr:
            assert time.monotonic() < deadline, f"never saw {text!r}: {self.stderr}"
            line = self.proc.stderr.readline()
            assert line or self.proc.poll() is None, f"exited early: {self.stderr}"
            self.stderr += line

    def finish(self, timeout: float = 120) -> tuple[int, str, str]:
        out, err = self.proc.communicate(timeout=timeout)
        self.stderr += err
        assert_nothing_left(self.tag)
        return self.proc.returncode, out, self.stderr


def script_file(tmp_path: Path, **script) -> str:
    path = tmp_path / "script.json"
    path.write_text(json.dumps(script))
    return str(path)


def test_wrong_parser_end_to_end(tmp_path):
    secret = "hf_planted" + uuid.uuid4().hex
    run = Launch(tmp_path, "--backend", "replay", "--parser", "qwen3_coder", "--json",
                 env={"HF_TOKEN": secret, "DYN_LOG": "debug"})
    code, out, err = run.finish()
    assert code == EXIT_PARSER_CONFIG, err
    for path in run.out.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), f"secret in {path}"
    result = json.loads(out)
    assert result["verdict"] == "parser_config"
    assert result["raw_source"] == "worker_token_ids" and result["exact"] is True
    assert "hermes" in result["suggested_parsers"]
    assert "replay confirmed: hermes, qwen25" in result["fix"]  # proven on Dynamo's own parsers
    names = {p.name for p in run.out.rglob("*") if p.is_file()}
    assert {"request.json", "response.json", "diagnosis.json", "REPORT.md", "metadata.json",
            "frontend.log", "worker.log", "tokenizer.json", "hook-status.json", "replay.json"} <= names
    meta = json.loads((run.out / "metadata.json").read_text())
    assert meta["launch"]["worker"]["argv"][2] == "dynamo_toolcall_probe.hook"
    assert meta["packages"]["ai-dynamo"] and meta["missing"] == []
    assert meta["gpu"]  # says what it found, or that there is no GPU here
    report = (run.out / "REPORT.md").read_text()  # the four items a Dynamo bug report asks for
    assert "- ai-dynamo: " in report and "dynamo_toolcall_probe.hook dynamo_toolcall_probe.replay.worker" in report
    assert "python3 -m dynamo.frontend" in report or "-m dynamo.frontend" in report


def test_correct_parser_with_streaming_compare(tmp_path):
    run = Launch(tmp_path, "--backend", "replay", "--parser", "hermes", "--stream-too",
                 "--replay-script", script_file(tmp_path, text=HERMES, chunk_size=2), "--json")
    code, out, err = run.finish()
    assert code == EXIT_OK, err
    result = json.loads(out)
    assert result["verdict"] == "ok"
    assert (run.out / "response.stream.txt").read_bytes().startswith(b"data: ")


def test_bad_parser_name_starts_nothing(tmp_path):
    run = Launch(tmp_path, "--backend", "replay", "--parser", "hermez")
    code, _, err = run.finish()
    assert code == EXIT_BAD_INPUT
    assert "did you mean hermes" in err and "Traceback" not in err
    assert "starting" not in err


def test_missing_engine_is_an_environment_problem(tmp_path):
    run = Launch(tmp_path, "--backend", "vllm", "--model", "Qwen/Qwen2.5-7B-Instruct",
                 "--parser", "hermes")
    code, _, err = run.finish()
    assert code == EXIT_ENVIRONMENT
    assert "needs the vllm package" in err and "Traceback" not in err


def test_port_taken(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        run = Launch(tmp_path, "--backend", "replay", "--parser", "hermes", "--http-port", str(port))
        code, _, err = run.finish()
    assert code == EXIT_ENVIRONMENT
    assert f"port {port}" in err and "in use" in err


def test_worker_exits_during_load(tmp_path):
    run = Launch(tmp_path, "--backend", "replay", "--parser", "hermes", "--json", "--",
                 "--no-such-flag")
    code, out, err = run.finish()
    assert code == EXIT_STARTUP
    failure = json.loads(out)  # --json: an object for scripts even when the launch fails
    assert failure["verdict"] is None and failure["exit_code"] == EXIT_STARTUP
    assert failure["bundle"] == str(run.out) and "worker exited" in failure["error"]
    assert "worker exited with code" in err and "no-such-flag" in err
    meta = json.loads((run.out / "metadata.json").read_text())  # a partial bundle, kept
    assert "worker exited" in meta["error"]
    assert (run.out / "logs" / "worker.log").exists()


def test_unknown_frontend_flag_is_refused_before_starting(tmp_path):
    run = Launch(tmp_path, "--backend", "replay", "--parser", "hermes",
                 "--frontend-arg=--no-such-frontend-flag")
    code, _, err = run.finish()
    assert code == EXIT_BAD_INPUT
    assert "--no-such-frontend-flag" in err and "starting" not in err


def test_frontend_dies(tmp_path):
    slow = script_file(tmp_path, text=HERMES, delay_s=2)
    run = Launch(tmp_path, "--backend", "replay", "--parser", "hermes", "--replay-script", slow)
    run.wait_for("sending the repro request")
    frontend = [p for p in tagged(run.tag) if "dynamo.frontend" in p.cmdline()]
    assert frontend
    frontend[0].kill()
    code, _, err = run.finish()
    assert code == EXIT_STARTUP, err
    assert "frontend exited with code -9 during the repro" in err and "Traceback" not in err


def test_readiness_deadline(tmp_path):
    run = Launch(tmp_path, "--backend", "replay", "--parser", "hermes", "--timeout", "3",
                 "--", "--load-delay", "60")
    code, _, err = run.finish()
    assert code == EXIT_STARTUP
    assert "not ready after" in err


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_during_load(tmp_path, sig):
    run = Launch(tmp_path, "--backend", "replay", "--parser", "hermes", "--", "--load-delay", "60")
    run.wait_for("starting the replay worker")
    time.sleep(1.5)  # well inside the simulated load
    run.proc.send_signal(sig)
    code, _, err = run.finish()
    assert code == EXIT_INTERRUPTED, err
    assert "interrupted" in err and "Traceback" not in err
    meta = json.loads((run.out / "metadata.json").read_text())
    assert "interrupted" in meta["error"]


def test_sigint_during_the_request(tmp_path):
    slow = script_file(tmp_path, text=HERMES, chunk_size=1, delay_s=0.5)
    run = Launch(tmp_path, "--backend", "replay", "--parser", "hermes", "--replay-script", slow)
    run.wait_for("sending the repro request")
    time.sleep(0.5)
    run.proc.send_signal(signal.SIGINT)
    code, _, err = run.finish()
    assert code == EXIT_INTERRUPTED, err
    assert (run.out / "logs" / "worker.log").exists()


def test_keep_serving_leaves_a_working_stack_until_stopped(tmp_path):
    import httpx

    run = Launch(tmp_path, "--backend", "replay", "--parser", "qwen3_coder", "--keep-serving",
                 "--no-replay", "--json")
    out, err = run.proc.communicate(timeout=120)
    try:
        assert run.proc.returncode == EXIT_PARSER_CONFIG, err  # default script: hermes text
        kept = json.loads(out)["launch"]
        assert kept["kept_pids"], err
        models = httpx.get(kept["url"] + "/v1/models", timeout=5).json()
        assert models["data"], "the kept stack serves the model"
    finally:
        for proc in tagged(run.tag):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                pass
        psutil.wait_procs(tagged(run.tag), timeout=10)
    assert_nothing_left(run.tag)


def test_an_empty_answer_is_diagnosed(tmp_path):
    run = Launch(tmp_path, "--backend", "replay", "--parser", "hermes", "--json",
                 "--replay-script", script_file(tmp_path, token_ids=[], finish_reason="stop"))
    code, out, err = run.finish()
    # The hook's record makes the empty answer a known raw output (not "no logprobs"); with
    # tools offered, no call and no text is the model's choice (issue 11 rule 7).
    assert code == EXIT_MODEL, err
    result = json.loads(out)
    assert result["verdict"] == "model" and result["raw_source"] == "worker_token_ids"
    assert any(f["check"] == "no_call" and "no text at all" in f["message"]
               for f in result["findings"])


def test_when_analysis_fails_the_captured_response_is_kept(tmp_path, monkeypatch):
    # In-process, with the real stack: only our analysis step is made to fail.
    import dynamo_toolcall_probe.analysis as analysis
    from dynamo_toolcall_probe.launch.run import LaunchOptions, run_launch
    from dynamo_toolcall_probe.launch.spec import LaunchRequest

    def broken(*args, **kwargs):
        raise RuntimeError("analysis exploded")

    monkeypatch.setattr(analysis, "analyze", broken)
    out = tmp_path / "bundle"
    with pytest.raises(RuntimeError, match="exploded"):
        run_launch(LaunchRequest(backend="replay", parser="hermes", hook=True),
                   LaunchOptions(out=str(out), quiet=True))
    assert json.loads((out / "response.json").read_bytes())["choices"]
    meta = json.loads((out / "metadata.json").read_text())
    assert "analysis exploded" in meta["error"]
