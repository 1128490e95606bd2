"""The verdict logic on hand-built responses (the end-to-end tests get the same from the real
frontend). Each test names the situation a user reports."""

import pytest
from helpers import chunks, logprobs_for, request, response

from dynamo_toolcall_probe.diagnose import diagnose

HERMES = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "NYC"}}\n</tool_call>'


def resp(raw, **kw):
    return response(kw.pop("content", raw), logprobs=logprobs_for(chunks(raw)), **kw)


@pytest.mark.parametrize("parser", ["qwen3_coder", "mistral", "none"])
def test_wrong_or_missing_parser_is_parser_config(parser):
    d = diagnose(resp(HERMES), request(), parser)
    assert d.verdict == "parser_config"
    assert "--dyn-tool-call-parser hermes" in d.fix
    assert d.to_dict()["suggested_parsers"][0] == "hermes"
    assert {"qwen25", "hermes"} <= set(d.to_dict()["suggested_parsers"])


def test_correct_parser_and_correct_response_is_ok():
    r = resp(HERMES, content=None, tool_calls=[("get_weather", {"location": "NYC"})],
             finish_reason="tool_calls")
    d = diagnose(r, request(), "hermes")
    assert d.verdict == "ok" and not d.findings


def test_correct_parser_but_null_tool_calls_is_parser_logic():
    d = diagnose(resp(HERMES), request(), "hermes")
    assert d.verdict == "parser_logic"
    checks = {f.check for f in d.findings}
    assert {"markers_in_content", "tool_calls"} <= checks


def test_wrong_arguments_are_parser_logic_with_the_difference():
    r = resp(HERMES, content=None, tool_calls=[("get_weather", {"location": "NY"})],
             finish_reason="tool_calls")
    d = diagnose(r, request(), "qwen25")
    assert d.verdict == "parser_logic"
    assert any("arguments.location" in f.message for f in d.findings)


def test_duplicated_call_is_parser_logic():
    r = resp(HERMES, content=None, tool_calls=[("get_weather", {"location": "NYC"})] * 2,
             finish_reason="tool_calls")
    d = diagnose(r, request(), "hermes")
    assert d.verdict == "parser_logic"
    assert any("duplicated" in f.message for f in d.findings)


def test_truncated_at_max_tokens_is_model_even_when_repaired():
    raw = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "Par'
    r = resp(raw, content=None, tool_calls=[("get_weather", {"location": "Par"})],
             finish_reason="length")
    d = diagnose(r, request(), "hermes")
    assert d.verdict == "model"
    assert "max_tokens" in d.fix


def test_broken_json_turned_into_a_call_is_parser_logic():
    raw = '<tool_call>\n{"name": "get_weather", "arguments": {"location": NYC}}\n</tool_call>'
    r = resp(raw, content=None, tool_calls=[("get_weather", {"location": "NYC"})],
             finish_reason="tool_calls")
    d = diagnose(r, request(), "hermes")
    assert d.verdict == "parser_logic"
    assert any(f.check == "invented_call" for f in d.findings)


def test_broken_json_dropped_is_model():
    raw = '<tool_call>\n{"name": "get_weather", "arguments": {"location": NYC}}\n</tool_call>'
    d = diagnose(resp(raw, content=None), request(), "hermes")
    assert d.verdict == "model" and any(f.check == "invalid_json" for f in d.findings)


def test_unknown_tool_is_model():
    raw = HERMES.replace("get_weather", "get_forecast")
    r = resp(raw, content=None, tool_calls=[("get_forecast", {"location": "NYC"})],
             finish_reason="tool_calls")
    d = diagnose(r, request(), "hermes")
    assert d.verdict == "model" and any(f.check == "unknown_tool" for f in d.findings)


def test_no_call_under_tool_choice_required_is_model():
    d = diagnose(resp("It is sunny."), request(tool_choice="required"), "hermes")
    assert d.verdict == "model" and any(f.check == "no_call" for f in d.findings)


def test_prose_answer_when_tools_were_offered_is_the_model_with_a_fix():
    # issue 11 rule 7: the model chose not to call; never "nothing to fix"
    d = diagnose(resp("It is sunny."), request(), "hermes")
    assert d.verdict == "model" and any(f.check == "no_call" for f in d.findings)
    assert '"tool_choice": "required"' in d.fix and "description" in d.fix
    assert "nothing to fix" not in d.fix


