"""Dry run: exact commands and env for each backend, with and without the logprobs gate."""

import shlex
import subprocess
import sys

import pytest

from dynamo_toolcall_probe.launch import LaunchRequest
from dynamo_toolcall_probe.launch.dryrun import dry_run

GATE = "DYN_SGL_ALLOW_TOP_LOGPROBS"


def _command_line(text, name):
    lines = text.splitlines()
    start = lines.index(f"# {name}")
    return (lines[start + 1] + lines[start + 2]).replace("\\", " ")


@pytest.mark.parametrize("backend,module", [("vllm", "dynamo.vllm"), ("sglang", "dynamo.sglang"),
                                            ("trtllm", "dynamo.trtllm")])
def test_each_backend(dynamo_installed, base_env, backend, module):
    text = dry_run(LaunchRequest(backend, model="Qwen/Qwen2.5-7B-Instruct", parser="hermes",
                                 worker_args=("--hf-token", "hf_PlantedSecretValue0123456789abcd")),
                   base_env=base_env)
    assert "flags checked against the installed ai-dynamo" in text
    worker = shlex.split(_command_line(text, "worker"))
    assert worker[0] == "env" and "-m" in worker and module in worker
    assert "DYN_SYSTEM_HOST=127.0.0.1" in worker and "--dyn-tool-call-parser" in worker
    frontend = shlex.split(_command_line(text, "frontend"))
    assert "dynamo.frontend" in frontend and "-u" in frontend and "DYN_SYSTEM_PORT" in frontend
    assert "hf_PlantedSecret" not in text
    assert GATE not in text.split("# frontend")[1]  # never set for any backend here


def test_sglang_with_and_without_the_gate(dynamo_installed, base_env, gated_tree):
    gated = dry_run(LaunchRequest("sglang", model="m", parser="hermes", keep_serving=True,
                                  dynamo_sources=str(gated_tree)), base_env=base_env)
    assert "# SGLang logprobs gate: gated, ai-dynamo 1.5.1" in gated
    assert f"{GATE}=1" in _command_line(gated, "worker")
    assert f"set {GATE} [repro only]" in gated
    after = gated.split("after the repro")[1]
    assert f"{GATE}=1" not in after and "dynamo.sglang" in after
    free = dry_run(LaunchRequest("sglang", model="m", parser="hermes"), base_env=base_env)
    assert "# SGLang logprobs gate: not_gated" in free and f"{GATE}=1" not in free


def test_real_gated_wheel(dynamo_installed, base_env, wheel_sources):
    text = dry_run(LaunchRequest("sglang", model="m", parser="hermes",
                                 dynamo_sources=str(wheel_sources("1.5.1"))), base_env=base_env)
    assert "gated, ai-dynamo 1.5.1" in text and f"{GATE}=1" in text


def test_fixed_ports_are_rendered(dynamo_installed, base_env, tmp_path):
    text = dry_run(LaunchRequest("replay", replay_config=str(tmp_path / "c.yaml"), http_port=18080,
                                 system_port=18081, run_dir=str(tmp_path)), base_env=base_env)
    assert "--http-port 18080" in text and "DYN_SYSTEM_PORT=18081" in text
    assert "<HTTP_PORT>" not in text and "<RUN_DIR>" not in text


def test_import_is_light():
    code = ("import sys, dynamo_toolcall_probe.launch, dynamo_toolcall_probe.launch.dryrun, "
            "dynamo_toolcall_probe.launch.metadata, dynamo_toolcall_probe.redact\n"
            "print([m for m in ('dynamo', 'dynamo._core', 'torch', 'transformers', 'vllm', "
            "'sglang', 'tensorrt_llm') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
