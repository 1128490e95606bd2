"""Earlier tool calls as the prompt shows them, read back with the reply's format spec: a shape
the format does not have, which the reply then repeats, is the prompt's fault (`template`)."""

import json

import pytest
from helpers import WEATHER_TOOL, chunks, logprobs_for, request, response

from dynamo_toolcall_probe.diagnose import Prompt, diagnose
from dynamo_toolcall_probe.diagnose.history_shape import earlier_calls, misrendered_history
from dynamo_toolcall_probe.diagnose.prompt import PROMPT_FILE
from dynamo_toolcall_probe.formats.registry import get_spec

HISTORY = [{"role": "user", "content": "Weather in Paris?"},
           {"role": "assistant", "content": "", "tool_calls": [{"id": "c0", "type": "function", "function": {
               "name": "get_weather", "arguments": json.dumps({"location": "Paris"})}}]},
           {"role": "tool", "tool_call_id": "c0", "content": "sunny"},
           {"role": "user", "content": "And in NYC?"}]
TOOLS = ('<|im_start|>system\n<tools>\n{"name": "get_weather", "parameters": {"properties": '
         '{"location": {}, "unit": {}}}}\n</tools><|im_end|>\n')


def hermes(args):
    return ('<tool_call>\n' + json.dumps({"name": "get_weather", "arguments": args}) + '\n</tool_call>')


def prompt_with(call_text):
    return (TOOLS + "<|im_start|>user\nWeather in Paris?<|im_end|>\n<|im_start|>assistant\n"
            + call_text + "<|im_end|>\n<|im_start|>user\n<tool_response>\nsunny\n</tool_response>"
            "<|im_end|>\n<|im_start|>user\nAnd in NYC?<|im_end|>\n<|im_start|>assistant\n")


def resp(raw, **kw):
    return response(kw.pop("content", raw), logprobs=logprobs_for(chunks(raw)), **kw)


def run(history_call, reply, returned=None):
    r = (resp(reply, content=None, tool_calls=returned, finish_reason="tool_calls") if returned
         else resp(reply))
    return diagnose(r, request(messages=HISTORY), "hermes",
                    prompt=Prompt(prompt_with(history_call), PROMPT_FILE))


ENVELOPE = {"arguments": {"location": "Paris"}}


def test_an_imitated_misrendered_history_is_the_verdict_template():
    d = run(hermes(ENVELOPE), hermes({"arguments": {"location": "NYC"}}))
    assert d.verdict == "template", d.evidence
    finding = next(f for f in d.findings if f.check == "history_shape")
    assert "the reply repeats that shape" in finding.message
    assert 'the hermes format reads as arguments {"arguments": {"location": "Paris"}}' in finding.message
    assert "the format writes it" in finding.message
    assert "render earlier calls the way the format writes them" in d.fix
    assert all(f.note for f in d.findings if f.verdict == "model")


def test_a_correct_history_says_nothing():
    d = run(hermes({"location": "Paris"}), hermes({"arguments": {"location": "NYC"}}))
    assert d.verdict == "model" and "history_shape" not in {f.check for f in d.findings}


def test_a_misrendered_history_the_reply_does_not_copy_is_a_note():
    d = run(hermes(ENVELOPE), hermes({"city": "NYC"}))
    assert d.verdict == "model"
    finding = next(f for f in d.findings if f.check == "history_shape")
    assert finding.note and "repeats" not in finding.message


def test_a_misrendered_history_beside_a_correct_reply_is_a_note():
    d = run(hermes(ENVELOPE), hermes({"location": "NYC"}), returned=[("get_weather", {"location": "NYC"})])
    assert d.verdict == "ok"
    assert all(f.note for f in d.findings if f.check == "history_shape")


@pytest.mark.parametrize("family,shown", [
    ("gemma4", '<|tool_call>call:get_weather{{"location":"Paris"}}<tool_call|>'),
    ("dsml_v4", '<｜DSML｜tool_calls>\n<｜DSML｜invoke name="get_weather">\n<｜DSML｜parameter '
                'name="arguments" string="false">{"location": "Paris"}</｜DSML｜parameter>\n'
                '</｜DSML｜invoke>\n</｜DSML｜tool_calls>'),
])
def test_the_shape_is_read_with_the_familys_own_spec(family, shown):
    req = request(messages=HISTORY, tools=[WEATHER_TOOL])
    right = get_spec(family).render([("get_weather", {"location": "Paris"})])
    assert misrendered_history(f"x {right} y", req, family, []) == []
    (found,) = misrendered_history(f"x {shown} y", req, family, [])
    assert found.name == "get_weather" and found.expected == right and not found.imitated


def test_earlier_calls_take_objects_and_json_strings():
    msgs = [{"role": "assistant", "tool_calls": [
        {"function": {"name": "a", "arguments": '{"x": 1}'}},
        {"function": {"name": "b", "arguments": {"y": 2}}},
        {"function": {"name": "c", "arguments": "not json"}}]}]
    assert earlier_calls({"messages": msgs}) == [("a", {"x": 1}), ("b", {"y": 2})]
