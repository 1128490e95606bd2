"""Fixtures that run the real Dynamo frontend with our replay worker, and prove cleanup."""

from __future__ import annotations

import importlib.util

import psutil
import pytest

from dynamo_toolcall_probe.replay.stack import ReplayStack, ServedModel

needs_dynamo = pytest.mark.skipif(importlib.util.find_spec("dynamo") is None,
                                  reason="ai-dynamo not installed (run scripts/install)")

SERVED = [
    ServedModel("hermes", "hermes"),
    ServedModel("coder", "qwen3_coder"),
    ServedModel("noparser", None),
    ServedModel("hermes-think", "hermes", "qwen3"),
    ServedModel("kimi", "kimi_k2"),
    ServedModel("mistral", "mistral"),
    ServedModel("pythonic", "pythonic"),
]


def assert_gone(pids: list[int], ports: list[int]) -> None:
    alive = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"processes left behind: {alive}"
    listening = {c.laddr.port for c in psutil.net_connections("inet") if c.status == psutil.CONN_LISTEN}
    assert not (set(ports) & listening), f"ports still listening: {set(ports) & listening}"


@pytest.fixture(scope="session")
def stack():
    if importlib.util.find_spec("dynamo") is None:
        pytest.skip("ai-dynamo not installed (run scripts/install)")
    st = ReplayStack(SERVED).start()
    try:
        yield st
    finally:
        pids, port = st.supervisor.pids(), st.port
        st.stop()
        assert_gone(pids, [port])
