"""report.html read back as a browser's parser builds it: one element per token, the exact text
beside lossy bytes, markers and calls highlighted, where parsing stopped, everything from the model
escaped, nothing external. Inputs are responses captured from the real Dynamo 1.6.1 frontend
(tests/cases) or built like them (tests/helpers.py)."""

from __future__ import annotations

import json

from helpers import logprobs_for, request, response

from dynamo_toolcall_probe.bundle.annotate import CODES

from .scan import CASES, bundle_of, case, scan

PAYLOADS = ('<script>document.body.setAttribute("data-pwned","script")</script>',
            '<img src=x onerror="document.body.setAttribute(\'data-pwned\',\'img\')">',
            '"><svg onload=alert(1)>', "</span></div></details><b>bold</b>")


def read(bundle) -> str:
    return (bundle / "report.html").read_text()


def test_one_element_per_logprobs_entry_in_order(tmp_path):
    resp, req = case("38-hermes-truncated-at-max-tokens")
    page = scan(read(bundle_of(tmp_path, resp, req)))
    entries = resp["choices"][0]["logprobs"]["content"]
    assert [int(t.attrs["data-token-index"]) for t in page.tokens] == list(range(len(entries)))
    assert [t.text for t in page.tokens] == [e["token"] for e in entries]
    for t, e in zip(page.tokens, entries):  # the hover title: id, bytes, logprob
        assert f"id {e['token_id']}" in t.attrs["title"]
        assert "bytes " + bytes(e["bytes"]).hex(" ") in t.attrs["title"]
        assert f"logprob {e['logprob']:.3f}" in t.attrs["title"]


def test_truncated_call_shows_where_the_strict_parse_stopped(tmp_path):
    resp, req = case("38-hermes-truncated-at-max-tokens")
    html = read(bundle_of(tmp_path, resp, req))
    page = scan(html)
    cut = [t for t in page.tokens if "cut" in t.attrs["class"].split()]
    assert cut, "no token marked as a cut point"
    assert any("strict parse stopped" in t.attrs["title"] for t in cut)
    assert any("finish_reason: length" in t.attrs["title"] for t in cut)
    assert "Where parsing stopped" in html and 'href="#t' in html


def test_lossy_bytes_are_flagged_with_the_exact_text_beside_them(tmp_path):
    # "東京" split inside both characters; top_logprobs[0].bytes carries the real bytes (facts).
    pieces = ['<tool_call>\n{"name": "get_weather", "arguments": {"location": "', b"\xe6\x9d",
              b"\xb1\xe4", b"\xba\xac", '"}}\n</tool_call>']
    lp = logprobs_for(pieces)
    for entry, piece in zip(lp["content"], pieces):
        raw = piece if isinstance(piece, bytes) else piece.encode()
        entry["top_logprobs"] = [{"token": entry["token"], "logprob": entry["logprob"], "bytes": list(raw)}]
    resp = response(None, tool_calls=[("get_weather", {"location": "東京"})],
                    finish_reason="tool_calls", logprobs=lp)
    page = scan(read(bundle_of(tmp_path, resp, request())))
    lossy = [t for t in page.tokens if "lx" in t.attrs["class"].split()]
    assert [int(t.attrs["data-token-index"]) for t in lossy] == [1, 2, 3]
    assert all(t.text == "\ufffd" for t in lossy) and "bytes ef bf bd" in lossy[0].attrs["title"]
    assert [e.text for e in page.exact] == ['= "東京"'] and page.exact[0].attrs["title"].endswith("#1–#3")
    assert len(page.tokens) == len(pieces)


def test_lossy_bytes_recovered_from_token_ids_with_the_tokenizer(tmp_path):
    name = "04-hermes-multibyte-from-token-ids"
    resp, req = case(name)
    page = scan(read(bundle_of(tmp_path, resp, req, tokenizer=str(CASES / name / "tokenizer"))))
    assert len(page.tokens) == len(resp["choices"][0]["logprobs"]["content"])
    assert [e.text for e in page.exact] == ['= " 日本"']
    # without the tokenizer the raw output is not exact, and the report says so beside the run
    page = scan(read(bundle_of(tmp_path / "no-tok", resp, req)))
    assert page.exact and all("exact text unknown" in e.text for e in page.exact)


def test_markers_calls_and_split_markers(tmp_path):
    text = 'Sure. <tool_call>\n{"name": "get_weather", "arguments": {"location": "Paris"}}\n</tool_call>'
    pieces = ["Sure.", " ", "<tool", "_call>", "\n", '{"name": "get_weather", ', '"arguments": ',
              '{"location": "Paris"}}', "\n</tool", "_call>"]
    assert "".join(pieces) == text
    resp = response(None, finish_reason="stop", logprobs=logprobs_for(pieces))
    page = scan(read(bundle_of(tmp_path, resp, request(), parser="qwen3_coder")))
    cls = {t.text: t.attrs["class"].split() for t in page.tokens}
    assert {"m", "ms"} <= set(cls["<tool"]) and {"m", "ms"} <= set(cls["_call>"])
    assert "m" not in cls["Sure."] and "c" not in cls["Sure."]
    assert "c" in cls['"arguments": ']
    starts = [t for t in page.tokens if "data-call-start" in t.attrs]
    assert [t.text for t in starts] == ["<tool"] and starts[0].attrs["data-call-start"] == "0"
    # the qwen3_coder parser returned nothing for hermes text: the cut is at the first token
    assert "cut" in page.tokens[0].attrs["class"]


