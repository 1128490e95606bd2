"""Every verdict class produced from a REAL Dynamo 1.6.1 frontend response (our replay worker
emits the model's tokens), streaming and non-streaming."""

from __future__ import annotations

import json

import pytest

from dynamo_toolcall_probe.capture.http import send_chat
from dynamo_toolcall_probe.diagnose import diagnose
from dynamo_toolcall_probe.formats import get_spec
from dynamo_toolcall_probe.reconstruct import tokenizer_decoder

pytestmark = pytest.mark.e2e

WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"location": {"type": "string"},
                                     "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
    "required": ["location"]}}}
TIME = {"type": "function", "function": {"name": "get_time", "parameters": {
    "type": "object", "properties": {"timezone": {"type": "string"}}, "required": ["timezone"]}}}

HERMES = get_spec("hermes").render([("get_weather", {"location": "New York, NY"})])
TWO = get_spec("hermes").render([("get_weather", {"location": "Paris"}),
                                 ("get_time", {"timezone": "Europe/Paris"})])
MULTIBYTE = get_spec("hermes").render([("get_weather", {"location": "Zürich 日本 🙂"})])

# (id, served model, configured parser, reasoning parser, script, request extras, verdict, check)
CASES = [
    ("wrong-parser", "coder", "qwen3_coder", None, {"text": HERMES}, {}, "parser_config", "parser_family"),
    ("no-parser", "noparser", "none", None, {"text": HERMES}, {}, "parser_config", "parser_family"),
    ("correct-parser", "hermes", "hermes", None, {"text": HERMES}, {}, "ok", None),
    ("truncated-at-length", "hermes", "hermes", None,
     {"text": HERMES[:HERMES.index("York")]}, {}, "model", "truncated"),
    ("call-inside-reasoning", "hermes-think", "hermes", "qwen3",
     {"text": "<think>\nI will call " + HERMES + "\n</think>\n\nIt is probably sunny."}, {}, "model",
     "inside_reasoning"),
    ("unknown-tool", "hermes", "hermes", None,
     {"text": HERMES.replace("get_weather", "get_forecast")}, {}, "model", "unknown_tool"),
    ("multibyte-split", "hermes", "hermes", None, {"text": MULTIBYTE}, {}, "ok", None),
    ("two-parallel-calls", "hermes", "hermes", None, {"text": TWO}, {}, "ok", None),
    ("no-call-under-required", "hermes", "hermes", None, {"text": "It is sunny in New York."},
     {"tool_choice": "required"}, "model", "no_call"),
    # kimi_k2 (1.6.1) passes arguments that are not JSON through as a call.
    ("kimi-invents-call-from-broken-json", "kimi", "kimi_k2", None,
     {"text": "<|tool_calls_section_begin|><|tool_call_begin|>functions.get_weather:0"
              "<|tool_call_argument_begin|>{\"location\": NYC}<|tool_call_end|>"
              "<|tool_calls_section_end|>"}, {}, "parser_logic", "invented_call"),
    # hermes (1.6.1) leaves a well-formed call as raw markup when the request has no tools:
    # the call is the model's (or its template's) doing, not the parser's (issue 11 rule 7).
    ("hermes-no-tools-leaks-markup", "hermes", "hermes", None, {"text": HERMES},
     {"tools": None}, "model", "call_without_tools"),
    ("prose-answer-with-tools", "hermes", "hermes", None, {"text": "It is sunny in New York."},
     {}, "model", "no_call"),
    ("no-logprobs", "hermes", "hermes", None, {"text": HERMES}, {"logprobs": False}, "inconclusive", None),
]


def body(model: str, extras: dict) -> dict:
    b = {"model": model, "messages": [{"role": "user", "content": "Weather in NYC?"}],
         "tools": [WEATHER, TIME], "tool_choice": "auto", "logprobs": True}
    b.update(extras)
    if b.get("logprobs") is False:
        b.pop("logprobs")
    if b.get("tools") is None:
        b.pop("tools")
        b.pop("tool_choice")
    return b


@pytest.mark.parametrize("stream", [False, True], ids=["non-streaming", "streaming"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_verdict_from_the_real_frontend(stack, case, stream):
    _, model, parser, reasoning, script, extras, verdict, check = case
    stack.set_script(model, {"chunk_size": 2, "finish_reason": "stop", **script})
    if case[0] == "truncated-at-length":
        stack.set_script(model, {**script, "chunk_size": 2, "finish_reason": "length"})
    request = body(model, extras)
    reply = send_chat(stack.base_url, request, stream=stream)
    assert reply.ok, reply.body_bytes[:300]
    decode = tokenizer_decoder(str(stack.model_dir))
    d = diagnose(reply.body, request, parser, reasoning, decode)
    assert d.verdict == verdict, (d.evidence, json.dumps(reply.body)[:600])
    if check:
        assert check in {f.check for f in d.findings}, d.evidence


def test_multibyte_split_is_lossy_in_bytes_and_exact_from_token_ids(stack):
    stack.set_script("hermes", {"text": MULTIBYTE, "chunk_size": 1})
    reply = send_chat(stack.base_url, body("hermes", {}), stream=False)
    entries = reply.body["choices"][0]["logprobs"]["content"]
    assert any(e["bytes"] == [239, 191, 189] for e in entries), "expected a split character"
    joined = bytes(b for e in entries for b in (e["bytes"] or [])).decode(errors="replace")
    assert "Zürich 日本 🙂" not in joined  # the manual recipe loses it
    d = diagnose(reply.body, body("hermes", {}), "hermes", None,
                 tokenizer_decoder(str(stack.model_dir)))
    assert d.raw.exact and "Zürich 日本 🙂" in d.raw.text
    assert d.raw.source in ("logprobs_token_ids", "logprobs_bytes+top_logprobs")
