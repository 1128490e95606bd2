"""Streamed captures read by `analyze`: SSE transcripts as curl or proxies save them, assembled as
an OpenAI client does, with the findings only the chunks show."""

import json

import pytest
from click.testing import CliRunner
from helpers import chunks, logprobs_for, request, response

from dynamo_toolcall_probe.cli.main import cli
from dynamo_toolcall_probe.diagnose import Stream, diagnose
from dynamo_toolcall_probe.errors import BadInput
from dynamo_toolcall_probe.sse import assemble_stream, load_transcript, read_transcript

HERMES = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "NYC"}}\n</tool_call>'


def chunk(delta, finish=None, logprobs=None, **extra):
    choice = {"index": 0, "delta": delta, "finish_reason": finish,
              "logprobs": {"content": logprobs} if logprobs is not None else None}
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [choice], **extra}


def call_delta(index, name=None, args=None, id_=None):
    fn = {k: v for k, v in (("name", name), ("arguments", args)) if v is not None}
    tc = {"index": index, "type": "function", "function": fn}
    if id_:
        tc["id"] = id_
    return {"tool_calls": [tc]}


def hermes_stream(split_name: bool = False) -> list[dict]:
    """A hermes call streamed the way 1.6.1 sends it: the jailed call in one chunk carrying every
    logprob entry, then the finish."""
    entries = logprobs_for(chunks(HERMES))["content"]
    first = chunk({"role": "assistant", "content": "", **call_delta(0, "get_weather", '{"location": ', "c1")},
                  logprobs=entries)
    rest = chunk(call_delta(0, "get_weather" if split_name else None, '"NYC"}'))
    return [first, rest, chunk({}, "tool_calls")]


def sse(items: list[dict], blank: bool = True, done: bool = True) -> bytes:
    sep = "\n\n" if blank else "\n"
    text = sep.join(f"data: {json.dumps(c)}" for c in items) + sep
    return (text + ("data: [DONE]" + sep if done else "")).encode()


def test_transcript_with_and_without_blank_lines_and_comments():
    items = hermes_stream()
    for raw in (sse(items), sse(items, blank=False), b": keep-alive\n\n" + sse(items),
                sse(items).replace(b"data: ", b"data:")):
        t = read_transcript(raw)
        assert len(t.chunks) == 3 and t.done


def test_assembled_like_an_openai_client():
    body = assemble_stream(hermes_stream())
    call = body["choices"][0]["message"]["tool_calls"][0]
    assert call["id"] == "c1" and call["function"] == {"name": "get_weather",
                                                       "arguments": '{"location": "NYC"}'}
    assert body["choices"][0]["finish_reason"] == "tool_calls"
    assert len(body["choices"][0]["logprobs"]["content"]) == len(chunks(HERMES))


@pytest.mark.parametrize("raw,message", [
    (b'data: {"error": {"message": "model not found"}}\n\n', "streamed error"),
    (b'data: {"object": "chat.completion.chunk"}\n\ndata: [DONE]\n', "no choices"),
    (b"data: [DONE]\n\n", "without any chat.completion.chunk"),
])
def test_unusable_transcripts_are_one_bad_input_line(raw, message):
    with pytest.raises(BadInput, match=message):
        load_transcript(raw)


def test_streamed_only_capture_is_diagnosed_like_the_body():
    stream = Stream.from_chunks(hermes_stream())
    d = diagnose(stream.body, request(), "hermes", stream=stream)
    assert d.verdict == "ok" and d.raw.text == HERMES and d.raw.exact
    assert d.stream == {"chunks": 3, "done": True, "compared_with_non_streaming": False,
                        "findings": []}


def test_a_name_sent_twice_is_a_streaming_bug_clients_disagree_on():
    stream = Stream.from_chunks(hermes_stream(split_name=True))
    d = diagnose(stream.body, request(), "hermes", stream=stream)
    assert d.verdict == "parser_logic"
    finding = next(f for f in d.findings if f.check == "stream_tool_call_deltas")
    assert "'get_weatherget_weather'" in finding.message and "streaming" in d.fix


def test_text_no_logprobs_entry_holds_makes_the_raw_output_inexact():
    items = hermes_stream()
    items.insert(1, chunk({"content": "Sure!"}))  # text the logprobs never carried
    stream = Stream.from_chunks(items)
    d = diagnose(stream.body, request(), "hermes", stream=stream)
    assert not d.raw.exact and any("no logprobs entry holds" in n for n in d.raw.notes)


def test_cut_off_transcript_is_said():
    stream = Stream.from_chunks(hermes_stream()[:2], done=False)
    d = diagnose(stream.body, request(), "hermes", stream=stream)
    assert "stream_incomplete" in {f.check for f in d.findings}


def run(*args):
    return CliRunner().invoke(cli, [*map(str, args), "--json"])


def test_analyze_reads_an_sse_transcript(tmp_path):
    (tmp_path / "request.json").write_text(json.dumps(request()))
    pieces = chunks(HERMES)  # under qwen3_coder the hermes call streams back as content
    items = [chunk({"content": p}, logprobs=logprobs_for([p])["content"]) for p in pieces]
    (tmp_path / "response.sse").write_bytes(sse(items + [chunk({}, "stop")]))
    res = run("analyze", tmp_path / "response.sse", "--request", tmp_path / "request.json",
              "--parser", "qwen3_coder")
    out = json.loads(res.stdout)
    assert res.exit_code == 11 and out["verdict"] == "parser_config"
    assert out["raw_output"] == HERMES and out["stream"]["chunks"] == len(pieces) + 1
    assert "--dyn-tool-call-parser hermes" in out["fix"]


def test_analyze_compares_a_body_with_its_stream_and_keeps_the_transcript(tmp_path):
    (tmp_path / "request.json").write_text(json.dumps(request()))
    body = response(None, [("get_weather", {"location": "NYC"})], "tool_calls",
                    logprobs_for(chunks(HERMES)))
    (tmp_path / "response.json").write_text(json.dumps(body))
    streamed = hermes_stream()
    streamed[1] = chunk(call_delta(0, None, '"NY"}'))  # the stream lost a character
    (tmp_path / "stream.sse").write_bytes(sse(streamed))
    out_dir = tmp_path / "bundle"
    res = run("analyze", tmp_path / "response.json", "--request", tmp_path / "request.json",
              "--parser", "hermes", "--stream", tmp_path / "stream.sse", "--out", out_dir)
    out = json.loads(res.stdout)
    assert out["verdict"] == "parser_logic" and res.exit_code == 12
    assert any(f["check"] == "stream_divergence" for f in out["findings"])
    assert (out_dir / "response.stream.txt").read_bytes() == sse(streamed)
    again = json.loads(run("analyze", out_dir).stdout)  # the bundle keeps the evidence
    assert again["verdict"] == "parser_logic"


def test_stream_option_needs_a_transcript(tmp_path):
    body = response(HERMES, logprobs=logprobs_for(chunks(HERMES)))
    (tmp_path / "r.json").write_text(json.dumps(body))
    res = CliRunner().invoke(cli, ["analyze", str(tmp_path / "r.json"), "--stream",
                                   str(tmp_path / "r.json")])
    assert res.exit_code == 2 and "SSE transcript" in res.output
