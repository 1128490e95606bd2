"""The bundle's parity fixtures follow Dynamo's current conformance format (checked against real
fixtures copied from ai-dynamo/frontend-crates, data/conformance/SOURCES.md): expected values from
the strict parse, observed values from the deployment, under the implementation key its release
and parser generation say, and a plain statement when the bundle does not say."""

from __future__ import annotations

import copy
import json

import pytest
import yaml
from helpers import logprobs_for, request, response

from dynamo_toolcall_probe.bundle.conformance import CASE_BATCH, CASE_STREAM

from .conformance_shape import DATA, ShapeError, check_fixture, real_shapes
from .scan import bundle_of, case

REAL = sorted(DATA.glob("*.yaml"))


def fixture(bundle, name="parity_fixture.yaml") -> tuple[str, dict]:
    text = (bundle / name).read_text()
    return text, yaml.safe_load(text)


@pytest.mark.parametrize("path", REAL, ids=[p.name for p in REAL])
def test_the_shape_check_accepts_every_real_fixture(path):
    check_fixture(yaml.safe_load(path.read_text()), resolved=False)


@pytest.mark.parametrize("mutate", [
    lambda d: d["cases"][next(iter(d["cases"]))]["chunks"][1]["expected"]["vllm_python"][0].update(idx=0),
    lambda d: d["cases"][next(iter(d["cases"]))]["chunks"][1]["expected"].update(dynamo_v3=[]),
    lambda d: d["cases"][next(iter(d["cases"]))]["chunks"][0].pop("delta_text"),
    lambda d: d["cases"][next(iter(d["cases"]))]["chunks"][1]["expected"]["vllm_python"][0].update(index="0"),
], ids=["unknown-delta-field", "unknown-impl-key", "no-delta-text", "index-not-int"])
def test_the_shape_check_rejects_a_broken_fixture(mutate):
    doc = yaml.safe_load((DATA / "hermes.TOOLCALLING.streamv2.1.yaml").read_text())
    broken = copy.deepcopy(doc)
    mutate(broken)
    with pytest.raises(ShapeError):
        check_fixture(broken, real_shapes())


def test_batch_fixture_holds_the_strict_parse_and_what_came_back(tmp_path):
    resp, req = case("27-hermes-text-qwen3-coder-parser")  # real 1.6.1: hermes text, qwen3_coder
    meta = {"versions": {"ai-dynamo": "1.6.1"},
            "dump_config": {"frontend": {"config": {"environment": {"DYN_PARSER_VERSION": "1"},
                                                    "config": {"chat_processor": "dynamo"}}}}}
    bundle = bundle_of(tmp_path, resp, req, parser="qwen3_coder", metadata=meta)
    text, doc = fixture(bundle)
    check_fixture(doc)
    diagnosis = json.loads((bundle / "diagnosis.json").read_text())
    assert doc["family"] == "hermes" and doc["mode"] == "batch"
    assert doc["captured_with"] == {"dynamo_v1": "10.0.7"}  # dynamo-parsers in the 1.6.1 wheel
    c = doc["cases"][CASE_BATCH]
    assert c["model_text"] == diagnosis["raw_output"]
    assert c["expected"]["dynamo_v1"]["calls"] == diagnosis["expected_tool_calls"]
    assert c["expected"]["dynamo_v1"]["normal_text"] == ""
    observed = c["observed"]["dynamo_v1"]
    assert observed["calls"] == diagnosis["observed_tool_calls"] and observed["parser"] == "qwen3_coder"
    assert observed["normal_text"] == (resp["choices"][0]["message"]["content"] or "")
    assert [t["name"] for t in c["tools"]] == [t["function"]["name"] for t in req["tools"]]
    assert "DYN_PARSER_VERSION=1" in text


