"""Forced tool_choice and the decoding constraint the worker received.

The shapes are the ones measured with the hook and the real frontend (1.0.2-1.6.1): a named
tool_choice makes the worker's `guided_decoding.json` the function's parameters schema, and the
frontend returns the bare arguments object as the call; `required` makes it an array of
{"name", "parameters"}. Structural tags are the xgrammar `triggered_tags` shape Dynamo 1.6.1 sent
the real vLLM worker (tests/engine/test_engine_ok.py)."""

import pytest
from helpers import WEATHER_TOOL, chunks, logprobs_for, request, response

from dynamo_toolcall_probe.diagnose import diagnose
from dynamo_toolcall_probe.diagnose.forced import answer_text, forced_calls
from dynamo_toolcall_probe.diagnose.guided import Constraint, breaks, constraint_of

NAMED = {"type": "function", "function": {"name": "get_weather"}}
PARAMS = WEATHER_TOOL["function"]["parameters"]
REQUIRED_SCHEMA = {"type": "array", "minItems": 1, "items": {"type": "object", "anyOf": [{
    "properties": {"name": {"type": "string", "enum": ["get_weather"]}, "parameters": PARAMS},
    "required": ["name", "parameters"]}]}}
HERMES = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "Paris"}}\n</tool_call>'
TAG = {"type": "structural_tag", "format": {"type": "triggered_tags", "triggers": ["<tool_call>"],
       "tags": [{"type": "tag", "begin": '<tool_call>\n{"name": "get_weather", "arguments": ',
                 "content": {"type": "json_schema", "json_schema": PARAMS},
                 "end": "}\n</tool_call>"}]}}


def resp(raw, calls=None, finish="tool_calls", content=None):
    return response(content, tool_calls=calls, finish_reason=finish,
                    logprobs=logprobs_for(chunks(raw)))


def engine_request(guided):
    return {"token_ids": [1, 2, 3], "sampling_options": {"guided_decoding": guided}}


# --- the forced shape --------------------------------------------------------------------------
def test_named_tool_choice_bare_arguments_returned_as_the_call_is_ok():
    raw = '{"location": "Paris"}'
    d = diagnose(resp(raw, [("get_weather", {"location": "Paris"})]),
                 request(tool_choice=NAMED), "hermes")
    assert d.verdict == "ok", d.evidence
    assert [f.check for f in d.findings] == ["forced_call"]
    assert d.fix.startswith("nothing to fix: the tool call came back")


def test_required_bare_array_is_ok_without_a_missing_marker_note():
    raw = '[{"name": "get_weather", "parameters": {"location": "Paris"}}]'
    d = diagnose(resp(raw, [("get_weather", {"location": "Paris"})]),
                 request(tool_choice="required"), "hermes")
    assert d.verdict == "ok" and not d.notes, d.evidence


def test_forced_shape_the_frontend_did_not_return_is_parser_logic():
    raw = '{"location": "Paris"}'
    d = diagnose(resp(raw, None, finish="stop", content=raw), request(tool_choice=NAMED), "hermes")
    assert d.verdict == "parser_logic" and d.findings[0].check == "forced_call_lost"


def test_forced_arguments_that_break_the_schema_are_the_model():
    raw = '{"unit": "kelvin"}'
    d = diagnose(resp(raw, [("get_weather", {"unit": "kelvin"})]), request(tool_choice=NAMED),
                 "hermes")
    assert d.verdict == "model" and d.findings[0].check == "schema_violation"
    assert "location" in d.findings[0].message  # the missing required property is named
    assert "the engine did not apply the constraint" in d.fix  # Dynamo sent a schema for it


def test_required_array_naming_an_unknown_tool_is_the_model():
    raw = '[{"name": "get_time", "parameters": {}}]'
    d = diagnose(resp(raw, [("get_time", {})]), request(tool_choice="required"), "hermes")
    assert d.verdict == "model" and d.findings[0].check == "unknown_tool"


def test_the_forced_shape_is_read_after_the_reasoning():
    text = '<think>\nI need the weather.\n</think>\n{"location": "Paris"}'
    assert answer_text(text, "qwen3").strip() == '{"location": "Paris"}'
    calls = forced_calls(text, request(tool_choice=NAMED), "qwen3")
    assert calls is not None and calls[0].arguments == {"location": "Paris"}


@pytest.mark.parametrize("choice", ["auto", "none", None])
def test_only_a_forcing_tool_choice_has_a_forced_shape(choice):
    assert forced_calls('{"location": "Paris"}', request(tool_choice=choice)) is None


