"""Engine tokens vs the frontend's report of them, on hand-built responses: one test per kind of
difference, and the case with none. (tests/e2e/test_engine_view_e2e.py gets the same from the
real 1.6.1 frontend.)"""

from helpers import chunks, logprobs_for, request, response

from dynamo_toolcall_probe.diagnose import diagnose
from dynamo_toolcall_probe.diagnose.engine_view import (BYTES_LOSSY, MATCH_SUMMARY,
                                                        REASONING_ABSENT, SPECIAL_STRIPPED,
                                                        TEXT_DIFFERS, TOKENS_EXTRA,
                                                        TOKENS_MISSING, build_engine_view)

HERMES = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "NYC"}}\n</tool_call>'
THINK = "<think>I should look it up.</think>"
EOS = "<|im_end|>"


def kinds(view) -> list[str]:
    return [d.kind for d in view.differences]


def message(view, kind: str) -> str:
    return next(d.message for d in view.differences if d.kind == kind)


def eos_entry(with_top: bool = True) -> dict:
    """How 1.6.1 shows a special token: blank token, null bytes, the name only in top_logprobs."""
    entry = {"token": "", "logprob": -0.01, "bytes": None, "token_id": 2}
    if with_top:
        entry["top_logprobs"] = [{"token": EOS, "logprob": -0.01, "bytes": list(EOS.encode())}]
    return entry


def test_identical_logprobs_have_no_differences():
    text = THINK + HERMES
    r = response(None, [("get_weather", {"location": "NYC"})], "tool_calls",
                 logprobs_for(chunks(text)))
    r["choices"][0]["message"]["reasoning_content"] = "I should look it up."
    view = build_engine_view(text, len(chunks(text)), r, "qwen3")
    assert view.differences == [] and view.summary == MATCH_SUMMARY
    assert view.logprobs_text == view.engine_text and view.logprobs_token_count == view.engine_token_count
    assert view.to_dict()["tool_calls"] == [{"name": "get_weather", "arguments": '{"location": "NYC"}'}]


def test_reasoning_tokens_left_out_of_the_logprobs_are_named_with_their_text():
    engine = THINK + HERMES
    r = response(None, [("get_weather", {"location": "NYC"})], "tool_calls",
                 logprobs_for(chunks(HERMES)), completion_tokens=len(chunks(HERMES)))
    r["choices"][0]["message"]["reasoning_content"] = "I should look it up."
    view = build_engine_view(engine, len(chunks(engine)), r, "qwen3")
    assert kinds(view) == [TOKENS_MISSING, REASONING_ABSENT]
    missing = message(view, TOKENS_MISSING)
    assert f"{len(chunks(THINK))} missing" in missing and "one contiguous span" in missing
    assert "reasoning channel (think)" in missing and "I should look it up." in missing
    assert "reasoning_content holds it" in message(view, REASONING_ABSENT)


def test_a_response_without_logprobs_misses_every_engine_token():
    engine = "to=self<|message|>Need the weather.<|eom|>"
    r = response(None)
    r["choices"][0]["message"]["reasoning_content"] = "Need the weather."
    view = build_engine_view(engine, 10, r, "muse", request=request())
    assert view.logprobs_text is None and view.logprobs_token_count == 0
    assert kinds(view) == [TOKENS_MISSING, REASONING_ABSENT]
    assert "all 10 engine tokens" in message(view, TOKENS_MISSING)
    assert "although the request asked for them" in message(view, TOKENS_MISSING)
    assert "muse_self" in message(view, REASONING_ABSENT)


def test_reasoning_the_frontend_left_in_content_is_a_difference():
    engine = THINK + HERMES
    r = response(THINK, [("get_weather", {"location": "NYC"})], "tool_calls",
                 logprobs_for(chunks(engine)))
    view = build_engine_view(engine, len(chunks(engine)), r, None)
    assert kinds(view) == [REASONING_ABSENT]
    assert "reasoning_content (empty)" in message(view, REASONING_ABSENT)
    assert "came back in content" in message(view, REASONING_ABSENT)


