"""Questions to the target interpreter: the subprocess answers match in-process ones; failures
are one-line EnvironmentProblems."""

import shutil
import subprocess
import sys

import pytest

from dynamo_toolcall_probe.errors import BadInput, EnvironmentProblem
from dynamo_toolcall_probe.launch import LaunchRequest, plan_launch, target


def test_subprocess_answers_match_in_process(dynamo_installed):
    names = ("ai-dynamo", "ai-dynamo-runtime", "tensorrt-llm")
    assert target.query("versions", names=list(names)) == target.package_versions(names)
    assert target.query("engine", module="tensorrt_llm", dist="tensorrt-llm") == \
        target.engine_status("tensorrt_llm", "tensorrt-llm")
    assert target.query("sources")["locations"] == target.dynamo_locations()
    assert "tensorrt_llm" not in sys.modules


def test_missing_interpreter():
    with pytest.raises(EnvironmentProblem, match="python interpreter not found"):
        target.query("parsers", "/nonexistent/bin/python")


def _python_without_dynamo():
    exe = shutil.which("python3")
    if not exe:
        return None
    probe = subprocess.run([exe, "-c", "import importlib.util as u; print(u.find_spec('dynamo'))"],
                           capture_output=True, text=True)
    return exe if probe.stdout.strip() == "None" else None


def test_interpreter_without_dynamo(base_env):
    exe = _python_without_dynamo()
    if exe is None:
        pytest.skip("every python3 on PATH has ai-dynamo")
    with pytest.raises(EnvironmentProblem, match="ai-dynamo is not usable in"):
        target.query("parsers", exe)
    req = LaunchRequest("vllm", model="m", parser="hermes", python=exe)
    with pytest.raises(EnvironmentProblem):
        plan_launch(req, base_env=base_env, strict=True)
    # A dry run still renders, with the reasons as warnings.
    soft = plan_launch(req, base_env=base_env, strict=False)
    assert soft.flags is None and any("ai-dynamo is not usable" in w for w in soft.warnings)
    assert soft.worker.argv[0] == exe
    with pytest.raises(BadInput):  # conflicts need no Dynamo and are always refused
        plan_launch(LaunchRequest("sglang", model="m", parser="hermes", python=exe,
                                  worker_args=("--tool-call-parser", "x")), base_env=base_env,
                    strict=False)
