"""Inferring the parser configuration from a replay when nobody can say what the worker runs
(diagnose/inference.py), on hand-built responses and replay results shaped like
replay.run.replay_parsers' (the end-to-end tests get both from the real frontend)."""

import json

from helpers import chunks, logprobs_for, request, response

from dynamo_toolcall_probe.diagnose import diagnose
from dynamo_toolcall_probe.diagnose.inference import infer_configuration

HERMES = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "NYC"}}\n</tool_call>'
CALL = [{"name": "get_weather", "arguments": json.dumps({"location": "NYC"})}]


def replayed(parser, tool_calls=None, content=None):
    return {"parser": parser, "tool_calls": tool_calls or [], "content": content,
            "finish_reason": "tool_calls" if tool_calls else "stop"}


# What 1.6.1 gives for this text: hermes/qwen25 extract it, mistral extracts but leaves the
# wrapper, the rest leave it in content.
REPLAY = [replayed("hermes", CALL), replayed("qwen25", CALL),
          replayed("mistral", CALL, "<tool_call>\n\n</tool_call>"),
          replayed("qwen3_coder", None, HERMES), replayed("pythonic", None, HERMES)]


def unknown_parser(raw=HERMES, **kw):
    content = kw.pop("content", raw)
    return diagnose(response(content, logprobs=logprobs_for(chunks(raw)), **kw), request(), None)


def test_markup_left_in_content_is_inferred_as_parser_config():
    d = unknown_parser()
    assert d.verdict == "inconclusive"
    assert infer_configuration(d, REPLAY, "1.6.1")
    assert d.verdict == "parser_config" and d.configured_parser_source == "inferred"
    assert d.configured_parser is None
    messages = {f.check: f.message for f in d.findings if f.check != "inference"}
    inferred = [f.message for f in d.findings if f.check == "inference"]
    assert "not running a hermes parser" in inferred[0] and "Dynamo 1.6.1" in inferred[0]
    assert "qwen3_coder, pythonic return here" in inferred[1]
    assert "parser_logic instead" in messages["would_be_parser_logic"]
    assert "parser_unknown" not in {f.check for f in d.findings}
    # the markers are explained now: kept as notes that say so, never deciding
    assert all(f.verdict != "inconclusive" for f in d.findings if not f.note)
    assert all("explained" in f.message for f in d.findings if f.verdict == "inconclusive")
    assert "--dyn-tool-call-parser hermes" in d.fix and "inferred" in d.fix
    assert d.to_dict()["configured_parser_source"] == "inferred"


def test_a_response_no_parser_reproduces_is_still_inferred_but_says_so():
    d = unknown_parser()
    assert infer_configuration(d, REPLAY[:3], None)
    assert any("no installed parser reproduces" in f.message for f in d.findings)
    assert any("the installed Dynamo" in f.message for f in d.findings)


def test_no_correct_parser_means_nothing_is_inferred():
    d = unknown_parser()
    assert not infer_configuration(d, REPLAY[2:], "1.6.1")
    assert d.verdict == "inconclusive" and d.configured_parser_source is None
    assert any(f.check == "inference" and "cannot be inferred" in f.message for f in d.findings)


def test_without_logprobs_there_is_nothing_to_replay():
    d = diagnose(response(HERMES), request(), None)  # raw output = content only
    assert not infer_configuration(d, REPLAY, "1.6.1") and d.verdict == "inconclusive"


def test_a_known_parser_is_never_overridden():
    d = diagnose(response(HERMES, logprobs=logprobs_for(chunks(HERMES))), request(), "qwen3_coder")
    verdict = d.verdict
    assert not infer_configuration(d, REPLAY, "1.6.1") and d.verdict == verdict


def test_a_model_defect_stays_a_model_verdict():
    truncated = HERMES[:HERMES.index("NYC")]
    d = unknown_parser(truncated, finish_reason="length")
    assert d.verdict == "model"
    assert not infer_configuration(d, REPLAY, "1.6.1") and d.verdict == "model"