def test_blanked_special_tokens_are_named():
    engine = HERMES + EOS
    lp = logprobs_for(chunks(HERMES))
    lp["content"].append(eos_entry())
    view = build_engine_view(engine, len(chunks(HERMES)) + 1,
                             response(None, [("get_weather", {"location": "NYC"})], "tool_calls", lp))
    assert kinds(view) == [SPECIAL_STRIPPED]
    assert EOS in message(view, SPECIAL_STRIPPED)


def test_special_token_names_come_from_the_tokenizer_without_top_logprobs():
    lp = logprobs_for(chunks(HERMES))
    lp["content"].append(eos_entry(with_top=False))
    view = build_engine_view(HERMES + EOS, len(chunks(HERMES)) + 1, response(None, logprobs=lp),
                             decode=lambda ids: EOS if ids == [2] else "?")
    assert kinds(view) == [SPECIAL_STRIPPED]


def test_characters_split_across_tokens_are_lossy_in_the_logprobs():
    pieces = [b"Z", b"\xc3", b"\xbc", b"rich"]
    view = build_engine_view("Zürich", 4, response("Zürich", logprobs=logprobs_for(pieces)))
    assert kinds(view) == [BYTES_LOSSY]
    text = message(view, BYTES_LOSSY)
    assert '"ü"' in text and "2 entries hold U+FFFD" in text


def test_other_text_differences_give_the_first_offset():
    engine = "It is sunny in Paris."
    view = build_engine_view(engine, len(chunks(engine)),
                             response("x", logprobs=logprobs_for(chunks("It is rainy in Paris."))))
    assert kinds(view) == [TEXT_DIFFERS]
    assert "from char 6" in message(view, TEXT_DIFFERS)


def test_more_logprob_entries_than_engine_tokens():
    view = build_engine_view(HERMES, 3, response(None, logprobs=logprobs_for(chunks(HERMES))))
    assert TOKENS_EXTRA in kinds(view)


def test_diagnose_adds_the_view_as_neutral_evidence_and_keeps_the_verdict():
    engine = THINK + HERMES
    r = response(None, [("get_weather", {"location": "NYC"})], "tool_calls",
                 logprobs_for(chunks(HERMES)), completion_tokens=len(chunks(HERMES)))
    r["choices"][0]["message"]["reasoning_content"] = "I should look it up."
    ids = list(range(len(chunks(engine))))
    d = diagnose(r, request(), "hermes", "qwen3", decode=lambda _ids: engine, worker_token_ids=ids)
    out = d.to_dict()
    assert d.verdict == "ok"
    assert [x["kind"] for x in out["engine_view"]["differences"]] == [TOKENS_MISSING, REASONING_ABSENT]
    engine_findings = [f for f in d.findings if f.check in (TOKENS_MISSING, REASONING_ABSENT)]
    assert len(engine_findings) == 2 and all(f.verdict == "ok" for f in engine_findings)
    assert any("engine tokens vs frontend" in line for line in out["evidence"])


def test_no_worker_record_no_engine_view():
    r = response(None, [("get_weather", {"location": "NYC"})], "tool_calls",
                 logprobs_for(chunks(HERMES)))
    d = diagnose(r, request(), "hermes")
    assert d.engine_view is None and d.to_dict()["engine_view"] is None


def test_matching_view_says_so_in_the_evidence():
    r = response(None, [("get_weather", {"location": "NYC"})], "tool_calls",
                 logprobs_for(chunks(HERMES)))
    d = diagnose(r, request(), "hermes", decode=lambda _ids: HERMES,
                 worker_token_ids=list(range(len(chunks(HERMES)))))
    assert d.verdict == "ok" and not d.findings
    assert f"engine tokens vs frontend: {MATCH_SUMMARY}" in d.evidence
