"""report.html in a real browser (headless Debian Chromium): the screenshot shows the verdict
banner and the token boxes laid out; the DOM after the page's script ran has one element per token
(folded runs included once unfolded); a raw output carrying <script> or HTML is text, never run.
scripts/test installs chromium; without it these tests skip, except under CI=true."""

from __future__ import annotations

import json

from .chromium import dump_dom, screenshot
from .scan import bundle_of, case, scan
from .test_report_html import PAYLOADS, _prose_response

PARSER_CONFIG_ORANGE = (0xBC, 0x4C, 0x00)  # .v-parser_config banner
CALL_BLUE = (0xDD, 0xF4, 0xFF)  # .t.c token background
MARKER_YELLOW = (0xFF, 0xE8, 0xA3)  # .t.m token background


def _segments(row: list[bool]) -> int:
    return sum(1 for x, on in enumerate(row) if on and (x == 0 or not row[x - 1]))


def test_screenshot_shows_the_verdict_and_the_token_boxes(tmp_path):
    # Real 1.6.1 capture: hermes text under --dyn-tool-call-parser qwen3_coder.
    resp, req = case("27-hermes-text-qwen3-coder-parser")
    bundle = bundle_of(tmp_path, resp, req, parser="qwen3_coder")
    img = screenshot(bundle / "report.html", tmp_path / "shot.png")

    banner_rows = [y for y in range(img.height)
                   if sum(img.pixel(x, y) == PARSER_CONFIG_ORANGE for x in range(0, img.width, 10))
                   >= 0.6 * img.width / 10]
    assert banner_rows and banner_rows[0] == 0, "no full-width verdict banner at the top"
    assert 50 <= len(banner_rows) <= 200 and banner_rows == list(range(len(banner_rows)))
    # the banner's text is drawn in white on it: the verdict is there to read
    white = sum(img.pixel(x, y) == (255, 255, 255) for y in banner_rows for x in range(0, 500, 2))
    assert white > 100, "no text drawn on the verdict banner"

    blue = img.where(CALL_BLUE)
    yellow = img.where(MARKER_YELLOW)
    assert blue and yellow, "no call-span or marker tokens drawn"
    below = [p for p in blue if p[1] > banner_rows[-1]]
    ys = sorted({y for _, y in below})
    assert ys[-1] - ys[0] > 40, "the call's tokens do not wrap over several lines"
    busiest = max(ys, key=lambda y: sum(1 for p in below if p[1] == y))
    row = [img.pixel(x, busiest) == CALL_BLUE for x in range(img.width)]
    assert _segments(row) >= 8, "token boxes are not drawn as separate boxes with boundaries"

    dom_html = dump_dom(bundle / "report.html")
    assert len(scan(dom_html).tokens) == len(resp["choices"][0]["logprobs"]["content"])
    assert "Verdict: parser_config" in dom_html


def test_folded_runs_unfold_into_one_element_per_token(tmp_path):
    resp = _prose_response(6_000)  # the 32k-token size is checked without a browser
    bundle = bundle_of(tmp_path, resp, None)
    folded = scan(dump_dom(bundle / "report.html"))
    assert 0 < len(folded.tokens) < 200 and folded.folds
    unfolded = scan(dump_dom(bundle / "report.html", "#all"))
    entries = resp["choices"][0]["logprobs"]["content"]
    assert [int(t.attrs["data-token-index"]) for t in unfolded.tokens] == list(range(len(entries)))
    assert [t.text for t in unfolded.tokens[1000:1010]] == [e["token"] for e in entries[1000:1010]]
    shaded = [t for t in unfolded.tokens if "p2" in t.attrs["class"].split()]
    assert len(shaded) == sum(1 for e in entries if e["logprob"] <= -3.0)


def test_script_in_the_raw_output_is_shown_never_run(tmp_path):
    args = {"location": " ".join(PAYLOADS)}
    text = (PAYLOADS[0] + ' <tool_call>\n{"name": "get_weather", "arguments": ' + json.dumps(args)
            + "}\n</tool_call>" + PAYLOADS[1])
    from helpers import logprobs_for, request, response

    resp = response(text, logprobs=logprobs_for([text[i:i + 7] for i in range(0, len(text), 7)]))
    bundle = bundle_of(tmp_path, resp, request(model="<script>alert(1)</script>"), parser="none")
    dom_html = dump_dom(bundle / "report.html", "#all")
    dom = scan(dom_html)
    body = next(t for t in dom.tags if t.tag == "body")
    assert "data-pwned" not in body.attrs, "a script from the raw output ran"
    assert [t.tag for t in dom.tags if t.tag in ("script", "img", "svg", "b")] == ["script"]
    assert dom.text == text  # every character of it is there, as text