# --- reading and checking the constraint -------------------------------------------------------
def test_constraint_kinds_and_absence():
    assert constraint_of({"sampling_options": {}}) is None
    assert constraint_of(engine_request(None)) is None
    assert constraint_of(engine_request({"json": None, "backend": "xgrammar"})) is None
    assert constraint_of(engine_request({"json": PARAMS})).kind == "json"
    tag = constraint_of(engine_request({"structural_tag": TAG}))
    assert tag.kind == "structural_tag" and tag.triggers == ["<tool_call>"] and len(tag.tags) == 1


@pytest.mark.parametrize("constraint, answer, broken", [
    (Constraint("json", PARAMS), '{"location": "Paris"}', False),
    (Constraint("json", PARAMS), '{"unit": "celsius"}', True),
    (Constraint("json", REQUIRED_SCHEMA), HERMES, True),
    (Constraint("choice", ["yes", "no"]), "yes", False),
    (Constraint("choice", ["yes", "no"]), "maybe", True),
    (Constraint("regex", r"\d+"), "42", False),
    (Constraint("regex", r"\d+"), "forty", True),
    (Constraint("regex", r"(unclosed"), "x", False),  # not a Python regex: not checked
    (Constraint("grammar", "root ::= 'a'"), "b", False),  # EBNF: not checked
    (Constraint("structural_tag", TAG), "The weather is fine.", False),  # never triggered
    (Constraint("structural_tag", TAG), HERMES, False),
    (Constraint("structural_tag", TAG), '<tool_call>\n{"name": "get_time", "arguments": {}}', True),
    (Constraint("structural_tag", TAG),
     '<tool_call>\n{"name": "get_weather", "arguments": {"unit": "celsius"}}\n</tool_call>', True),
    (Constraint("structural_tag", TAG),
     '<tool_call>\n{"name": "get_weather", "arguments": {"location": "Paris"}}</tool_call>', True),
])
def test_breaks(constraint, answer, broken):
    assert (breaks(constraint, answer) is not None) == broken


# --- the constraint as evidence ----------------------------------------------------------------
def test_an_ignored_constraint_explains_the_lost_call():
    # Dynamo 1.0.2 under tool_choice required reads the answer as the constrained JSON; an engine
    # that ignored the constraint wrote hermes text, so the call is lost and markers leak.
    d = diagnose(resp(HERMES, None, finish="stop", content=HERMES),
                 request(tool_choice="required"), "hermes",
                 engine_request=engine_request({"json": REQUIRED_SCHEMA}))
    assert d.verdict == "model" and d.findings[0].check == "constraint_not_applied"
    assert "grammar backend" in d.fix
    assert {f.verdict for f in d.notes} >= {"parser_logic"}  # kept, explained


def test_an_ignored_constraint_the_parser_recovered_from_is_a_note():
    d = diagnose(resp(HERMES, [("get_weather", {"location": "Paris"})]),
                 request(tool_choice="required"), "hermes",
                 engine_request=engine_request({"json": REQUIRED_SCHEMA}))
    assert d.verdict == "ok"
    assert any(f.check == "constraint_not_applied" and f.note for f in d.findings)


def test_a_cut_off_answer_is_not_an_ignored_constraint():
    raw = '{"location": "Par'
    d = diagnose(resp(raw, None, finish="length", content=raw), request(tool_choice=NAMED),
                 "hermes", engine_request=engine_request({"json": PARAMS}))
    assert not any(f.check == "constraint_not_applied" for f in d.findings)
    assert any("max_tokens" in f.message for f in d.findings if f.check == "constraint")


def test_a_forced_call_without_a_constraint_says_so():
    d = diagnose(resp("I cannot check the weather."), request(tool_choice="required"), "hermes",
                 engine_request=engine_request(None))
    assert d.verdict == "model" and d.findings[0].check == "forced_call_unconstrained"
    assert any(f.check == "no_call" and f.note for f in d.findings)


def test_an_untriggered_structural_tag_makes_constraining_advice_moot():
    raw = '{"name": "get_weather", "arguments": {"location": "Paris"}}\n</tool_call>'  # no opener
    plain = diagnose(resp(raw, None, finish="stop", content=raw), request(), "hermes")
    tagged = diagnose(resp(raw, None, finish="stop", content=raw), request(), "hermes",
                      engine_request=engine_request({"structural_tag": TAG}))
    assert plain.verdict == tagged.verdict == "model"
    assert tagged.findings[0].check == "structural_tag_untriggered"
    assert "'<tool_call>'" in tagged.fix and "tool_choice" in tagged.fix
    assert tagged.fix != plain.fix


def test_an_obeyed_constraint_is_a_note_and_changes_nothing():
    r = resp(HERMES, [("get_weather", {"location": "Paris"})])
    before = diagnose(r, request(), "hermes")
    after = diagnose(r, request(), "hermes", engine_request=engine_request({"structural_tag": TAG}))
    assert before.verdict == after.verdict == "ok" and before.fix == after.fix
    assert [f.message for f in after.notes] == ["the worker's request carried a structural tag "
                                                "(1 tag(s), triggered by '<tool_call>'); the "
                                                "output obeys it"]


