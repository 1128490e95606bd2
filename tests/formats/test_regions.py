"""The one region splitter (formats.base.split_regions): where a region ends, and why."""

from __future__ import annotations

import re

from dynamo_toolcall_probe.formats.base import JSON, PYTHON, ValueSyntax, split_regions

S, E = "<tool_call>", "</tool_call>"


def spans(text, regions):
    return [(text[r.start:r.end], r.stop) for r in regions]


def test_closed_regions_back_to_back():
    text = f'{S}{{"a": 1}}{E}\n{S}{{"b": 2}}{E}'
    regions = split_regions(text, [S], [E], syntax=JSON)
    assert spans(text, regions) == [(f'{S}{{"a": 1}}{E}', "end"), (f'{S}{{"b": 2}}{E}', "end")]
    assert all(r.value_closed for r in regions)


def test_end_marker_inside_a_json_string_does_not_end_the_region():
    text = f'{S}{{"q": "what is {E} for", "r": "\\"{E}"}}{E} after'
    (region,) = split_regions(text, [S], [E], syntax=JSON)
    assert region.closed and text[region.value_start:region.body_end] == text[len(S):text.rindex(E)]
    # without the JSON context the first (inner) marker would end it
    (plain,) = split_regions(text, [S], [E])
    assert text[plain.body_start:plain.body_end] == '{"q": "what is '


def test_an_unclosed_region_ends_where_the_next_one_starts():
    text = f'{S}{{"a": 1}}\n{S}{{"b": 2}}{E}'
    first, second = split_regions(text, [S], [E], syntax=JSON)
    assert (first.stop, first.closed, first.end) == ("start", False, text.index("\n"))
    assert second.closed and second.start == text.index(S, 1)


def test_a_broken_value_ends_at_the_next_marker_outside_strings():
    text = f'{S}{{"a": {{"x": 1}}\n{S}{{"b": 2}}{E}'  # one brace missing
    first, second = split_regions(text, [S], [E], syntax=JSON)
    assert first.stop == "start" and not first.value_closed
    assert second.closed


def test_a_string_that_never_closes_runs_to_the_end():
    text = f'{S}{{"a": "Par{E} and more'
    (region,) = split_regions(text, [S], [E], syntax=JSON)
    assert (region.stop, region.at_eof, region.end) == ("eof", True, len(text))


def test_value_closed_without_end_marker_stops_at_the_value():
    text = f'{S}{{"a": 1}}  trailing words'
    (region,) = split_regions(text, [S], [E], syntax=JSON)
    assert (region.stop, region.end, region.at_eof) == ("value", text.index("}") + 1, False)
    (at_end,) = split_regions(f'{S}{{"a": 1}}\n', [S], [E], syntax=JSON)
    assert at_end.at_eof and at_end.value_closed and not at_end.closed


def test_an_optional_end_marker_counts_only_right_after_the_value():
    text = '[TOOL_CALLS][{"a": 1}] [/TOOL_CALLS]'
    (region,) = split_regions(text, ["[TOOL_CALLS]"], ["[/TOOL_CALLS]"], syntax=JSON, end_required=False)
    assert region.closed
    far = '[TOOL_CALLS][{"a": 1}] words [/TOOL_CALLS]'
    (region,) = split_regions(far, ["[TOOL_CALLS]"], ["[/TOOL_CALLS]"], syntax=JSON, end_required=False)
    assert region.stop == "value"


def test_cut_markers_end_a_region_unclosed():
    text = '<|channel|>commentary<|message|>{"a": 1}<|end|><|channel|>final<|message|>hi'
    header = re.compile(r"<\|channel\|>\w+<\|message\|>")
    first, second = split_regions(text, [header], ["<|call|>"], cuts=["<|end|>"], syntax=JSON)
    assert first.stop == "cut" and not first.closed and first.value_closed
    assert second.stop == "eof" and second.at_eof


def test_every_value_skips_strings_of_every_inner_value():
    begin, end = "<|section_begin|>", "<|section_end|>"
    text = f'{begin}<|call|>{{"q": "{end}"}}<|call_end|><|call|>{{"r": "x"}}<|call_end|>{end}'
    (region,) = split_regions(text, [begin], [end], syntax=JSON, every_value=True)
    assert region.closed and region.end == len(text)


def test_value_at_finds_json_after_a_name_and_quotes_are_python_or_tokens():
    text = '[TOOL_CALLS]get_weather[ARGS]{"location": "[TOOL_CALLS]"}'
    at = re.compile(r"\w+\[ARGS\]")
    (region,) = split_regions(text, ["[TOOL_CALLS]"], syntax=JSON, value_at=at, end_required=False)
    assert text[region.value_start:region.value_end] == '{"location": "[TOOL_CALLS]"}'
    py = "[f(x=')]'), g(y=\"]\")] after"
    (region,) = split_regions(py, [re.compile(r"\[(?=\w+\()")], syntax=PYTHON, opener_opens_value=True)
    assert py[region.value_start:region.value_end] == "[f(x=')]'), g(y=\"]\")]"
    gemma = ValueSyntax(('<|"|>',), None, "{[", "}]")
    text = '<|tool_call>call:f{a:<|"|><tool_call|><|"|>}<tool_call|>'
    (region,) = split_regions(text, ["<|tool_call>"], ["<tool_call|>"], syntax=gemma,
                              value_at=re.compile(r"call:\w*"))
    assert region.closed and region.end == len(text)


def test_lo_hi_bound_the_search():
    text = f'{S}a{E}{S}b{E}{S}c{E}'
    lo, hi = len(S) + 1 + len(E), len(text) - len(S) - 1 - len(E)
    (region,) = split_regions(text, [S], [E], lo=lo, hi=hi)
    assert text[region.body_start:region.body_end] == "b"
