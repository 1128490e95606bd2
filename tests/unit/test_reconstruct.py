from helpers import chunks, logprobs_for, response

from dynamo_toolcall_probe.reconstruct import (SOURCE_CONTENT, SOURCE_LOGPROBS, SOURCE_NONE,
                                               SOURCE_TOKEN_IDS, SOURCE_TOP_LOGPROBS, reconstruct)

RAW = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "Zürich"}}\n</tool_call>'


def split_multibyte(text: str) -> list[bytes]:
    """Pieces of `text` where 'ü' (2 bytes) is cut between two tokens."""
    data = text.encode()
    cut = data.index("ü".encode()) + 1
    return [data[:cut], data[cut:]]


def test_joined_bytes_are_exact_when_nothing_is_split():
    r = reconstruct(response(RAW, logprobs=logprobs_for(chunks(RAW))))
    assert (r.text, r.source, r.exact) == (RAW, SOURCE_LOGPROBS, True)


def test_split_multibyte_is_lossy_without_ids_or_tokenizer():
    lp = logprobs_for(split_multibyte(RAW), with_ids=False)
    r = reconstruct(response(RAW, logprobs=lp))
    assert not r.exact and r.lossy_tokens == [0, 1]
    assert "\ufffd" in r.text and "Zürich" not in r.text


def test_split_multibyte_recovered_from_token_ids():
    pieces = split_multibyte(RAW)
    lp = logprobs_for(pieces)
    table = {1000 + i: p for i, p in enumerate(pieces)}
    decode = lambda ids: b"".join(table[i] for i in ids).decode()  # noqa: E731
    r = reconstruct(response(RAW, logprobs=lp), decode)
    assert (r.text, r.source, r.exact) == (RAW, SOURCE_TOKEN_IDS, True)


def test_split_multibyte_recovered_from_top_logprobs_bytes():
    pieces = split_multibyte(RAW)
    lp = logprobs_for(pieces)
    for entry, piece in zip(lp["content"], pieces):
        entry["top_logprobs"] = [{"token": entry["token"], "token_id": entry["token_id"],
                                  "logprob": -0.01, "bytes": list(piece)}]
    r = reconstruct(response(RAW, logprobs=lp))
    assert (r.text, r.source, r.exact) == (RAW, SOURCE_TOP_LOGPROBS, True)


def test_top_logprobs_of_another_token_is_not_used():
    pieces = split_multibyte(RAW)
    lp = logprobs_for(pieces)
    for entry in lp["content"]:
        entry["top_logprobs"] = [{"token": "x", "token_id": 7, "logprob": -0.01, "bytes": [120]}]
    r = reconstruct(response(RAW, logprobs=lp))
    assert not r.exact and "x" not in r.text[:2]


def test_eos_with_null_bytes_is_noted_not_lossy():
    lp = logprobs_for(chunks(RAW))
    lp["content"].append({"token": "", "bytes": None, "logprob": 0.0, "token_id": 151645})
    r = reconstruct(response(RAW, logprobs=lp))
    assert r.exact and r.text == RAW and any("EOS" in n for n in r.notes)


def test_missing_logprobs_falls_back_to_content_and_says_so():
    r = reconstruct(response("plain answer"))
    assert (r.text, r.source, r.exact) == ("plain answer", SOURCE_CONTENT, False)
    assert any("consumed" in n for n in r.notes)


def test_no_logprobs_and_no_content():
    r = reconstruct(response(None, tool_calls=[("get_weather", {"location": "x"})]))
    assert r.source == SOURCE_NONE and not r.exact


def test_incomplete_logprobs_like_dynamo_1_0_are_flagged():
    lp = logprobs_for(["</tool_call>"])
    r = reconstruct(response(None, logprobs=lp, completion_tokens=40))
    assert not r.exact and any("dropped entries" in n for n in r.notes)


def test_worker_token_ids_win():
    r = reconstruct(response("x", logprobs=logprobs_for(["x"])), lambda ids: "engine text",
                    worker_token_ids=[1, 2])
    assert (r.text, r.exact) == ("engine text", True)