# --- without the worker's request: what the release is measured to do --------------------------
def test_native_markup_lost_under_a_forced_choice_on_a_release_that_reads_only_json():
    from dynamo_toolcall_probe.release import Release

    lost = resp(HERMES, None, finish="stop", content=HERMES)
    old = diagnose(lost, request(tool_choice="required"), "hermes", release=Release("1.0.2"))
    assert old.verdict == "model" and old.findings[0].check == "constraint_not_applied"
    assert "Dynamo 1.0.2 does not read under a forced tool_choice" in old.findings[0].message
    # 1.6.1 reads hermes markup under tool_choice required: losing it there is the parser's fault.
    new = diagnose(lost, request(tool_choice="required"), "hermes", release=Release("1.6.1"))
    assert new.verdict == "parser_logic"
    assert not any(f.check == "constraint_not_applied" for f in new.findings)


def test_a_named_call_in_the_constrained_shape_lost_by_1_1_says_upgrade():
    from dynamo_toolcall_probe.release import Release

    raw = '{"location": "Paris"}'
    d = diagnose(resp(raw, None, finish="stop", content=raw), request(tool_choice=NAMED), "hermes",
                 release=Release("1.1.1"))
    assert d.verdict == "parser_logic" and d.findings[0].check == "forced_call_lost"
    assert "upgrade to Dynamo 1.2.0.post1 or newer" in d.fix
    same = diagnose(resp(raw, None, finish="stop", content=raw), request(tool_choice=NAMED),
                    "hermes", release=Release("1.6.1"))
    assert "upgrade" not in same.fix and "report it" in same.fix


# --- a whole call object where a named tool_choice wants the bare arguments ---------------------
CALL_OBJECT = '{"name": "get_weather", "arguments": {"location": "Paris"}}'


def test_a_call_object_the_frontend_unwrapped_is_ok_with_a_note():
    # What 1.2.1 returns (measured with the replay worker): the inner arguments.
    d = diagnose(resp(CALL_OBJECT, [("get_weather", {"location": "Paris"})]),
                 request(tool_choice=NAMED), "hermes")
    assert d.verdict == "ok" and d.fix.startswith("nothing to fix")
    assert [(f.check, f.note) for f in d.findings] == [("malformed", True), ("forced_call", False)]


def test_a_call_object_taken_literally_is_the_model_and_with_the_hook_the_engine():
    # What 1.6.1 returns: the whole object as the arguments.
    literal = [("get_weather", {"name": "get_weather", "arguments": {"location": "Paris"}})]
    d = diagnose(resp(CALL_OBJECT, literal), request(tool_choice=NAMED), "hermes")
    assert d.verdict == "model" and d.findings[0].check == "malformed"
    assert "whole object as the arguments" in d.findings[0].message
    hooked = diagnose(resp(CALL_OBJECT, literal), request(tool_choice=NAMED), "hermes",
                      engine_request=engine_request({"json": PARAMS}))
    assert hooked.findings[0].check == "constraint_not_applied" and "grammar backend" in hooked.fix


# --- payloads from Dynamo's parser conformance suite (frontend-crates, GuidedJson mode) ----------
def test_an_array_element_that_is_not_a_call_is_the_model_and_dispatching_it_a_note():
    raw = '[{"name": "get_weather", "arguments": {"location": "Paris"}}, {"arguments": {"location": "Tokyo"}}]'
    d = diagnose(resp(raw, [("get_weather", {"location": "Paris"})]), request(tool_choice="required"),
                 "hermes")
    assert d.verdict == "model" and d.findings[0].check == "missing_name"
    assert "element(s) 1" in d.findings[0].message
    assert any(f.check == "forced_fail_open" and f.note for f in d.findings)  # 1.6.1 fails open
    assert not d.detected  # a JSON answer to a forced choice is read in the forced shape only


@pytest.mark.parametrize("finish, check", [("stop", "invalid_json"), ("length", "truncated")])
def test_a_forced_payload_that_is_not_json(finish, check):
    raw = '[{"name": "get_weather", "arguments": {"location": '
    d = diagnose(resp(raw, None, finish=finish, content=raw), request(tool_choice="required"), "hermes")
    assert d.verdict == "model" and d.findings[0].check == check
    assert ("max_tokens" in d.fix) == (finish == "length")


WRAPPED = '<tool_call>\n[{"name": "get_weather", "arguments": {"location": "Paris"}}]\n</tool_call>'


