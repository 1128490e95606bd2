"""The SGLang top-logprobs gate opened for the marked request only, exercised on the REAL
`dynamo/common/backend/logprobs.py` of ai-dynamo 1.5.1 (the gate exists in 1.3.0.post1–1.5.1)."""

from __future__ import annotations

import asyncio
import importlib.util
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest

from dynamo_toolcall_probe.hook.recorder import Recorder
from dynamo_toolcall_probe.hook.seam import patch_sglang_gate, wrap_handler

WHEELS = Path.home() / ".cache" / "dynamo-toolcall-probe" / "wheels" / "1.5.1"
MEMBER = "dynamo/common/backend/logprobs.py"


@pytest.fixture(scope="module")
def gate_module(tmp_path_factory):
    wheels = sorted(WHEELS.glob("ai_dynamo-1.5.1-*.whl"))
    if not wheels:
        try:
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "ai-dynamo==1.5.1",
                            "-d", str(WHEELS)], check=True, capture_output=True, timeout=180)
        except (subprocess.SubprocessError, OSError) as exc:
            pytest.skip(f"ai-dynamo 1.5.1 wheel unreachable: {exc}")
        wheels = sorted(WHEELS.glob("ai_dynamo-1.5.1-*.whl"))
        if not wheels:
            pytest.skip("ai-dynamo 1.5.1 wheel unreachable")
    target = tmp_path_factory.mktemp("dynamo151") / "logprobs_151.py"
    with zipfile.ZipFile(wheels[0]) as zf:
        target.write_bytes(zf.read(MEMBER))
    spec = importlib.util.spec_from_file_location("dynamo151_logprobs", target)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert hasattr(module, "sglang_top_logprobs_allowed")
    return module


class Ctx:
    def __init__(self, rid):
        self.rid = rid

    def id(self):
        return self.rid


def test_gate_open_for_the_marked_request_only(gate_module, tmp_path, monkeypatch):
    monkeypatch.delenv("DYN_SGL_ALLOW_TOP_LOGPROBS", raising=False)
    original = gate_module.sglang_top_logprobs_allowed
    assert patch_sglang_gate(gate_module) == "patched"
    assert patch_sglang_gate(gate_module) == "patched"  # idempotent
    marked = str(uuid.uuid4())
    rec = Recorder(str(tmp_path), ids=marked)

    async def sglang_like_generate(request, context):
        # as 1.5.1's decode handler does: the gate is read per request, via the module attribute
        for _ in range(3):
            await asyncio.sleep(0.001)
            kwargs = gate_module.build_sglang_logprob_kwargs(
                request["output_options"],
                allow_top_logprobs=gate_module.sglang_top_logprobs_allowed())
            yield {"token_ids": [1], "kwargs": kwargs}

    async def one(rid):
        gen = wrap_handler(sglang_like_generate, rec)({"output_options": {"logprobs": 2}}, Ctx(rid))
        try:
            return [item async for item in gen]
        except ValueError as exc:
            return exc

    async def all_at_once():
        return await asyncio.gather(one(marked), *(one(str(uuid.uuid4())) for _ in range(5)))

    try:
        results = asyncio.run(all_at_once())
    finally:
        gate_module.sglang_top_logprobs_allowed = original
        rec.close()
    marked_result, others = results[0], results[1:]
    assert [r["kwargs"]["top_logprobs_num"] for r in marked_result] == [2, 2, 2]
    for r in others:
        assert isinstance(r, ValueError)
        assert str(r).startswith("Dynamo's SGLang backend does not currently support logprobs >= 1")
    # outside any request the gate is the env var's, untouched
    assert gate_module.sglang_top_logprobs_allowed() is False


def test_env_gate_still_respected_for_unmarked(gate_module, monkeypatch):
    original = gate_module.sglang_top_logprobs_allowed
    try:
        patch_sglang_gate(gate_module)
        monkeypatch.setenv("DYN_SGL_ALLOW_TOP_LOGPROBS", "1")
        assert gate_module.sglang_top_logprobs_allowed() is True
        monkeypatch.setenv("DYN_SGL_ALLOW_TOP_LOGPROBS", "0")
        assert gate_module.sglang_top_logprobs_allowed() is False
    finally:
        gate_module.sglang_top_logprobs_allowed = original


def test_installed_dynamo_gate_state_is_reported():
    from dynamo_toolcall_probe.hook.seam import _gate_state_without_import

    state = _gate_state_without_import()
    if importlib.util.find_spec("dynamo") is None:
        pytest.skip("ai-dynamo not installed")
    from importlib.metadata import version

    if version("ai-dynamo").startswith("1.6"):
        assert state.startswith("absent") and "no-op" in state


def test_lazy_patches_fire_when_the_component_imports_them(tmp_path):
    if importlib.util.find_spec("dynamo") is None:
        pytest.skip("ai-dynamo not installed")
    code = ("import os, json\n"
            "from dynamo_toolcall_probe.hook.seam import install\n"
            "install(component='t')\n"
            "import dynamo.common.backend.logprobs, dynamo.common.backend.worker as w\n"
            "print(json.dumps({'run_patched': getattr(w.Worker.run, '_dynamo_probe_hook', False)}))\n")
    env = {**__import__("os").environ, "DYNAMO_PROBE_RECORD_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120, check=True)
    assert '"run_patched": true' in out.stdout
    from dynamo_toolcall_probe.hook import hook_status

    status = hook_status(tmp_path)
    assert "dynamo.common.backend.Worker.run" in status["seams"]
    assert status["sglang_gate"].startswith(("patched", "absent"))