def test_low_logprob_tokens_are_shaded(tmp_path):
    pieces = ["The", " answer", " is", " no", "."]
    lp = logprobs_for(pieces)
    for entry, value in zip(lp["content"], (-0.01, -1.0, -3.0, -6.0, -0.2)):
        entry["logprob"] = value
    page = scan(read(bundle_of(tmp_path, response("The answer is no.", logprobs=lp), request())))
    levels = [next((c for c in t.attrs["class"].split() if c in ("p1", "p2", "p3")), None)
              for t in page.tokens]
    assert levels == [None, "p1", "p2", "p3", None]


def test_model_and_request_text_is_escaped_never_markup(tmp_path):
    args = {"location": " ".join(PAYLOADS)}
    text = ("<b>hi</b> " + PAYLOADS[0] + ' <tool_call>\n{"name": "get_weather", "arguments": '
            + json.dumps(args) + "}\n</tool_call>")
    resp = response(text, finish_reason="stop", logprobs=logprobs_for(
        [text[i:i + 5] for i in range(0, len(text), 5)]))
    req = request(model='m"><script>alert(1)</script>')
    meta = {"versions": {"ai-dynamo": "<img src=x onerror=alert(2)>"}}
    html = read(bundle_of(tmp_path, resp, req, parser="none", metadata=meta))
    page = scan(html)
    assert [t.tag for t in page.tags if t.tag in ("script", "img", "svg", "b")] == ["script"]
    assert not [t for t in page.tags if any(k.startswith("on") for k in t.attrs)]
    assert page.text == text and page.folds  # shown as text, exactly, folded runs included
    assert "&lt;script&gt;" in html and "<img src=x" not in html


def test_self_contained_no_external_resources(tmp_path):
    resp, req = case("38-hermes-truncated-at-max-tokens")
    html = read(bundle_of(tmp_path, resp, req))
    page = scan(html)
    for el in page.tags:
        for attr in ("src", "href", "action", "data", "poster", "srcset"):
            value = el.attrs.get(attr)
            assert value is None or value.startswith("#"), (el.tag, attr, value)
    assert not [t for t in page.tags if t.tag in ("link", "iframe", "object", "embed", "img")]
    assert "url(" not in html and "@import" not in html
    csp = next(t.attrs["content"] for t in page.tags if t.attrs.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp
    assert len(page.scripts) == 1 and len(page.scripts[0].splitlines()) <= 6


def _prose_response(n_tokens: int) -> dict:
    """English-like prose at ~4 characters per token (typical of BPE vocabularies), one hermes
    call at the end, a low-probability pick every 37 tokens."""
    words = ("wea", "ther", " in", " the", " city", " is", " mild", " dur", "ing", " spring",
             " but", " sum", "mer", " brings", " heat", ",", " and", " winter", " snow", ".")
    call = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "NYC"}}\n</tool_call>'
    tail = [call[i:i + 4] for i in range(0, len(call), 4)]
    pieces = [words[(i * 7) % len(words)] for i in range(n_tokens - len(tail))] + tail
    lp = logprobs_for(pieces)
    for i, entry in enumerate(lp["content"]):
        entry["logprob"] = -3.0 if i % 37 == 0 else -0.05
    return response(None, logprobs=lp)


def test_32k_token_response_stays_small_and_keeps_every_token(tmp_path):
    resp = _prose_response(32_000)
    html = read(bundle_of(tmp_path, resp, request()))
    assert len(html.encode()) < 200_000, len(html.encode())
    page = scan(html)
    folded = sum(len(f.attrs["data-codes"]) for f in page.folds)
    assert folded > 30_000 and len(page.tokens) + folded == 32_000
    # a fold carries each token's length: unfolding rebuilds exactly the tokens it hides
    entries = resp["choices"][0]["logprobs"]["content"]
    fold, hidden = page.folds[0], page.sources[0].text
    first, pos, rebuilt = int(fold.attrs["data-first"]), 0, []
    for ch in fold.attrs["data-codes"]:
        n = CODES.index(ch) // 4
        rebuilt.append(hidden[pos:pos + n])
        pos += n
    assert rebuilt == [e["token"] for e in entries[first:first + len(rebuilt)]]
    assert [int(t.attrs["data-token-index"]) for t in page.tokens][-5:] == list(range(31_995, 32_000))


def test_analysis_failure_still_writes_a_report(tmp_path):
    from dynamo_toolcall_probe.bundle import write_bundle

    out = write_bundle(tmp_path / "b", request_bytes=None, response_bytes=b"<html>502</html>",
                       error="response is not JSON")
    html = read(out)
    assert "Analysis stopped" in html and "response is not JSON" in html
    assert scan(html).tokens == [] and "No per-token data" in html
