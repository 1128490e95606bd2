"""The split-invariance sweep through the real 1.6.1 frontend: the pythonic parser's streaming
path depends on how the tokens are chunked (non-streaming extracts the call; 3 tokens in the
first chunk lose it), hermes does not. Through `dynamo-probe replay --split-sweep` as a user runs
it, and inside `attach`, which sweeps when it sees a streaming difference."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dynamo_toolcall_probe.replay.stack import ReplayStack, ServedModel

pytestmark = pytest.mark.skipif(
    __import__("importlib").util.find_spec("dynamo") is None,
    reason="ai-dynamo not installed (run scripts/install)")

CASES = Path(__file__).parent.parent / "cases"
PROBE = str(Path(sys.executable).parent / "dynamo-probe")
PYTHONIC = '[get_weather(location="Paris")]'
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"location": {"type": "string"}}}}}]


def sweep(case: str, parser: str) -> dict:
    d = CASES / case
    done = subprocess.run([PROBE, "replay", str(d / "response.json"), "--request",
                           str(d / "request.json"), "--parser", parser, "--split-sweep", "6",
                           "--json"], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-1500:]
    return json.loads(done.stdout)["split_sweep"]


def test_the_sweep_finds_the_chunkings_that_break_pythonic_and_none_for_hermes():
    pythonic = sweep("11-pythonic-non-streaming-correct", "pythonic")
    assert pythonic["tried"] == 8 + 6  # every uniform size up to 8, and the random splits
    broken = {d["chunking"]: d for d in pythonic["diverged"]}
    assert "3 tokens per chunk" in broken and "1 token per chunk" not in broken
    three = broken["3 tokens per chunk"]
    assert "tool_calls" in three["difference"] and three["chunk_sizes"] == [3]
    assert three["boundaries"][:2] == [len(three["first_chunks"][0]),
                                       len(three["first_chunks"][0]) + len(three["first_chunks"][1])]
    assert pythonic["reference"]["tool_calls"], "non-streaming extracts the calls"
    hermes = sweep("01-hermes-correct", "hermes")
    assert hermes["tried"] == 14 and hermes["diverged"] == []


def test_attach_sweeps_when_streaming_differs(tmp_path):
    from dynamo_toolcall_probe.capture.attach import run_attach

    with ReplayStack([ServedModel("py", "pythonic")]) as stack:
        stack.set_script("py", {"text": PYTHONIC, "chunk_size": 3})
        request = {"messages": [{"role": "user", "content": "Weather in Paris?"}], "tools": TOOLS}
        result = run_attach(stack.base_url, "py", request, "pythonic", None, {}, True,
                            str(tmp_path / "bundle"), discovery="none")
    d = result.diagnosis
    assert d.verdict == "parser_logic"
    assert d.split_sweep is not None and d.split_sweep["parser"] == "pythonic"
    assert any(x["chunking"] == "3 tokens per chunk" for x in d.split_sweep["diverged"])
    assert any(f.check == "split_sweep" and not f.note for f in d.findings)
    saved = json.loads((tmp_path / "bundle" / "diagnosis.json").read_text())
    assert saved["split_sweep"]["diverged"]
