"""Stopping `probe-launch` while the real vLLM worker loads (SIGINT) and while the engine holds the
repro (SIGTERM): exit 130, a partial bundle that says so, and no process of the run left, vLLM's
`VLLM::EngineCore` and `VLLM::Worker` included."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
from tokenizers import Tokenizer

from dynamo_toolcall_probe.errors import EXIT_INTERRUPTED
from dynamo_toolcall_probe.hook.records import load_worker_record
from engine.launching import SCRIPTS, WORKER_ARGS, EngineLaunch, tagged
from engine.tiny_model import script_ids

# A launch takes ~40-90 s here, minutes on a loaded shared machine: a wider per-test limit.
pytestmark = [pytest.mark.engine, pytest.mark.timeout(900)]


def _interrupted(launch: EngineLaunch) -> dict:
    code, _, err = launch.finish(timeout=120)
    assert code == EXIT_INTERRUPTED, err
    assert "interrupted" in err and "Traceback" not in err
    launch.assert_nothing_left()
    meta = json.loads((launch.out / "metadata.json").read_text())  # the partial bundle, kept
    assert "interrupted" in meta["error"]
    return meta


def test_sigint_while_the_engine_loads(engine_python, tiny_models, tmp_path):
    launch = EngineLaunch(tmp_path / "bundle", "--backend", "vllm", "--model",
                          str(tiny_models["hermes"]), "--parser", "hermes", "--", *WORKER_ARGS)
    launch.wait_until(launch.vllm_seen, "VLLM::* process (the engine core starting)")
    launch.proc.send_signal(signal.SIGINT)
    _interrupted(launch)
    assert (launch.out / "logs" / "worker.log").exists()


def _record_dir(launch: EngineLaunch) -> Path | None:
    for proc in tagged(launch.tag):
        try:
            found = proc.environ().get("DYNAMO_PROBE_RECORD_DIR")
        except Exception:
            continue
        if found:
            return Path(found)
    return None


def _holding_the_repro(launch: EngineLaunch) -> bool:
    """The hook has recorded the repro request: the worker has it and hands it to the engine.
    (Not the first recorded chunk: while the worker relays tokens, the hook's writer thread gets
    little time, and CI saw all 1500 chunks land in the file at once, after the last token.)"""
    records = _record_dir(launch)
    for path in records.glob("*.jsonl") if records else []:
        if '"type": "request"' in path.read_text():
            return True
    return False


def test_sigterm_while_the_engine_holds_the_repro(engine_python, tiny_models, tmp_path):
    # A model that never stops (a cyclic script) and 1500 tokens to generate. Once the worker has
    # the request, the engine is frozen (SIGSTOP): however fast the machine, the signal then lands
    # while the repro is in flight, and the launcher has to stop an engine that does not answer.
    request = tmp_path / "long.json"
    from dynamo_toolcall_probe.capture.repro import example_request

    request.write_text(json.dumps({**example_request(), "temperature": 0, "max_tokens": 1500}))
    model = tiny_models["cyclic"]
    launch = EngineLaunch(tmp_path / "bundle", "--backend", "vllm", "--model", str(model),
                          "--parser", "hermes", "--request", str(request), "--", *WORKER_ARGS)
    launch.wait_until(lambda: _holding_the_repro(launch), "recorded repro request")
    assert launch.freeze_engine(), "no VLLM::* process seen"
    launch.proc.send_signal(signal.SIGTERM)
    meta = _interrupted(launch)
    assert not (launch.out / "response.json").exists()  # the repro was in flight
    # Nothing lost: the hook's record of the interrupted request is in the partial bundle (the
    # prompt the engine was given), and whatever tokens the engine had produced are the start of
    # the scripted cycle.
    record = load_worker_record(launch.out / "worker_record", meta["request_id"])
    assert record is not None and record.prompt_token_ids and len(record.token_ids) < 1500
    tok = Tokenizer.from_file(str(model / "tokenizer.json"))
    cycle = script_ids(tok, SCRIPTS["cyclic"])
    assert record.token_ids == (cycle * 1500)[: len(record.token_ids)]
