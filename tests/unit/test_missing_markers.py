"""A call whose start marker is missing (a bare JSON call, an inner call block outside its outer
section, an orphan end marker): a prior that the response disproves when it carries the call,
and the configured family preferred over a bare-JSON reading when the text or the response shows
it read the call."""

import pytest
from helpers import WEATHER_TOOL, chunks, logprobs_for, request, response

from dynamo_toolcall_probe.diagnose import diagnose
from dynamo_toolcall_probe.diagnose.detect import detect_formats

CALL = ("get_weather", {"location": "NYC"})
BARE = '{"name": "get_weather", "arguments": {"location": "NYC"}}'
# one complete inner call block, its outer section opener missing, the section end left over
TWO_LEVEL = {
    "deepseek_v3": '<｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather\n```json\n{"location": "NYC"}\n'
                   '```<｜tool▁call▁end｜><｜tool▁calls▁end｜>',
    "deepseek_v3_1": '<｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"location": "NYC"}<｜tool▁call▁end｜>'
                     '<｜tool▁calls▁end｜>',
    "kimi_k2": '<|tool_call_begin|>functions.get_weather:0<|tool_call_argument_begin|>{"location": "NYC"}'
               '<|tool_call_end|><|tool_calls_section_end|>',
    "deepseek_v4": '<｜DSML｜invoke name="get_weather">\n<｜DSML｜parameter name="location" string="true">'
                   'NYC</｜DSML｜parameter>\n</｜DSML｜invoke>\n</｜DSML｜tool_calls>',
    "minimax_m2": '<invoke name="get_weather">\n<parameter name="location">NYC</parameter>\n</invoke>\n'
                  '</minimax:tool_call>',
}
SECTION_END = {"deepseek_v3": "<｜tool▁calls▁end｜>", "deepseek_v3_1": "<｜tool▁calls▁end｜>",
               "kimi_k2": "<|tool_calls_section_end|>", "deepseek_v4": "</｜DSML｜tool_calls>",
               "minimax_m2": "</minimax:tool_call>"}


def resp(raw, **kw):
    return response(kw.pop("content", raw), logprobs=logprobs_for(chunks(raw)), **kw)


@pytest.mark.parametrize("parser", sorted(TWO_LEVEL))
def test_recovered_call_with_a_leaked_section_end_is_parser_logic(parser):
    """The parser returned the call but left its own section end in content: the missing opener is
    a note (the response carries the call), the leak decides."""
    r = resp(TWO_LEVEL[parser], content=SECTION_END[parser], tool_calls=[CALL],
             finish_reason="tool_calls")
    d = diagnose(r, request(), parser)
    assert d.verdict == "parser_logic", d.evidence
    prior = next(f for f in d.findings if f.check == "missing_start_marker")
    assert prior.note and "carries exactly this call" in prior.message
    leak = next(f for f in d.findings if f.check == "markers_in_content")
    assert not leak.note and f"({d.family} format)" in leak.message
    assert f"Dynamo's {parser} parser left tool-call markup in message.content" in d.fix


@pytest.mark.parametrize("parser", sorted(TWO_LEVEL))
def test_recovered_call_without_a_leak_is_ok(parser):
    r = resp(TWO_LEVEL[parser], content=None, tool_calls=[CALL], finish_reason="tool_calls")
    assert diagnose(r, request(), parser).verdict == "ok"


@pytest.mark.parametrize("parser", sorted(TWO_LEVEL))
def test_a_call_the_parser_did_not_recover_keeps_the_prior_decisive(parser):
    """Nothing came back: what the model meant is not proven, the missing opener is its fault."""
    d = diagnose(resp(TWO_LEVEL[parser]), request(), parser)
    assert d.verdict == "model", d.evidence
    assert "start marker" in d.fix


def test_configured_family_with_its_orphan_end_marker_beats_bare_json():
    text = f"[{BARE}]</TOOLCALL>"
    assert detect_formats(text, [WEATHER_TOOL], None)[0].family == "llama3_json"
    assert detect_formats(text, [WEATHER_TOOL], None, "nemotron_deci")[0].family == "nemotron_deci"
    r = resp(text, content="</TOOLCALL>", tool_calls=[CALL], finish_reason="tool_calls")
    d = diagnose(r, request(), "nemotron_deci")
    assert d.verdict == "parser_logic" and d.family == "nemotron_deci"
    assert "llama3_json" not in d.fix


def test_configured_family_that_returned_the_bare_call_is_named():
    r = resp(BARE, content=None, tool_calls=[CALL], finish_reason="tool_calls")
    d = diagnose(r, request(), "hermes")
    assert d.verdict == "ok" and d.family == "hermes"
    assert d.to_dict()["suggested_parsers"][0] == "hermes"
    assert not any("llama3_json" in f.message for f in d.findings)
    # the same text with nothing to show the configured parser read it: the bare format's family
    assert diagnose(resp(BARE), request(), "hermes").family == "llama3_json"


def test_a_marked_family_is_not_displaced_by_the_configured_one():
    """A V3.2 DSML block under the V4 parser: the V3.2 family reads it with its own markers, so the
    fix is the V3.2 parser even when the V4 parser half-read it."""
    text = ('<｜DSML｜function_calls>\n<｜DSML｜invoke name="get_weather">\n<｜DSML｜parameter '
            'name="location" string="true">NYC</｜DSML｜parameter>\n</｜DSML｜invoke>\n'
            '</｜DSML｜function_calls>')
    r = resp(text, content="<｜DSML｜function_calls>", tool_calls=[CALL], finish_reason="tool_calls")
    d = diagnose(r, request(), "deepseek_v4")
    assert d.family == "dsml_v32" and d.verdict == "parser_config"
    assert "--dyn-tool-call-parser deepseek_v3_2" in d.fix


def test_default_reads_a_bare_call_but_a_models_format_is_named_first():
    assert detect_formats(BARE, [WEATHER_TOOL], None)[0].family == "llama3_json"
    r = resp(BARE, content=None, tool_calls=[CALL], finish_reason="tool_calls")
    d = diagnose(r, request(), "default")
    assert d.verdict == "ok" and d.family == "default" and not d.notes


def test_fenced_json_call_is_read_and_recovered_not_invented():
    text = '```json\n{"name": "get_weather", "parameters": {"location": "NYC"}}\n```'
    r = resp(text, content="```json\n```", tool_calls=[CALL], finish_reason="tool_calls")
    d = diagnose(r, request(), "llama3_json")
    assert d.verdict == "ok" and d.family == "llama3_json"


@pytest.mark.parametrize("text", ["<TOOLCALL>not a json array</TOOLCALL>", "<TOOLCALL>[]</TOOLCALL>"])
def test_a_wrapper_holding_no_call_is_the_models_and_leaving_it_in_content_is_right(text):
    d = diagnose(resp(text), request(), "nemotron_deci")
    assert d.verdict == "model" and d.family == "nemotron_deci"
    leak = next(f for f in d.findings if f.check == "markers_in_content")
    assert leak.note and "leaving its markup in content is right" in leak.message