@pytest.mark.parametrize("extra", [
    {"tool_choice": "none"},
    {"messages": [{"role": "user", "content": "Weather in NYC?"},
                  {"role": "assistant", "content": None, "tool_calls": [
                      {"id": "c1", "type": "function", "function": {
                          "name": "get_weather", "arguments": '{"location": "NYC"}'}}]},
                  {"role": "tool", "tool_call_id": "c1", "content": "sunny, 22 C"}]},
    {"tools": []},
], ids=["tool_choice-none", "answer-from-tool-results", "no-tools"])
def test_prose_answer_is_ok_when_no_call_was_wanted(extra):
    d = diagnose(resp("It is sunny."), request(**extra), "hermes")
    assert d.verdict == "ok", d.evidence
    assert d.fix.startswith("nothing to fix")


def test_call_inside_reasoning_is_model():
    raw = "<think>\nmaybe " + HERMES + "\n</think>\n\nI think it is sunny."
    d = diagnose(resp(raw, content="\n\nI think it is sunny."), request(), "hermes", "qwen3")
    assert d.verdict == "model"
    assert any(f.check == "inside_reasoning" for f in d.findings)


def test_finish_reason_stop_with_calls_is_flagged():
    r = resp(HERMES, content=None, tool_calls=[("get_weather", {"location": "NYC"})],
             finish_reason="stop")
    d = diagnose(r, request(), "hermes")
    assert d.verdict == "parser_logic" and any(f.check == "finish_reason" for f in d.findings)


def test_unknown_parser_and_unparsed_call_is_inconclusive():
    d = diagnose(resp(HERMES), request(), None)
    assert d.verdict == "inconclusive" and "--parser" in d.fix


def test_no_logprobs_and_parsed_call_is_inconclusive():
    r = response(None, tool_calls=[("get_weather", {"location": "NYC"})], finish_reason="tool_calls")
    d = diagnose(r, request(), "hermes")
    assert d.verdict == "inconclusive" and d.raw.source == "none"


def test_json_report_has_the_documented_keys():
    d = diagnose(resp(HERMES), request(), "qwen3_coder").to_dict()
    for key in ("verdict", "raw_output", "raw_source", "exact", "detected_formats",
                "configured_parser", "suggested_parsers", "expected_tool_calls",
                "observed_tool_calls", "evidence", "fix"):
        assert key in d
    assert d["expected_tool_calls"] == [{"name": "get_weather", "arguments": {"location": "NYC"}}]


def test_a_listed_name_that_parses_nothing_is_parser_config_and_never_suggested():
    # Seen on the 1.6.1 frontend: `qwen3` is in get_tool_parser_names() but on the default
    # parser route it leaves hermes text in content.
    d = diagnose(resp(HERMES), request(), "qwen3")
    assert d.verdict == "parser_config"
    assert "parses nothing" in " ".join(f.message for f in d.findings)
    assert "qwen3" not in d.to_dict()["suggested_parsers"]
    assert "qwen3" not in d.fix and "--dyn-tool-call-parser hermes" in d.fix


@pytest.mark.parametrize("asked", [True, False])
def test_missing_logprobs_fix_depends_on_whether_they_were_asked_for(asked):
    # A parsed call and no logprobs: the raw output is unknown.
    r = response(None, tool_calls=[("get_weather", {"location": "NYC"})], finish_reason="tool_calls")
    req = request(logprobs=asked)
    d = diagnose(r, req, "hermes")
    assert d.verdict == "inconclusive"
    if asked:
        assert "did not return them" in d.fix and "probe-launch" in d.fix
    else:
        assert d.fix.startswith('resend the request with "logprobs": true')


def test_unpaired_parser_on_another_family_names_the_family_it_parses():
    # deepseek_v41 without its reasoning parser, and the model speaks hermes: the message must
    # not call deepseek_v41 an unknown name.
    d = diagnose(resp(HERMES), request(), "deepseek_v41")
    assert d.verdict == "parser_config"
    messages = " ".join(f.message for f in d.findings)
    assert "parses the dsml_v41 format" in messages and "not a Dynamo" not in messages


# --- issue 11: evidence before priors, where calls end, reasoning, markup no family reads -------

HERMES_OPEN = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "NYC"}}\n'


def test_missing_end_marker_recovered_by_the_parser_is_ok_with_a_note():
    r = resp(HERMES_OPEN, content=None, tool_calls=[("get_weather", {"location": "NYC"})],
             finish_reason="tool_calls")
    d = diagnose(r, request(), "hermes")
    assert d.verdict == "ok"
    notes = [f for f in d.findings if f.check == "missing_end_marker"]
    assert notes and all(f.note for f in notes)


def test_missing_end_marker_not_recovered_is_the_model():
    d = diagnose(resp(HERMES_OPEN, content=None), request(), "hermes")
    assert d.verdict == "model" and "missing_end_marker" in {f.check for f in d.findings}


def test_missing_end_marker_at_max_tokens_is_the_model_even_when_returned():
    r = resp(HERMES_OPEN, content=None, tool_calls=[("get_weather", {"location": "NYC"})],
             finish_reason="length")
    assert diagnose(r, request(), "hermes").verdict == "model"


