"""`dynamo-probe attach` against a stack started outside the tool, and streaming comparisons."""

from __future__ import annotations

import copy
import json

import pytest
from click.testing import CliRunner

from dynamo_toolcall_probe.capture.http import send_chat
from dynamo_toolcall_probe.cli.main import cli
from dynamo_toolcall_probe.diagnose.stream_compare import compare_stream
from dynamo_toolcall_probe.errors import EXIT_PARSER_CONFIG
from dynamo_toolcall_probe.formats import get_spec

pytestmark = pytest.mark.e2e

HERMES = get_spec("hermes").render([("get_weather", {"location": "New York, NY", "unit": "fahrenheit"})])
SECRET = "sk-planted-4f1c9e2b7a"


def test_attach_gives_the_demo_verdict_and_keeps_no_secret(stack, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", SECRET + "-env")
    stack.set_script("coder", {"text": HERMES, "chunk_size": 2})
    out = tmp_path / "bundle"
    res = CliRunner().invoke(cli, ["attach", "--url", stack.base_url, "--model", "coder",
                                   "--parser", "qwen3_coder", "--header",
                                   f"Authorization: Bearer {SECRET}", "--out", str(out), "--json"])
    assert res.exit_code == EXIT_PARSER_CONFIG, res.output
    data = json.loads(res.output)
    assert data["verdict"] == "parser_config" and "hermes" in data["fix"]
    for path in out.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode(errors="replace")
            assert SECRET not in text, f"secret leaked into {path.name}"
    meta = json.loads((out / "metadata.json").read_text())
    assert any("launch command" in m for m in meta["missing"])
    assert (out / "response.stream.txt").read_bytes().startswith(b"data:")


def test_attach_unknown_model_is_one_line(stack):
    res = CliRunner().invoke(cli, ["attach", "--url", stack.base_url, "--model", "nope"])
    assert res.exit_code == 2 and "not served" in res.output


STREAM_CASES = {
    "hermes": ("hermes", None, HERMES),
    "mistral": ("mistral", None, '[TOOL_CALLS][{"name": "get_weather", "arguments": {"location": "Paris"}}]'),
    "pythonic": ("pythonic", None, '[get_weather(location="Paris")]'),
    "reasoning+tool": ("hermes-think", "qwen3", "<think>\nNeed weather.\n</think>\n\n" + HERMES),
}


@pytest.mark.parametrize("case", sorted(STREAM_CASES))
@pytest.mark.parametrize("chunks", [[1], [2, 5]], ids=["1-token", "mixed-chunks"])
def test_streaming_matches_non_streaming_on_the_real_frontend(stack, case, chunks):
    model, _, text = STREAM_CASES[case]
    stack.set_script(model, {"text": text, "chunk_sizes": chunks})
    body = {"model": model, "messages": [{"role": "user", "content": "Weather?"}],
            "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {
                "type": "object", "properties": {"location": {"type": "string"},
                                                 "unit": {"type": "string"}}}}}],
            "logprobs": True}
    plain = send_chat(stack.base_url, body)
    streamed = send_chat(stack.base_url, body, stream=True)
    assert plain.ok and streamed.ok
    assert plain.body["choices"][0]["message"].get("tool_calls"), "the parser found no call"
    assert compare_stream(plain.body, streamed.body, streamed.chunks) == []


def test_real_streaming_only_divergence_pythonic_is_detected(stack):
    """Found with the replay worker's chunking: Dynamo 1.6.1's pythonic parser extracts the call
    non-streaming, but when the first chunk carries 3 tokens the streaming path leaves the call in
    content (tool_calls null)."""
    stack.set_script("pythonic", {"text": '[get_weather(location="Paris")]', "chunk_size": 3})
    body = {"model": "pythonic", "messages": [{"role": "user", "content": "Weather?"}],
            "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {
                "type": "object", "properties": {"location": {"type": "string"}}}}}]}
    plain = send_chat(stack.base_url, body)
    streamed = send_chat(stack.base_url, body, stream=True)
    assert plain.body["choices"][0]["message"]["tool_calls"], "non-streaming extracts the call"
    findings = compare_stream(plain.body, streamed.body, streamed.chunks)
    messages = " | ".join(f.message for f in findings)
    assert "non-streaming returned 1 tool call(s), streaming 0" in messages
    assert "get_weather(location" in messages  # the call left in the streamed content


def test_a_constructed_fragment_loss_is_explained_with_chunk_evidence(stack):
    """A second kind of divergence, from a real streamed capture with one argument fragment
    dropped (the shape of vLLM's streaming bugs)."""
    stack.set_script("hermes", {"text": HERMES, "chunk_size": 1})
    body = {"model": "hermes", "messages": [{"role": "user", "content": "Weather?"}],
            "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {
                "type": "object", "properties": {"location": {"type": "string"}}}}}]}
    plain = send_chat(stack.base_url, body)
    streamed = send_chat(stack.base_url, body, stream=True)
    chunks = copy.deepcopy(streamed.chunks)
    # Drop the last argument fragment of call 0 and re-assemble as a client would.
    from dynamo_toolcall_probe.capture.http import assemble_stream

    for chunk in reversed(chunks):
        tcs = (chunk["choices"][0].get("delta") or {}).get("tool_calls") or []
        if tcs and (tcs[0].get("function") or {}).get("arguments"):
            tcs[0]["function"]["arguments"] = tcs[0]["function"]["arguments"][:-2]
            break
    broken = assemble_stream(chunks)
    findings = compare_stream(plain.body, broken, chunks)
    assert findings and all(f.verdict == "parser_logic" for f in findings)
    assert any("arguments" in f.message and "chunks: #" in f.message for f in findings)
