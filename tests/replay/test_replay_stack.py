"""The replay stack itself: model dir, worker, supervisor, replay of many parsers, demo."""

from __future__ import annotations

import importlib.util
import json
import sys
import time

import psutil
import pytest
from click.testing import CliRunner
from tokenizers import Tokenizer

from dynamo_toolcall_probe.cli.main import cli
from dynamo_toolcall_probe.errors import EXIT_PARSER_CONFIG, StartupFailed
from dynamo_toolcall_probe.replay.modeldir import builtin_model_dir
from dynamo_toolcall_probe.replay.script import TokenBytes
from dynamo_toolcall_probe.replay.stack import ReplayStack, ServedModel
from dynamo_toolcall_probe.replay.supervisor import ProcessSpec, Supervisor

needs_dynamo = pytest.mark.skipif(importlib.util.find_spec("dynamo") is None,
                                  reason="ai-dynamo not installed (run scripts/install)")


def test_builtin_tokenizer_keeps_markers_whole_and_round_trips(tmp_path):
    model = builtin_model_dir(tmp_path)
    assert builtin_model_dir(tmp_path) == model  # cached
    tok = Tokenizer.from_file(str(model / "tokenizer.json"))
    text = '<tool_call>\n{"name": "f", "arguments": {"city": "Zürich 日本 🙂"}}\n</tool_call><|im_end|>'
    enc = tok.encode(text, add_special_tokens=False)
    assert "<tool_call>" in enc.tokens and "</tool_call>" in enc.tokens
    assert tok.decode(enc.ids, skip_special_tokens=False) == text
    # Some token holds part of a multi-byte character, and TokenBytes gives its exact bytes.
    token_bytes = TokenBytes(tok)
    pieces = [token_bytes(i)[1] for i in enc.ids]
    assert bytes(b for p in pieces for b in p).decode() == text
    assert any(_partial_utf8(p) for p in pieces)


def _partial_utf8(data: list[int]) -> bool:
    try:
        bytes(data).decode()
        return False
    except UnicodeDecodeError:
        return True


@needs_dynamo
def test_worker_crash_at_startup_is_reported_fast_and_cleaned(tmp_path):
    sup = Supervisor(tmp_path)
    sup.start(ProcessSpec("worker", [sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"]))
    sleeper = sup.start(ProcessSpec("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"]))
    t0 = time.monotonic()
    with pytest.raises(StartupFailed, match="worker exited with code 3.*boom"):
        sup.wait_until(lambda: False, "never", timeout=30)
    assert time.monotonic() - t0 < 5
    sup.stop()
    assert not psutil.pid_exists(sleeper.popen.pid) or \
        psutil.Process(sleeper.popen.pid).status() == psutil.STATUS_ZOMBIE


@needs_dynamo
def test_teardown_walks_the_tree(tmp_path):
    # A child that spawns a grandchild in its own session, as SGLang's scheduler does.
    code = ("import subprocess, sys, time; "
            "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], start_new_session=True); "
            "time.sleep(60)")
    sup = Supervisor(tmp_path)
    sup.start(ProcessSpec("parent", [sys.executable, "-c", code]))
    deadline = time.monotonic() + 10
    while len(sup.pids()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    pids = sup.pids()
    assert len(pids) == 2
    sup.stop()
    assert all(not psutil.pid_exists(p) or psutil.Process(p).status() == psutil.STATUS_ZOMBIE for p in pids)


@needs_dynamo
@pytest.mark.e2e
def test_bad_parser_name_makes_startup_fail_cleanly():
    stack = ReplayStack([ServedModel("x", "no_such_parser")], timeout=15)
    try:
        stack.start()
    except StartupFailed:
        pass  # the worker or frontend refused it: fine, as long as it says so and cleans up
    else:
        stack.stop()
    assert not stack.supervisor.children


@needs_dynamo
@pytest.mark.e2e
def test_replay_all_parsers_and_demo_and_replay_cli(tmp_path):
    bundle = tmp_path / "bundle"
    res = CliRunner().invoke(cli, ["demo", "--out", str(bundle), "--json"])
    assert res.exit_code == EXIT_PARSER_CONFIG, res.output
    out = json.loads(res.output)
    assert out["verdict"] == "parser_config" and "--dyn-tool-call-parser hermes" in out["fix"]
    replay = {r["parser"]: r for r in out["replay"]}
    assert len(replay) >= 36
    assert replay["hermes"]["tool_calls"][0]["name"] == "get_weather"
    assert replay["qwen3_coder"]["tool_calls"] == [] and replay["qwen3_coder"]["agree"]
    for name in ("request.json", "response.json", "REPORT.md", "tokenizer/tokenizer.json"):
        assert (bundle / name).is_file()
    res = CliRunner().invoke(cli, ["replay", str(bundle), "--parser", "hermes", "--parser",
                                   "qwen3_coder", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["script"] == "token_ids"  # the bundle's tokenizer: exact ids replayed
    assert [r["parser"] for r in data["results"]] == ["hermes", "qwen3_coder"]
    assert data["results"][0]["tool_calls"] and not data["results"][1]["tool_calls"]
    res = CliRunner().invoke(cli, ["replay", str(bundle), "--parser", "nope"])
    assert res.exit_code == 2 and "unknown tool parser" in res.output
