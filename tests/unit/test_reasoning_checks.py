"""What the reasoning parser made of the answer: its own markers left in content, or the whole
marker-free answer filed as reasoning, are the reasoning parser's logic."""

import pytest
from helpers import chunks, logprobs_for, request, response

from dynamo_toolcall_probe.diagnose import diagnose
from dynamo_toolcall_probe.formats.reasoning import parser_markers

HERMES = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "NYC"}}\n</tool_call>'
CALL = ("get_weather", {"location": "NYC"})
ANSWER = "It is sunny in NYC, 22 degrees."
AFTER_RESULT = [{"role": "user", "content": "Weather in NYC?"},
                {"role": "assistant", "content": "", "tool_calls": [
                    {"id": "c0", "type": "function",
                     "function": {"name": "get_weather", "arguments": '{"location": "NYC"}'}}]},
                {"role": "tool", "tool_call_id": "c0", "content": '{"sky": "sunny", "c": 22}'}]


def resp(raw, **kw):
    return response(kw.pop("content", raw), logprobs=logprobs_for(chunks(raw)), **kw)


def with_reasoning(body, reasoning):
    body["choices"][0]["message"]["reasoning_content"] = reasoning
    return body


@pytest.mark.parametrize("reasoning_parser,marker", [("qwen3", "</think>"), ("kimi", "◁/think▷"),
                                                     ("deepseek_v3_1", "</think>")])
def test_own_end_marker_left_in_content_is_reasoning_parser_logic(reasoning_parser, marker):
    raw = f"plan the call{marker}Checking.{HERMES}"
    r = resp(raw, content=f"plan the call{marker}Checking.", tool_calls=[CALL],
             finish_reason="tool_calls")
    d = diagnose(r, request(), "hermes", reasoning_parser)
    assert d.verdict == "parser_logic", d.evidence
    finding = next(f for f in d.findings if f.check == "reasoning_markers_in_content")
    assert marker in finding.message and reasoning_parser in d.fix


def test_another_channels_marker_is_not_this_parsers_leak():
    """A `</think>` under a parser whose channel is ◁think▷ is not that parser's marker."""
    raw = f"a </think> in prose. {HERMES}"
    r = resp(raw, content="a </think> in prose. ", tool_calls=[CALL], finish_reason="tool_calls")
    assert diagnose(r, request(), "hermes", "kimi").verdict == "ok"
    assert parser_markers("kimi").end == "◁/think▷" and parser_markers("granite") is None


def test_whole_answer_filed_as_reasoning_is_reasoning_parser_logic():
    r = with_reasoning(resp(ANSWER, content=None), ANSWER)
    d = diagnose(r, request(messages=AFTER_RESULT), "hermes", "deepseek_r1")
    assert d.verdict == "parser_logic", d.evidence
    assert d.findings[-1].check == "answer_filed_as_reasoning" and "deepseek_r1" in d.fix


@pytest.mark.parametrize("case", ["length", "markers", "content", "no_logprobs"])
def test_answer_as_reasoning_only_when_nothing_else_explains_it(case):
    raw = f"<think>{ANSWER}" if case == "markers" else ANSWER
    r = resp(raw, content="x" if case == "content" else None,
             finish_reason="length" if case == "length" else "stop")
    if case == "no_logprobs":
        r = response(None)
    r = with_reasoning(r, raw)
    d = diagnose(r, request(messages=AFTER_RESULT), "hermes", "deepseek_r1")
    assert "answer_filed_as_reasoning" not in {f.check for f in d.findings}
