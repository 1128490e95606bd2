"""Older Dynamo releases end to end, as a user runs them: each release in its own cached
environment (installed by the CPU recipe the first time, `release.envs`), the real frontend of
that release, our replay worker through that release's Python API, and the real CLI processes.

CI covers the installed 1.6.1 and two older releases, one of them before 1.3 (its worker API
has no WorkerType, its runtime reads the response-stream host as an interface name). The whole
matrix (1.0.2 .. 1.6.1) is `scripts/release_matrix.py`; its table is in README.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dynamo_toolcall_probe.errors import EXIT_PARSER_CONFIG

pytestmark = pytest.mark.skipif(
    __import__("importlib").util.find_spec("dynamo") is None,
    reason="ai-dynamo not installed (run scripts/install)")

OLDER = ("1.2.1", "1.5.1")
INSTALLED = "1.6.1"
BIN = Path(sys.executable).parent


@pytest.fixture(scope="session")
def release_python():
    """version -> python with that ai-dynamo (the installed one for 1.6.1)."""
    from dynamo_toolcall_probe.release import envs, installed

    assert installed().version == INSTALLED, "scripts/install pins the newest release"
    found = {INSTALLED: sys.executable}

    def get(version: str) -> str:
        if version not in found:
            found[version] = envs.ensure_release(version, lambda s: print(s, file=sys.stderr))
        return found[version]
    return get


def run(argv: list[str], tmp_path: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DYN_")}
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=tmp_path)


@pytest.mark.parametrize("version", [*OLDER, INSTALLED])
def test_probe_launch_says_parser_config_on_every_release(release_python, tmp_path, version):
    python = release_python(version)
    out = tmp_path / "bundle"
    done = run([str(BIN / "probe-launch"), "--backend", "replay", "--parser", "qwen3_coder",
                "--python", python, "--no-replay", "--json", "--out", str(out),
                "--timeout", "120"], tmp_path)
    assert done.returncode == EXIT_PARSER_CONFIG, done.stderr[-2000:]
    verdict = json.loads(done.stdout)
    assert verdict["verdict"] == "parser_config" and "--dyn-tool-call-parser hermes" in verdict["fix"]
    assert verdict["release"]["version"] == version and verdict["release"]["facts_from"] == version
    assert verdict["raw_source"] == "worker_token_ids"  # the hook ran in that release's worker
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["release"]["version"] == version
    assert meta["hook"]["active"] is True


@pytest.mark.parametrize("version", [*OLDER, INSTALLED])
def test_replay_all_parsers_on_every_release(release_python, tmp_path, demo_bundle, version):
    from dynamo_toolcall_probe.release.capabilities import installed_capabilities

    python = release_python(version)
    done = run([str(BIN / "dynamo-probe"), "replay", str(demo_bundle), "--all-parsers",
                "--python", python, "--json"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout)
    names = sorted(installed_capabilities(python).tool_parsers)
    assert report["release"]["version"] == version
    assert sorted(r["parser"] for r in report["results"]) == names  # the names that release has
    assert not [r for r in report["results"] if r.get("error")]
    hermes = next(r for r in report["results"] if r["parser"] == "hermes")
    assert [c["name"] for c in hermes["tool_calls"]] == ["get_weather"] and hermes["agree"]


def test_bisect_prints_a_row_per_release(release_python, tmp_path, demo_bundle):
    versions = [*OLDER, INSTALLED]
    pythons = [f"--python={v}={release_python(v)}" for v in versions]
    done = run([str(BIN / "dynamo-probe"), "bisect", str(demo_bundle), "--parser", "hermes",
                "--versions", ",".join(versions), *pythons, "--json"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert [row["version"] for row in result["versions"]] == versions
    for row in result["versions"]:
        assert set(row) >= {"version", "matches_expected", "tool_calls", "content",
                            "finish_reason", "stream_matches"}
        assert row["matches_expected"] is True and row["stream_matches"] is True, row
    assert result["first_good"] == versions[0] and result["last_bad"] is None
    # The configured parser of the demo, qwen3_coder, parses nothing of this hermes text anywhere.
    wrong = run([str(BIN / "dynamo-probe"), "bisect", str(demo_bundle), "--versions",
                 ",".join(versions), *pythons, "--json"], tmp_path)
    rows = json.loads(wrong.stdout)["versions"]
    assert [r["matches_expected"] for r in rows] == [False] * 3
    assert json.loads(wrong.stdout)["first_good"] is None


@pytest.fixture(scope="module")
def demo_bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "bundle"
    done = subprocess.run([str(BIN / "dynamo-probe"), "demo", "--no-replay", "--out", str(out)],
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == EXIT_PARSER_CONFIG, done.stderr[-2000:]
    return out


def test_logprobs_a_release_repeats_are_taken_once(release_python, tmp_path):
    """1.2-1.5 with a <tool_call> parser report the logprobs of the chunk that ends a call twice
    when the engine yields several tokens per chunk (measured). A real 1.5.1 capture: analysed as
    1.5.1 the raw output is the model's text again; as an unknown release it is left as is."""
    from dynamo_toolcall_probe.capture.http import send_chat
    from dynamo_toolcall_probe.diagnose import diagnose
    from dynamo_toolcall_probe.formats import get_spec
    from dynamo_toolcall_probe.release import Release, from_option
    from dynamo_toolcall_probe.replay.stack import ReplayStack, ServedModel

    calls = [("get_weather", {"location": "Paris"}), ("get_weather", {"location": "Rome"})]
    text = get_spec("hermes").render(calls)
    tools = [{"type": "function", "function": {"name": "get_weather", "parameters": {
        "type": "object", "properties": {"location": {"type": "string"}}}}}]
    request = {"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": tools,
               "logprobs": True}
    with ReplayStack([ServedModel("m", "hermes")], python=release_python("1.5.1")) as stack:
        stack.set_script(None, {"text": text, "chunk_size": 2})
        reply = send_chat(stack.base_url, request)
    joined = "".join(e["token"] for e in reply.body["choices"][0]["logprobs"]["content"])
    assert joined != text and joined.count("</tool_call>") == 3, "1.5.1 repeats the chunk"
    as_151 = diagnose(reply.body, request, "hermes", release=from_option("1.5.1"))
    assert as_151.raw.text == text and not as_151.raw.exact
    assert any("repeat the chunk ending a call" in n for n in as_151.raw.notes)
    assert as_151.verdict == "ok", as_151.to_dict()["evidence"]
    unknown = diagnose(reply.body, request, "hermes", release=Release(None))
    assert unknown.raw.text == joined  # the newest release does not repeat: nothing dropped


def test_bisect_reads_a_forced_named_call_in_its_json_shape(release_python, tmp_path):
    """A named tool_choice's answer is the bare arguments object (diagnose/forced.py): bisect
    expects that call on every release, where reading it through hermes expected none."""
    from helpers import chunks, logprobs_for, request, response

    raw = '{"location": "Paris"}'
    named = {"type": "function", "function": {"name": "get_weather"}}
    (tmp_path / "request.json").write_text(json.dumps(request(tool_choice=named)))
    (tmp_path / "response.json").write_text(json.dumps(response(
        None, [("get_weather", {"location": "Paris"})], "tool_calls", logprobs_for(chunks(raw)))))
    versions = [*OLDER, INSTALLED]
    pythons = [f"--python={v}={release_python(v)}" for v in versions]
    done = run([str(BIN / "dynamo-probe"), "bisect", str(tmp_path / "response.json"), "--request",
                str(tmp_path / "request.json"), "--parser", "hermes", "--versions",
                ",".join(versions), *pythons, "--json"], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["expected_tool_calls"] == [{"name": "get_weather", "arguments": {"location": "Paris"}}]
    assert [r["matches_expected"] for r in result["versions"]] == [True] * 3, result["versions"]