def test_an_inert_parser_name_is_a_note_when_the_response_carries_the_calls():
    # qwen3 parses nothing on 1.6.1's default route: a response with the call means the
    # deployment runs another route or release; the prior may not overrule the evidence
    r = resp(HERMES, content=None, tool_calls=[("get_weather", {"location": "NYC"})],
             finish_reason="tool_calls")
    d = diagnose(r, request(), "qwen3")
    assert d.verdict == "ok"
    assert any(f.note and f.verdict == "parser_config" for f in d.findings)


def test_a_broken_call_next_to_a_lost_well_formed_call_is_parser_logic():
    broken = '<tool_call>\n{"name": "get_weather", "arguments": {"location": NYC}}\n</tool_call>\n'
    good = '<tool_call>\n{"name": "get_time", "arguments": {"timezone": "UTC"}}\n</tool_call>'
    tools = [{"type": "function", "function": {"name": n, "parameters": {"type": "object"}}}
             for n in ("get_weather", "get_time")]
    d = diagnose(resp(broken + good, content=None), request(tools=tools), "hermes")
    assert d.verdict == "parser_logic"
    assert "call_lost" in {f.check for f in d.findings if not f.note}
    assert any(f.note and f.check == "invalid_json" for f in d.findings)
    kept = resp(broken + good, content=None, tool_calls=[("get_time", {"timezone": "UTC"})],
                finish_reason="tool_calls")
    assert diagnose(kept, request(tools=tools), "hermes").verdict == "model"


def test_a_call_after_an_unclosed_think_swallowed_blames_the_reasoning_parser():
    raw = "<think>\nI should check. " + HERMES
    r = resp(raw, content=None)
    r["choices"][0]["message"]["reasoning_content"] = raw[len("<think>"):]
    d = diagnose(r, request(), "hermes", "qwen3")
    assert d.verdict == "parser_logic"
    assert d.findings[0].check == "reasoning_swallowed_call"
    assert "qwen3 reasoning parser" in d.fix


def test_a_draft_inside_closed_reasoning_then_the_real_call_is_ok():
    raw = "<think>\nmaybe " + HERMES + "\n</think>\n\n" + HERMES
    r = resp(raw, content="\n\n", tool_calls=[("get_weather", {"location": "NYC"})],
             finish_reason="tool_calls")
    d = diagnose(r, request(), "hermes", "qwen3")
    assert d.verdict == "ok" and any(f.check == "reasoning_draft" for f in d.findings)
    twice = resp(raw, content=None, tool_calls=[("get_weather", {"location": "NYC"})] * 2,
                 finish_reason="tool_calls")
    d = diagnose(twice, request(), "hermes", "qwen3")
    assert d.verdict == "parser_logic"
    assert "reasoning_draft_returned" in {f.check for f in d.findings}


@pytest.mark.parametrize("raw", ["<get_weather>NYC</get_weather>",
                                 '[TOOL_CALL]\n{tool => "get_weather"}\n[/TOOL_CALL]'])
def test_markup_no_family_reads_is_the_model_and_no_parser_is_proposed(raw):
    d = diagnose(resp(raw), request(), "hermes")
    assert d.verdict == "model" and d.findings[-1].check == "unparsed_markup"
    assert not d.detected and "--dyn-tool-call-parser" not in d.fix


def test_a_wrong_parser_next_to_unreadable_calls_is_a_note():
    raw = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "N'
    d = diagnose(resp(raw, finish_reason="length"), request(), "qwen3_coder")
    assert d.verdict == "model"
    assert any(f.note and f.verdict == "parser_config" for f in d.findings)


def test_a_call_with_no_tools_offered_is_the_model_or_its_template():
    d = diagnose(resp(HERMES), request(tools=[]), "hermes")
    assert d.verdict == "model" and d.findings[-1].check == "call_without_tools"
    assert "chat template" in d.fix
    bare = '{"name": "greet", "parameters": {"text": "hi"}}'
    assert diagnose(resp(bare), request(tools=[]), "llama3_json").verdict == "model"
    answer = '{"name": "Science Fair", "date": "2024-05-01"}'  # structured output, not a call
    assert diagnose(resp(answer), request(tools=[]), "llama3_json").verdict == "ok"


def test_every_finding_carries_its_fix_and_the_diagnosis_uses_the_deciding_one():
    d = diagnose(resp(HERMES), request(), "qwen3_coder")
    decider = next(f for f in d.findings if not f.note and f.verdict == d.verdict)
    assert decider.fix and d.fix == decider.fix
    assert all("fix" in f and "note" in f for f in d.to_dict()["findings"])
