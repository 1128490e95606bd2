"""Metadata: versions without importing engines, GPU said absent, no host identity unless asked."""

import json
import platform
import subprocess
import sys

from dynamo_toolcall_probe.launch import LaunchRequest, plan_launch
from dynamo_toolcall_probe.launch.metadata import collect_metadata, gpu_info, torch_cuda
from dynamo_toolcall_probe.redact import REDACTED

SECRET = "hf_PlantedSecretValue0123456789abcd"


def _fake_smi(stdout, code=0):
    def run(argv, **kw):
        assert argv[1].startswith("--query-gpu=") and "--format=csv,noheader,nounits" in argv
        return subprocess.CompletedProcess(argv, code, stdout, "")
    return run


def test_no_gpu_here_is_said():
    info = gpu_info(which=lambda _: None)
    assert info["available"] is False and "nvidia-smi not found" in info["why"]


def test_gpu_from_nvidia_smi_without_uuid_unless_asked():
    out = "NVIDIA H100 80GB HBM3, 550.54.15, 81559, 9.0, GPU-0a1b2c3d-aaaa\n"
    info = gpu_info(run=_fake_smi(out), which=lambda _: "/usr/bin/nvidia-smi")
    assert info["count"] == 1 and info["gpus"][0] == {
        "name": "NVIDIA H100 80GB HBM3", "driver_version": "550.54.15",
        "memory_total_mib": "81559", "compute_cap": "9.0"}
    full = gpu_info(True, run=_fake_smi(out), which=lambda _: "/usr/bin/nvidia-smi")
    assert full["gpus"][0]["uuid"] == "GPU-0a1b2c3d-aaaa"
    failed = gpu_info(run=_fake_smi("", 9), which=lambda _: "/usr/bin/nvidia-smi")
    assert failed["available"] is False and "exit 9" in failed["why"]


def test_torch_cuda_from_version_string():
    assert torch_cuda({"torch": "2.5.1+cu124"})["cuda"] == "12.4"
    assert torch_cuda({"torch": "2.9.0+cu130"})["cuda"] == "13.0"
    assert torch_cuda({"torch": None})["torch"] is None


def test_metadata_collects_and_hides(dynamo_installed, base_env, tmp_path):
    env = {**base_env, "HF_TOKEN": SECRET}
    p = plan_launch(LaunchRequest("sglang", model="Qwen/Qwen2.5-7B-Instruct", parser="hermes",
                                  worker_args=("--api-key", SECRET)), base_env=env, strict=False)
    dump = tmp_path / "worker-config.json"
    dump.write_text(json.dumps({"system_info": {"hostname": "gpu-node-17"},
                                "environment": {"HF_TOKEN": SECRET, "HOSTNAME": "gpu-node-17"},
                                "config": {"dyn_tool_call_parser": "hermes",
                                           "structural_tag": {"scope": "always"}}}))
    before = set(sys.modules)
    meta = collect_metadata(p, dump_configs={"worker": dump, "frontend": tmp_path / "absent.json"},
                            which=lambda _: None)
    assert not {"torch", "vllm", "sglang", "tensorrt_llm"} & (set(sys.modules) - before)
    text = json.dumps(meta)
    assert SECRET not in text and "gpu-node-17" not in text
    node = platform.node()
    assert "hostname" not in meta["platform"] and (len(node) < 4 or node not in text)
    assert meta["packages"]["ai-dynamo"] and meta["packages"]["ai-dynamo-runtime"]
    assert meta["platform"]["python"] == platform.python_version()
    assert meta["gpu"]["available"] is False
    assert meta["structural_tag"]["mode"] == "default_on"
    assert meta["logprobs_gate"]["status"] == "not_gated"
    worker = meta["launch"]["worker"]
    assert worker["argv"][worker["argv"].index("--api-key") + 1] == REDACTED
    assert {c["name"] for c in meta["env_changes"]["worker"]} >= {"DYN_SYSTEM_PORT", "DYN_FILE_KV"}
    assert all(c["reason"] for c in meta["env_changes"]["frontend"])
    assert meta["dump_config"]["worker"]["config"]["config"]["dyn_tool_call_parser"] == "hermes"
    assert "error" in meta["dump_config"]["frontend"]

    with_host = collect_metadata(p, include_host=True, dump_configs={"worker": dump},
                                 which=lambda _: None)
    assert with_host["platform"]["hostname"] == node
    assert with_host["dump_config"]["worker"]["config"]["system_info"]["hostname"] == "gpu-node-17"
    assert SECRET not in json.dumps(with_host)  # secrets stay hidden even with host info
