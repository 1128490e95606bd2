"""`dynamo-probe analyze` through click's CliRunner: exit codes, --json, bundles, bad input."""

import json

import pytest
from click.testing import CliRunner
from helpers import chunks, logprobs_for, request, response

from dynamo_toolcall_probe.cli.main import cli
from dynamo_toolcall_probe.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_PARSER_CONFIG

HERMES = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "NYC"}}\n</tool_call>'


@pytest.fixture
def files(tmp_path):
    req = tmp_path / "request.json"
    req.write_text(json.dumps(request()))
    resp = tmp_path / "response.json"
    # Odd spacing on purpose: the bundle must keep the bytes exactly as received.
    resp.write_text(json.dumps(response(HERMES, logprobs=logprobs_for(chunks(HERMES))), indent=3))
    return req, resp


def run(*args):
    return CliRunner().invoke(cli, list(map(str, args)))


def test_json_output_and_exit_code(files):
    req, resp = files
    res = run("analyze", resp, "--request", req, "--parser", "qwen3_coder", "--json")
    assert res.exit_code == EXIT_PARSER_CONFIG, res.output
    out = json.loads(res.output)
    assert out["verdict"] == "parser_config" and out["raw_output"] == HERMES
    assert out["configured_parser"] == "qwen3_coder" and "hermes" in out["suggested_parsers"]


def test_bundle_is_complete_and_response_byte_for_byte(files, tmp_path):
    req, resp = files
    out = tmp_path / "bundle"
    res = run("analyze", resp, "--request", req, "--parser", "qwen3_coder", "--out", out)
    assert res.exit_code == EXIT_PARSER_CONFIG, res.output
    for name in ("request.json", "response.json", "raw_output.txt", "diagnosis.json",
                 "metadata.json", "REPORT.md", "parity_fixture.yaml"):
        assert (out / name).is_file(), name
    assert (out / "response.json").read_bytes() == resp.read_bytes()
    assert (out / "raw_output.txt").read_text() == HERMES
    report = (out / "REPORT.md").read_text()
    for heading in ("## 1. Request", "## 2. Response", "## 3. Versions", "## 4. Worker launch command"):
        assert heading in report
    assert "parser_config" in report
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".bundle")], "temp dir left"


def test_analyze_a_bundle_again_gives_the_same_verdict(files, tmp_path):
    req, resp = files
    out = tmp_path / "bundle"
    run("analyze", resp, "--request", req, "--parser", "qwen3_coder", "--out", out)
    res = run("analyze", out, "--json")
    assert json.loads(res.output)["verdict"] == "parser_config"


def test_ok_exit_code(tmp_path):
    body = response(None, tool_calls=[("get_weather", {"location": "NYC"})],
                    finish_reason="tool_calls", logprobs=logprobs_for(chunks(HERMES)))
    p = tmp_path / "r.json"
    p.write_text(json.dumps(body))
    assert run("analyze", p, "--parser", "hermes").exit_code == EXIT_OK


BAD_INPUTS = {
    "not-json": b"<html>502 Bad Gateway</html>",
    "empty": b"",
    "sse": b'data: {"object": "chat.completion.chunk"}\n\ndata: [DONE]\n',
    "chunk-lines": b'{"object": "chat.completion.chunk", "choices": []}\n{"object": "chat.completion.chunk"}\n',
    "chunk": b'{"object": "chat.completion.chunk", "choices": [{"delta": {}}]}',
    "empty-choices": b'{"choices": []}',
    "no-choices": b'{"id": "x"}',
    "error-body": b'{"error": {"message": "model not found"}}',
    "list": b"[1, 2]",
    "latin1": "{\"choices\": \"\xe9\"}".encode("latin-1"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_one_line_and_exit_2(tmp_path, name):
    p = tmp_path / "r.json"
    p.write_bytes(BAD_INPUTS[name])
    res = run("analyze", p)
    assert res.exit_code == EXIT_BAD_INPUT, res.output
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1


def test_bad_input_with_out_keeps_a_partial_bundle(tmp_path):
    p = tmp_path / "r.json"
    p.write_bytes(BAD_INPUTS["not-json"])
    out = tmp_path / "bundle"
    res = run("analyze", p, "--out", out)
    assert res.exit_code == EXIT_BAD_INPUT
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["missing"] and "not JSON" in meta["error"]
    assert (out / "response.json").read_bytes() == BAD_INPUTS["not-json"]


def test_missing_file_and_bad_tokenizer(files, tmp_path):
    req, resp = files
    assert run("analyze", tmp_path / "nope.json").exit_code == EXIT_BAD_INPUT
    assert run("analyze", resp, "--tokenizer", tmp_path).exit_code == EXIT_BAD_INPUT


def test_out_refuses_to_overwrite_a_foreign_directory(files, tmp_path):
    req, resp = files
    foreign = tmp_path / "home"
    foreign.mkdir()
    (foreign / "precious.txt").write_text("keep me")
    res = run("analyze", resp, "--out", foreign)
    assert res.exit_code == EXIT_BAD_INPUT and (foreign / "precious.txt").exists()


def test_the_parser_source_is_recorded_and_kept_by_a_rerun_on_the_bundle(files, tmp_path):
    req, resp = files
    out = tmp_path / "bundle"
    first = json.loads(run("analyze", resp, "--request", req, "--parser", "qwen3_coder",
                           "--out", out, "--json").output)
    assert first["configured_parser_source"] == "option"
    assert json.loads((out / "metadata.json").read_text())["configured_parser_source"] == "option"
    again = json.loads(run("analyze", out, "--json").output)
    assert again["configured_parser"] == "qwen3_coder" and again["configured_parser_source"] == "option"
    unknown = json.loads(run("analyze", resp, "--request", req, "--json").output)
    assert unknown["configured_parser"] is None and unknown["configured_parser_source"] is None
