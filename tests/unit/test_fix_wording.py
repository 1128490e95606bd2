"""What a user reads: fixes that follow the finish reason, the release named once, leaks named
after the right format, a call that names no function, no advice to send what was sent."""

import pytest
from helpers import chunks, logprobs_for, request, response

from dynamo_toolcall_probe.diagnose import diagnose
from dynamo_toolcall_probe.diagnose.fix import model_fix
from dynamo_toolcall_probe.release import Release, from_option
from dynamo_toolcall_probe.release.knowledge import Knowledge

CUT = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "N'
KIMI_COUNTER = ('<|tool_calls_section_begin|><|tool_call_begin|>0 <|tool_call_argument_begin|>'
                '{"location": "NYC"}<|tool_call_end|><|tool_calls_section_end|>')


def resp(raw, **kw):
    return response(kw.pop("content", raw), logprobs=logprobs_for(chunks(raw)), **kw)


@pytest.mark.parametrize("finish", ["stop", "tool_calls", "length"])
def test_raise_max_tokens_only_when_max_tokens_cut_the_call(finish):
    d = diagnose(resp(CUT, finish_reason=finish), request(), "hermes")
    assert d.verdict == "model"
    assert ("raise max_tokens" in d.fix) == (finish == "length"), d.fix
    if finish != "length":
        assert f"finish_reason {finish!r}" in d.fix and "`stop`" in d.fix


def test_the_fix_words_each_check_by_the_finish_reason_it_is_given():
    k = Knowledge.of(Release("1.6.1"))
    assert "raise max_tokens" in model_fix("truncated", k, "length")
    assert "raise max_tokens" not in model_fix("missing_end_marker", k, "stop")
    assert "raise max_tokens if finish_reason" in model_fix("truncated", k)  # unknown: both said


def test_json_error_position_reads_once():
    d = diagnose(resp('<tool_call>\n{"name": "get_weather", "arguments": {"location": "N'),
                 request(), "hermes")
    text = " ".join(d.evidence)
    assert "starting at char" in text and "at at" not in text


def test_a_call_that_names_no_function_is_not_an_unknown_tool():
    d = diagnose(resp(KIMI_COUNTER), request(), "kimi_k2")
    assert d.verdict == "model"
    assert "names no function" in d.fix and "does not offer" not in d.fix
    assert "unknown_tool" not in {f.check for f in d.findings}


def test_leak_is_named_after_the_calls_format_not_every_format_with_that_marker():
    hermes = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "NYC"}}\n</tool_call>'
    d = diagnose(resp(hermes), request(), "hermes")
    leak = next(f for f in d.findings if f.check == "markers_in_content")
    assert leak.message.endswith("(hermes format)"), leak.message


def test_the_release_caveat_is_said_once_and_fix_lines_stay_short():
    unknown = diagnose(resp(CUT, finish_reason="stop"), request(), "hermes")
    assert "Dynamo 1.6.1" in unknown.fix and "pass --dynamo-version" not in unknown.fix
    caveats = [e for e in unknown.evidence if "pass --dynamo-version" in e]
    assert len(caveats) == 1 and "newest release measured" in caveats[0]
    assert "((" not in unknown.fix and unknown.fix.count("(") == unknown.fix.count(")")
    exact = diagnose(resp(CUT, finish_reason="stop"), request(), "hermes", release=from_option("1.6.1"))
    assert not [e for e in exact.evidence if "release facts" in e]


@pytest.mark.parametrize("choice", ["required", {"type": "function", "function": {"name": "get_weather"}}])
@pytest.mark.parametrize("raw", ["It is sunny.", "<call>get_weather NYC</call>",
                                 '{"get_weather": {"location": "NYC"}}'])
def test_a_request_that_forced_a_call_is_not_told_to_force_one(choice, raw):
    d = diagnose(resp(raw), request(tool_choice=choice), "hermes")
    assert d.verdict == "model"
    wording = " ".join([d.fix, *(f.fix or "" for f in d.findings)])
    assert "send \"tool_choice\"" not in wording, wording


def test_a_request_that_left_tool_choice_auto_is_told_it_can_force_a_call():
    d = diagnose(resp("It is sunny."), request(tool_choice="auto"), "hermes")
    assert 'send "tool_choice": "required"' in d.fix