def test_a_forced_payload_inside_tool_markup_the_frontend_stripped():
    d = diagnose(resp(WRAPPED, [("get_weather", {"location": "Paris"})]),
                 request(tool_choice="required"), "hermes")
    assert d.verdict == "ok" and d.family == "hermes"
    assert [(f.check, f.note) for f in d.findings] == [("malformed", True), ("forced_call", False)]
    assert d.to_dict()["expected_tool_calls"] == [{"name": "get_weather", "arguments": {"location": "Paris"}}]


def test_a_forced_payload_inside_tool_markup_that_was_lost():
    d = diagnose(resp(WRAPPED, None, finish="stop", content=WRAPPED),
                 request(tool_choice="required"), "hermes")
    assert d.verdict == "model" and "does not return" in d.findings[0].message


def test_a_native_call_under_a_forced_choice_stays_with_its_family():
    # Well-formed hermes markup is the family's own reading, not a wrapped forced payload.
    d = diagnose(resp(HERMES, None, finish="stop", content=HERMES), request(tool_choice="required"),
                 "hermes")
    assert d.family == "hermes" and d.verdict == "parser_logic"


# --- a JSON response_format beside tools (tool_choice auto) ------------------------------------
PERSON = {"type": "json_schema", "json_schema": {"name": "person", "schema": {
    "type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}}}}


def test_a_json_answer_to_a_json_response_format_is_no_missing_call():
    raw = '{"city": "London", "temperature": 12}'
    d = diagnose(resp(raw, None, finish="stop", content=raw), request(response_format=PERSON), "hermes")
    assert d.verdict == "ok" and d.findings[0].check == "response_format"
    assert "drop response_format" in d.fix and not d.detected


def test_a_response_format_answer_returned_as_a_call_is_parser_logic():
    # What 1.6.1's hermes parser returns for this answer (measured with the replay worker).
    raw = '{"name": "Alice", "age": 30}'
    d = diagnose(resp(raw, [("Alice", {})]), request(response_format=PERSON), "hermes")
    assert d.verdict == "parser_logic" and d.findings[0].check == "response_format_read_as_call"
    assert "Alice" in d.findings[0].message


def test_a_call_attempt_under_a_response_format_is_still_read_as_a_call():
    raw = '{"name": "get_weather", "parameters": {"location": "Paris"}}'
    d = diagnose(resp(raw, None, finish="stop", content=raw),
                 request(response_format={"type": "json_object"}), "llama3_json")
    assert not any(f.check.startswith("response_format") for f in d.findings)
    assert d.family == "llama3_json"


# --- parallel_tool_calls false ------------------------------------------------------------------
TWO = HERMES + "\n" + HERMES.replace("Paris", "Tokyo")


def test_the_first_call_only_under_parallel_tool_calls_false_is_ok():
    # 1.6.1 caps the calls to the first (ai-dynamo/dynamo#12201); measured with the replay worker.
    d = diagnose(resp(TWO, [("get_weather", {"location": "Paris"})]),
                 request(parallel_tool_calls=False), "hermes")
    assert d.verdict == "ok" and d.findings[0].check == "parallel_tool_calls"
    assert "parallel_tool_calls false" in d.fix
    # The same response without the setting: the parser lost a call.
    assert diagnose(resp(TWO, [("get_weather", {"location": "Paris"})]), request(), "hermes").verdict \
        == "parser_logic"


def test_every_call_back_under_parallel_tool_calls_false_is_a_note():
    # 1.2.1 returns both (measured): not honoured, but the calls are as the model wrote them.
    both = [("get_weather", {"location": "Paris"}), ("get_weather", {"location": "Tokyo"})]
    d = diagnose(resp(TWO, both), request(parallel_tool_calls=False), "hermes")
    assert d.verdict == "ok" and any(f.check == "parallel_tool_calls" and f.note for f in d.findings)


def test_a_native_call_to_another_tool_than_the_named_one_is_the_model():
    other = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object"}}}
    raw = '<tool_call>\n{"name": "get_time", "arguments": {}}\n</tool_call>'
    d = diagnose(resp(raw, [("get_time", {})]), request(tools=(WEATHER_TOOL, other), tool_choice=NAMED),
                 "hermes")
    assert d.verdict == "model" and d.findings[0].check == "forced_other_tool"
    assert "did not apply the constraint" in d.fix


def test_a_call_kept_as_reasoning_by_a_parser_that_starts_inside_reasoning():
    # deepseek_r1 reads everything before </think> as reasoning; without it, the call too (1.6.1).
    r = resp(HERMES, None, finish="stop")
    r["choices"][0]["message"]["reasoning_content"] = HERMES
    d = diagnose(r, request(), "hermes", reasoning_parser="deepseek_r1")
    assert d.verdict == "parser_logic" and d.findings[0].check == "reasoning_swallowed_call"
    assert "deepseek_r1 reasoning parser" in d.fix and "disable thinking" in d.fix
