"""Streamed captures (issue 11): `analyze response.sse --request req.json --parser P --tokenizer DIR`
on a transcript saved from the REAL Dynamo 1.6.1 frontend (our replay worker emits the model's
tokens) gives the same verdict as the non-streaming capture of the same exchange, and the raw
output rebuilt from the chunks' logprobs is byte-exact, split multi-byte characters included."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dynamo_toolcall_probe.capture.http import send_chat
from dynamo_toolcall_probe.cli.main import cli
from dynamo_toolcall_probe.formats import get_spec

pytestmark = pytest.mark.e2e

WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}}
MULTIBYTE = get_spec("hermes").render([("get_weather", {"location": "Zürich 日本 🙂"})])

# (id, served model, --parser, --reasoning-parser, raw text, finish, verdict)
CASES = [
    ("ok-multibyte-split", "hermes", "hermes", None, MULTIBYTE, "stop", "ok"),
    ("wrong-parser", "coder", "qwen3_coder", None, MULTIBYTE, "stop", "parser_config"),
    ("truncated", "hermes", "hermes", None, MULTIBYTE[:MULTIBYTE.index("日")], "length", "model"),
    ("prose-with-tools", "hermes", "hermes", None, "Il fait 22 °C à Zürich 🙂", "stop", "model"),
    ("draft-in-reasoning", "hermes-think", "hermes", "qwen3",
     "<think>\nmaybe " + MULTIBYTE + "\n</think>\n\n" + MULTIBYTE, "stop", "ok"),
]


def analyze(*args: str) -> dict:
    result = CliRunner().invoke(cli, ["analyze", *args, "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    out = json.loads(result.stdout)
    assert result.exit_code == {"ok": 0, "model": 10, "parser_config": 11}[out["verdict"]]
    return out


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_sse_transcript_gives_the_non_streaming_verdict_and_exact_raw_output(stack, tmp_path, case):
    _, model, parser, reasoning, text, finish, verdict = case
    stack.set_script(model, {"text": text, "chunk_size": 1, "finish_reason": finish})
    request = {"model": model, "messages": [{"role": "user", "content": "Weather in Zürich?"}],
               "tools": [WEATHER], "tool_choice": "auto", "logprobs": True}
    (tmp_path / "request.json").write_text(json.dumps(request))
    plain = send_chat(stack.base_url, request, stream=False)
    streamed = send_chat(stack.base_url, request, stream=True)
    assert plain.ok and streamed.ok
    (tmp_path / "response.json").write_bytes(plain.body_bytes)
    (tmp_path / "response.sse").write_bytes(streamed.body_bytes)  # as curl saves it
    assert streamed.body_bytes.lstrip().startswith(b"data: ")
    common = ["--request", str(tmp_path / "request.json"), "--parser", parser,
              "--tokenizer", str(stack.model_dir)]
    if reasoning:
        common += ["--reasoning-parser", reasoning]
    want = analyze(str(tmp_path / "response.json"), *common)
    got = analyze(str(tmp_path / "response.sse"), *common)
    assert got["verdict"] == want["verdict"] == verdict, got["evidence"]
    assert got["raw_output"] == want["raw_output"] == text  # byte-exact, from the chunks' logprobs
    assert got["exact"] is True and got["stream"]["chunks"] >= 1
    both = analyze(str(tmp_path / "response.json"), "--stream", str(tmp_path / "response.sse"),
                   *common)
    assert both["verdict"] == verdict and both["stream"]["compared_with_non_streaming"]
    assert not [f for f in both["findings"] if f["check"] == "stream_divergence"]


def test_split_characters_are_lossy_in_the_streamed_bytes_and_exact_with_the_tokenizer(stack, tmp_path):
    stack.set_script("hermes", {"text": MULTIBYTE, "chunk_size": 1, "finish_reason": "stop"})
    request = {"model": "hermes", "messages": [{"role": "user", "content": "Weather?"}],
               "tools": [WEATHER], "logprobs": True}
    (tmp_path / "request.json").write_text(json.dumps(request))
    streamed = send_chat(stack.base_url, request, stream=True)
    (tmp_path / "response.sse").write_bytes(streamed.body_bytes)
    entries = [e for c in streamed.chunks for ch in c["choices"]
               for e in ((ch.get("logprobs") or {}).get("content") or [])]
    assert any(e["bytes"] == [239, 191, 189] for e in entries), "expected a split character"
    without = analyze(str(tmp_path / "response.sse"), "--request", str(tmp_path / "request.json"),
                      "--parser", "hermes")
    with_tok = analyze(str(tmp_path / "response.sse"), "--request", str(tmp_path / "request.json"),
                       "--parser", "hermes", "--tokenizer", str(stack.model_dir))
    assert with_tok["raw_output"] == MULTIBYTE and with_tok["exact"] is True
    assert with_tok["raw_source"] in ("logprobs_token_ids", "logprobs_bytes+top_logprobs")
    assert without["raw_output"] == MULTIBYTE or without["exact"] is False
