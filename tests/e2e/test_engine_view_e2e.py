"""Engine tokens (worker hook) vs the real Dynamo 1.6.1 frontend's report of them, through
`probe-launch --backend replay` in-process, read back from the bundle's diagnosis.json.

The reasoning case: on 1.6.1 no reasoning parser drops only the reasoning tokens from the
logprobs. Tried with our scripted worker (non-streaming; streaming too for qwen3, whose
reasoning chunks carry their logprobs): qwen3, deepseek_r1, kimi, kimi_k25, glm45, basic,
deepseek_v4, deepseek_v3_2, nemotron_deci, step3, granite, qwen3_coder, inkling, minimax_m2,
minimax_m3 and kimi_k3 split the reasoning off AND keep its tokens in the logprobs; kimi_k2,
gemma4, mistral and gpt_oss (no harmony vocabulary offline: falls back to basic) leave it in
content. The reasoning the logprobs do not show comes from the parsers that
drop the logprobs entirely: with muse (tool or reasoning parser) and deepseek_v41 the frontend
returns `logprobs: null` while `reasoning_content` holds the reasoning, so the only record of
the reasoning tokens is the worker's.
"""

from __future__ import annotations

import json

import psutil
import pytest

from dynamo_toolcall_probe.diagnose.engine_view import (MATCH_SUMMARY, REASONING_ABSENT,
                                                        SPECIAL_STRIPPED, TOKENS_MISSING)
from dynamo_toolcall_probe.launch.run import LaunchOptions, run_launch
from dynamo_toolcall_probe.launch.spec import LaunchRequest

from .conftest import assert_gone, needs_dynamo

pytestmark = [pytest.mark.e2e, needs_dynamo]

HERMES = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "Paris"}}\n</tool_call>'
MUSE = (' to=self<|message|>Need the weather.<|eom|><|start|>assistant to=get_weather<|message|>'
        '<atem:function_calls>\n<atem:invoke name="get_weather">\n<atem:parameter name="location">'
        'Paris</atem:parameter>\n</atem:invoke>\n</atem:function_calls><|eom|>')
DSML_V41 = ('<think>Need the weather.</think><｜DSML｜ calls>\n<｜DSML｜ invoke name="get_weather">\n'
            '<｜DSML｜ parameter name="location" string="true">Paris</｜DSML｜ parameter>\n'
            '</｜DSML｜ invoke>\n</｜DSML｜ calls>')


def launch(tmp_path, parser: str, reasoning_parser: str | None, text: str) -> dict:
    """One probe-launch run; returns the bundle's engine_view after proving nothing is left."""
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    result = run_launch(
        LaunchRequest(backend="replay", parser=parser, reasoning_parser=reasoning_parser, hook=True),
        LaunchOptions(out=str(tmp_path / "bundle"), quiet=True,
                      replay_script={"text": text, "chunk_size": 2, "finish_reason": "stop"}))
    started = [p.pid for p in psutil.Process().children(recursive=True) if p.pid not in before]
    req = result.plan.request
    assert_gone(started, [req.http_port, req.system_port])
    diagnosis = json.loads((tmp_path / "bundle" / "diagnosis.json").read_text())
    assert diagnosis["raw_source"] == "worker_token_ids"
    assert "Engine tokens vs frontend output" in (tmp_path / "bundle" / "REPORT.md").read_text()
    return diagnosis


def test_plain_hermes_call_logprobs_match_the_engine(tmp_path):
    d = launch(tmp_path, "hermes", None, HERMES)
    view = d["engine_view"]
    assert d["verdict"] == "ok"
    assert view["differences"] == [] and view["summary"] == MATCH_SUMMARY
    assert view["engine_text"] == view["logprobs_text"] == HERMES
    assert view["engine_token_count"] == view["logprobs_token_count"] > 0
    assert [c["name"] for c in view["tool_calls"]] == ["get_weather"]


@pytest.mark.parametrize("parser,reasoning_parser,text,channel", [
    ("muse", "muse", MUSE, "muse_self"),
    ("deepseek_v41", "deepseek_v41", DSML_V41, "think"),
])
def test_reasoning_the_logprobs_do_not_show(tmp_path, parser, reasoning_parser, text, channel):
    d = launch(tmp_path, parser, reasoning_parser, text)
    view = d["engine_view"]
    assert d["verdict"] == "ok"  # the call came back right: missing logprobs are no parser bug
    assert view["logprobs_text"] is None and view["logprobs_token_count"] == 0
    assert view["engine_token_count"] > 0 and "Need the weather." in view["engine_text"]
    assert view["reasoning_content"] == "Need the weather."
    messages = {x["kind"]: x["message"] for x in view["differences"]}
    assert set(messages) == {TOKENS_MISSING, REASONING_ABSENT}
    assert f"all {view['engine_token_count']} engine tokens" in messages[TOKENS_MISSING]
    assert channel in messages[REASONING_ABSENT] and "Need the weather." in messages[REASONING_ABSENT]
    assert "only the logprobs lost it" in messages[REASONING_ABSENT]
    assert any(line.startswith("[ok] engine tokens vs frontend") for line in d["evidence"])


def test_end_of_turn_token_blanked_in_the_logprobs(tmp_path):
    d = launch(tmp_path, "hermes", None, HERMES + "<|im_end|>")
    view = d["engine_view"]
    assert view["engine_token_count"] == view["logprobs_token_count"]
    assert [x["kind"] for x in view["differences"]] == [SPECIAL_STRIPPED]
    assert "<|im_end|>" in view["differences"][0]["message"]
