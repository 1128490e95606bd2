"""Calls the request did not want (tool_choice "none"), calls the parser returned from text no
format reads (recovered when they stand in the raw output, invented when not), and calls in a
documented format no Dynamo parser reads."""

import pytest
from helpers import WEATHER_TOOL, chunks, logprobs_for, request, response

from dynamo_toolcall_probe.diagnose import diagnose
from dynamo_toolcall_probe.diagnose.no_call import calls_written
from dynamo_toolcall_probe.diagnose.observed import ObservedCall
from dynamo_toolcall_probe.release import from_option

HERMES = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "NYC"}}\n</tool_call>'
CALL = ("get_weather", {"location": "NYC"})
SEED = ("<seed:tool_call>\n<function=get_weather>\n<parameter=location>NYC</parameter>\n"
        "</function>\n</seed:tool_call>")


def resp(raw, **kw):
    return response(kw.pop("content", raw), logprobs=logprobs_for(chunks(raw)), **kw)


@pytest.mark.parametrize("returned", [False, True], ids=["left-in-content", "returned-anyway"])
def test_a_call_under_tool_choice_none_is_the_models(returned):
    r = (resp(HERMES, content=None, tool_calls=[CALL], finish_reason="tool_calls") if returned
         else resp(HERMES))
    d = diagnose(r, request(tool_choice="none"), "hermes")
    assert d.verdict == "model", d.evidence
    assert d.findings[-1].check == "call_with_tool_choice_none"
    assert 'tool_choice "none"' in d.fix and "report it to ai-dynamo" not in d.fix
    assert all(f.note for f in d.findings if f.verdict != "model")


def test_prose_under_tool_choice_none_stays_ok():
    assert diagnose(resp("It is sunny."), request(tool_choice="none"), "hermes").verdict == "ok"


def test_calls_written_needs_name_and_arguments_in_one_object():
    text = 'Sure: {"tool": 1} then {"name": "get_weather", "arguments": {"location": "NYC"}} ok'
    assert calls_written(text, [ObservedCall("get_weather", '{"location": "NYC"}', {"location": "NYC"})])
    assert not calls_written(text, [ObservedCall("get_weather", "{}", {})])
    assert not calls_written('{"name": "get_weather", "date": 1}',
                             [ObservedCall("get_weather", "{}", {})])
    # arguments written as a JSON string count too
    assert calls_written('x {"name": "f", "parameters": "{\\"a\\": 1}"}',
                         [ObservedCall("f", '{"a": 1}', {"a": 1})])


def test_a_returned_call_that_stands_in_the_raw_output_is_recovered():
    raw = 'Here you go -> {"name": "get_weather", "arguments": {"location": "NYC"}} <- done'
    r = resp(raw, content="Here you go ->  <- done", tool_calls=[CALL], finish_reason="tool_calls")
    d = diagnose(r, request(), "hermes")
    assert d.verdict == "ok" and d.findings[-1].check == "recovered_call"


def test_a_returned_call_with_other_arguments_is_invented():
    raw = 'Here you go -> {"name": "get_weather", "arguments": {"location": "NYC"}} <- done'
    r = resp(raw, content=None, tool_calls=[("get_weather", {"location": "Paris"})],
             finish_reason="tool_calls")
    assert diagnose(r, request(), "hermes").findings[-1].check == "invented_call"


@pytest.mark.parametrize("parser", ["none", "qwen3_coder", "hermes"])
def test_a_well_formed_call_in_a_format_no_dynamo_parser_reads_is_parser_config(parser):
    d = diagnose(resp(SEED), request(), parser, release=from_option("1.6.1"))
    assert d.verdict == "parser_config", d.evidence
    assert not d.detected  # no Dynamo family is claimed for it
    assert "Seed-OSS" in d.fix and "seed_oss" in d.fix and "--dyn-chat-processor" in d.fix
    assert "Dynamo 1.6.1" in d.fix


def test_broken_markup_of_an_unsupported_format_is_the_models():
    broken = SEED.replace("</parameter>", "")
    d = diagnose(resp(broken), request(), "none")
    assert d.verdict == "model" and d.findings[-1].check == "unparsed_markup"
    assert "Seed-OSS" in d.findings[-1].message


def test_granite_list_is_an_unsupported_format_too():
    raw = '<|tool_call|>[{"name": "get_weather", "arguments": {"location": "NYC"}}]'
    d = diagnose(resp(raw), request(tools=[WEATHER_TOOL]), "hermes")
    assert d.verdict == "parser_config" and "Granite" in d.fix


def test_unsupported_markup_without_tools_is_a_call_without_tools():
    d = diagnose(resp(SEED), request(tools=[]), "none")
    assert d.verdict == "model" and d.findings[-1].check == "call_without_tools"


def test_a_json_object_naming_an_offered_tool_is_call_like_markup_not_prose():
    raw = 'Let me check. {"get_weather": {"location": "NYC"}}'
    d = diagnose(resp(raw), request(), "hermes")
    assert d.verdict == "model" and d.findings[-1].check == "unparsed_markup"
    assert "get_weather" in d.findings[-1].message and "tool_choice" not in d.fix
