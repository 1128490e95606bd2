"""Fixtures for the launch tests: a clean environment, fake Dynamo source trees, real wheels."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from launch_layouts import SHARED_HELPER_LAYOUT, write_tree

WHEEL_CACHE = Path(os.environ.get("PROBE_WHEEL_CACHE", Path.home() / ".cache" / "dynamo-toolcall-probe" / "wheels"))


@pytest.fixture
def base_env():
    """The test process's environment without any Dynamo setting that could leak into a plan."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("DYN_", "HF_TOKEN")) and k != "DYN_CHAT_PROCESSOR"}


@pytest.fixture(scope="session")
def dynamo_installed():
    if importlib.util.find_spec("dynamo") is None:
        pytest.skip("ai-dynamo is not installed in this interpreter")


@pytest.fixture
def gated_tree(tmp_path):
    return write_tree(tmp_path / "gated", SHARED_HELPER_LAYOUT, "1.5.1")


def _download_wheel(version: str) -> Path:
    """Unpacked ai-dynamo wheel (pure Python) from PyPI into a cache; skip when unreachable."""
    dest = WHEEL_CACHE / version
    src = dest / "src"
    if (src / "dynamo").is_dir():
        return src
    dest.mkdir(parents=True, exist_ok=True)
    try:
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q",
                               f"ai-dynamo=={version}", "-d", str(dest)],
                              capture_output=True, text=True, timeout=180)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"cannot download ai-dynamo {version}: {exc}")
    wheels = sorted(dest.glob("ai_dynamo-*.whl"))
    if proc.returncode != 0 or not wheels:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        pytest.skip(f"PyPI not reachable for ai-dynamo {version}: {tail}")
    with zipfile.ZipFile(wheels[0]) as zf:
        members = [m for m in zf.namelist() if m.startswith(("dynamo/sglang/", "dynamo/common/"))
                   or ".dist-info/" in m]
        zf.extractall(src, members)
    return src


@pytest.fixture(scope="session")
def wheel_sources():
    return _download_wheel
