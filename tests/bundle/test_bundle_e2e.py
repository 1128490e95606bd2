"""Bundles written by `dynamo-probe attach` against the real Dynamo 1.6.1 frontend and our replay
worker: report.html puts the streamed response beside the non-streaming one, and the streamed
chunks become a conformance fixture that holds together (its chunks rebuild the raw output, its
observed deltas are the frontend's)."""

from __future__ import annotations

import importlib.util
import json
import re

import pytest
import yaml
from click.testing import CliRunner

from dynamo_toolcall_probe.bundle.conformance import CASE_STREAM
from dynamo_toolcall_probe.bundle.stream import read_stream
from dynamo_toolcall_probe.cli.main import cli
from dynamo_toolcall_probe.formats import get_spec
from dynamo_toolcall_probe.replay.stack import ReplayStack, ServedModel

from .conformance_shape import check_fixture
from .scan import scan

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def stack():
    if importlib.util.find_spec("dynamo") is None:
        pytest.skip("ai-dynamo not installed (run scripts/install)")
    st = ReplayStack([ServedModel("hermes", "hermes"), ServedModel("pythonic", "pythonic")]).start()
    try:
        yield st
    finally:
        st.stop()


def attach(stack, tmp_path, model: str, parser: str):
    out = tmp_path / "bundle"
    res = CliRunner().invoke(cli, ["attach", "--url", stack.base_url, "--model", model,
                                   "--parser", parser, "--out", str(out), "--json"])
    assert res.exit_code in (0, 10, 11, 12, 13), res.output
    return out


def test_streamed_hermes_call_becomes_a_chunked_fixture(stack, tmp_path):
    text = get_spec("hermes").render([("get_weather", {"location": "Zürich 東京", "unit": "celsius"})])
    stack.set_script("hermes", {"text": text, "chunk_sizes": [2, 5, 1]})
    out = attach(stack, tmp_path, "hermes", "hermes")
    doc = yaml.safe_load((out / "parity_fixture.stream.yaml").read_text())
    check_fixture(doc)
    chunks = doc["cases"][CASE_STREAM]["chunks"]
    diagnosis = json.loads((out / "diagnosis.json").read_text())
    assert "".join(c["delta_text"] for c in chunks) == diagnosis["raw_output"] == text
    stream = read_stream((out / "response.stream.txt").read_bytes())
    ids = [e["token_id"] for c in stream.chunks for e in c.entries]
    assert [i for c in chunks for i in c.get("delta_token_ids", [])] == ids
    observed = [d for c in chunks for d in c["observed"]["dynamo_v1"]]
    assert observed == [d for c in stream.chunks for d in c.deltas] and observed
    expected = [d for c in chunks for d in c["expected"]["dynamo_v1"]]
    assert [(d["name"], json.loads(d["arguments"])) for d in expected] == [
        (c["name"], c["arguments"]) for c in diagnosis["expected_tool_calls"]]
    page = scan((out / "report.html").read_text())
    assert len(page.tokens) == len(json.loads((out / "response.json").read_text())
                                   ["choices"][0]["logprobs"]["content"])
    assert "returned (streaming)" in (out / "report.html").read_text()


def test_streaming_only_loss_is_highlighted_in_the_report(stack, tmp_path):
    # Dynamo 1.6.1: pythonic extracts the call non-streaming but leaves it in content when the
    # first streamed chunk carries 3 tokens (found by this project's attach comparison).
    stack.set_script("pythonic", {"text": '[get_weather(location="Paris")]', "chunk_size": 3})
    out = attach(stack, tmp_path, "pythonic", "pythonic")
    html = (out / "report.html").read_text()
    start = html.index("<table class=\"cmp\">")
    table = html[start:html.index("</table>", start)]
    name_row = next(r for r in table.split("<tr>") if "call 0: name" in r)
    cells = name_row.split("<td")[1:]
    assert "diff" not in cells[1] and "diff" in cells[2], "the streamed column must show the loss"
    doc = yaml.safe_load((out / "parity_fixture.stream.yaml").read_text())
    check_fixture(doc)
    chunks = doc["cases"][CASE_STREAM]["chunks"]
    assert not [d for c in chunks for d in c["observed"]["dynamo_v1"]]  # no call came back streamed
    assert [d["name"] for c in chunks for d in c["expected"]["dynamo_v1"]] == ["get_weather"]


def test_engine_tokens_from_the_hook_are_the_token_view(tmp_path):
    """probe-launch with the worker hook: the raw output is the engine's tokens, so the token view
    has one element per engine token, and the blanked end-of-turn token is shown as different."""
    from dynamo_toolcall_probe.launch.run import LaunchOptions, run_launch
    from dynamo_toolcall_probe.launch.spec import LaunchRequest

    text = get_spec("hermes").render([("get_weather", {"location": "Paris"})]) + "<|im_end|>"
    out = tmp_path / "bundle"
    run_launch(LaunchRequest(backend="replay", parser="hermes", hook=True),
               LaunchOptions(out=str(out), quiet=True, replay=False,
                             replay_script={"text": text, "chunk_size": 2, "finish_reason": "stop"}))
    diagnosis = json.loads((out / "diagnosis.json").read_text())
    assert diagnosis["raw_source"] == "worker_token_ids"
    html = (out / "report.html").read_text()
    page = scan(html)
    assert len(page.tokens) == diagnosis["engine_view"]["engine_token_count"]
    assert page.tokens[-1].text == "<|im_end|>"
    assert "Engine tokens vs frontend logprobs" in html
    diff_rows = re.findall(r'<td class="diff">(#\d+ id \d+ [^<]*)</td><td class="diff">([^<]*)</td>', html)
    assert any("&lt;|im_end|&gt;" in engine for engine, _ in diff_rows), diff_rows