@pytest.mark.parametrize("meta,key,version,known", [
    ({"versions": {"ai-dynamo": "1.6.1"}, "dump_config": {"frontend": {"config": {
        "environment": {"DYN_PARSER_VERSION": "2"}}}}}, "dynamo_v2", "0.7.24", True),
    ({"packages": {"ai-dynamo": "1.6.1"}, "dump_config": {"frontend": {"config": {
        "environment": {}}}}}, "dynamo_v1", "10.0.7", True),
    ({"packages": {"ai-dynamo": "1.6.1", "vllm": "0.31.0"}, "dump_config": {"frontend": {"config": {
        "environment": {}, "config": {"chat_processor": "vllm"}}}}}, "vllm_python", "0.31.0", True),
    ({"versions": {"ai-dynamo": "1.5.1"}}, "dynamo_v1", "ai-dynamo 1.5.1", False),
    ({}, "dynamo_v1", "unknown release", False),
])
def test_implementation_key_follows_release_and_parser_generation(tmp_path, meta, key, version, known):
    body = response(None, tool_calls=[("get_weather", {"location": "NYC"})], finish_reason="tool_calls",
                    logprobs=logprobs_for(['<tool_call>\n{"name": "get_weather", ',
                                           '"arguments": {"location": "NYC"}}\n</tool_call>']))
    text, doc = fixture(bundle_of(tmp_path, body, request(), metadata=meta))
    check_fixture(doc)
    c = doc["cases"][CASE_BATCH]
    assert set(c["expected"]) == set(c["observed"]) == set(doc["captured_with"]) == {key}
    assert doc["captured_with"][key] == version
    assert ("NOT RECORDED" in text) is (not known)  # said plainly, never guessed silently
    assert ("not recorded" in c["description"]) is (not known)


def _sse(chunks: list[dict]) -> bytes:
    return b"".join(b"data: " + json.dumps(c).encode() + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"


def test_stream_fixture_carries_the_chunks(tmp_path):
    # Shaped like Dynamo 1.6.1's hermes stream: text passes through, the call is held back and
    # arrives in one chunk with all its logprob entries; "東" is split across two chunks.
    pieces = ["Looking up ", b"\xe6\x9d", b"\xb1", " weather. ", '<tool_call>\n{"name": "get_weather", ',
              '"arguments": {"location": "NYC"}}\n</tool_call>']
    text = "".join(p if isinstance(p, str) else p.decode("utf-8", "replace") for p in pieces)
    lp = logprobs_for(pieces)["content"]
    for entry, piece in zip(lp, pieces):
        raw = piece if isinstance(piece, bytes) else piece.encode()
        entry["top_logprobs"] = [{"token": entry["token"], "logprob": entry["logprob"], "bytes": list(raw)}]
    plain = response("Looking up 東 weather. ", tool_calls=[("get_weather", {"location": "NYC"})],
                     finish_reason="tool_calls", logprobs={"content": lp})
    choice = lambda delta, entries, finish=None: {"choices": [{"index": 0, "delta": delta, "finish_reason": finish,  # noqa: E731
                                                               "logprobs": {"content": entries}}]}
    call = {"index": 0, "id": "call-1", "type": "function",
            "function": {"name": "get_weather", "arguments": '{"location": "NYC"}'}}
    stream = _sse([choice({"role": "assistant"}, []), choice({"content": "Looking up "}, lp[0:2]),
                   choice({"content": "東 weather. "}, lp[2:4]),
                   choice({"tool_calls": [call]}, lp[4:6], "tool_calls")])
    bundle = bundle_of(tmp_path, plain, request(), extra={"response.stream.txt": stream})
    _, doc = fixture(bundle, "parity_fixture.stream.yaml")
    check_fixture(doc)
    assert doc["mode"] == "streamv2"
    chunks = doc["cases"][CASE_STREAM]["chunks"]
    assert "".join(c["delta_text"] for c in chunks) == "Looking up 東 weather. " + text[text.index("<tool"):]
    assert chunks[0]["delta_text"] == "Looking up " and chunks[1]["delta_text"] == "東 weather. "
    assert [c.get("delta_token_ids") for c in chunks] == [[1000, 1001], [1002, 1003], [1004, 1005]]
    assert chunks[-1]["finish_reason"] == "tool_calls"
    expected = [d for c in chunks for d in c["expected"]["dynamo_v1"]]
    assert expected == [{"index": 0, "id": True, "name": "get_weather", "arguments": '{"location":"NYC"}'}]
    assert chunks[-1]["expected"]["dynamo_v1"] == expected  # emitted where the call's region ends
    assert [c.get("normal_text", {}).get("dynamo_v1") for c in chunks] == ["Looking up ", "東 weather. ", None]
    assert chunks[-1]["observed"]["dynamo_v1"] == [{"index": 0, "id": True, "name": "get_weather",
                                                    "arguments": '{"location": "NYC"}'}]
    assert chunks[0]["observed_normal_text"]["dynamo_v1"] == "Looking up "
    assert "unavailable" not in doc["cases"][CASE_STREAM]
