"""The diagnosis states the facts of the deployment's release, never another release's: the
measured knowledge (release/data/releases.json, generated from the real releases) decides."""

import re

import pytest
from helpers import chunks, logprobs_for, request, response

from dynamo_toolcall_probe.diagnose import diagnose
from dynamo_toolcall_probe.release import Release, from_option
from dynamo_toolcall_probe.release.knowledge import EXACT, NEAREST, NEWEST, Knowledge, measured_versions

HERMES = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "NYC"}}\n</tool_call>'


def resp(raw, **kw):
    return response(kw.pop("content", raw), logprobs=logprobs_for(chunks(raw)), **kw)


def words(d) -> str:
    return " ".join([d.fix, *(f.message for f in d.findings)])


def test_every_release_from_1_0_2_to_1_6_1_is_measured():
    versions = measured_versions()
    for v in ("1.0.2", "1.1.1", "1.2.1", "1.3.1", "1.4.2", "1.5.1", "1.6.0", "1.6.1"):
        assert v in versions
    k15, k16 = Knowledge.of(Release("1.5.1")), Knowledge.of(Release("1.6.1"))
    # The measured names agree with what versions-and-engines.md recorded by hand.
    assert set(k16.tool_parsers) - set(k15.tool_parsers) == {"kimi_k25", "qwen3", "glm45", "deepseek_v41"}


@pytest.mark.parametrize("parser", ["qwen3", "glm45", "kimi_k25"])
def test_names_absent_in_1_5_1_are_not_called_inert_there(parser):
    on_15 = diagnose(resp(HERMES), request(), parser, release=from_option("1.5.1"))
    assert on_15.verdict == "parser_config"
    assert f"not a tool parser of Dynamo 1.5.1" in words(on_15)
    assert not re.search(r"1\.6|parses nothing|DYN_PARSER_VERSION", words(on_15)), words(on_15)
    assert parser not in on_15.to_dict()["suggested_parsers"]
    on_16 = diagnose(resp(HERMES), request(), parser, release=from_option("1.6.1"))
    assert on_16.verdict == "parser_config"
    assert "on Dynamo 1.6.1 it parses nothing on the default parser route" in words(on_16)
    assert "1.5" not in words(on_16)


def test_the_sglang_gate_is_named_only_for_releases_that_have_it():
    no_logprobs = response(None, tool_calls=[("get_weather", {"location": "NYC"})],
                           finish_reason="tool_calls")
    gated = diagnose(no_logprobs, request(logprobs=False), "hermes", release=from_option("1.5.1"))
    assert gated.verdict == "inconclusive"
    assert "DYN_SGL_ALLOW_TOP_LOGPROBS" in gated.fix and "Dynamo 1.5.1" in gated.fix
    open_ = diagnose(no_logprobs, request(logprobs=False), "hermes", release=from_option("1.6.1"))
    assert "DYN_SGL_ALLOW_TOP_LOGPROBS" not in open_.fix and "1.5" not in open_.fix


def test_logprob_gaps_are_those_of_the_release():
    asked = response(None, tool_calls=[("get_weather", {"location": "NYC"})],
                     finish_reason="tool_calls")
    old = diagnose(asked, request(logprobs=True), "hermes", release=from_option("1.0.2"))
    assert "only the last token" in old.fix or "Dynamo 1.0.2" in old.fix
    assert "completion_token_ids" not in old.fix  # 1.0.2 has no such field
    new = diagnose(asked, request(logprobs=True), "hermes", release=from_option("1.6.1"))
    assert "completion_token_ids" in new.fix and "Dynamo 1.6.1" in new.fix


def test_unmeasured_and_unknown_releases_say_whose_facts_they_use():
    between = Knowledge.of(Release("1.5.9"))
    assert between.basis == NEAREST and between.measured == "1.5.1"
    assert "Dynamo 1.5.1 (measured; the deployment runs 1.5.9)" == between.label
    unknown = Knowledge.of(Release(None))
    assert unknown.basis == NEWEST and "release is unknown" in unknown.label
    assert Knowledge.of(Release("1.6.1")).basis == EXACT
    d = diagnose(resp(HERMES), request(), "qwen3")  # no release given
    assert "the newest release measured" in words(d)
