"""The scenario matrix: the same generated scenarios for every family, in the spirit of Dynamo's
`FixtureCase` matrix (lib/parsers/src/tool_calling/test_cases) and the conformance case taxonomy
(ai-dynamo/frontend-crates conformance/case-taxonomy.yaml), so that no family silently skips one.

Each scenario is built from the family's own spec (`render`, `closers`, `start_markers`,
`reasoning_markers`, `stop_token_ends`); a family that cannot express one says why in its
`impossible_scenarios` (data), and the tests hold every family to one or the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .base import INSIDE_REASONING, TEXT_AROUND, TRUNCATED, FormatSpec

Call = tuple[str, dict[str, Any]]

WEATHER: Call = ("get_weather", {"location": "Paris", "unit": "celsius"})
TIME: Call = ("get_time", {"timezone": "Europe/Paris"})

#: name -> what it checks (the taxonomy case it corresponds to)
SCENARIOS: dict[str, str] = {
    "correct": "one well-formed call (TOOLCALLING 1)",
    "parallel": "two calls in one output (TOOLCALLING 2)",
    "truncated": "the output stops mid-argument with finish_reason length (TOOLCALLING 5.c)",
    "unclosed_then_next": "a call without its closers, then a complete call: two calls, the first "
                          "broken (TOOLCALLING 5.d / 4.e)",
    "end_marker_in_string": "the format's own markers inside a string argument do not end the "
                            "call (TOOLCALLING 30.b / 30.c / 31.b)",
    "inside_reasoning": "a call written inside the reasoning span (REASONING 3)",
    "text_around": "narration before and after the call (TOOLCALLING 8.c)",
    "stop_token_end": "the call's end marker is a stop token the engine swallowed: complete with "
                      "finish_reason stop, truncated with length",
    "streaming_splits": "the real frontend streams the correct calls one token per chunk and "
                        "returns what it returns non-streaming (TOOLCALLING stream 50)",
}

#: scenarios that need the real Dynamo frontend (tests/formats/test_scenarios_e2e.py)
FRONTEND_SCENARIOS = frozenset({"streaming_splits"})


@dataclass
class Scenario:
    """A raw output and what a strict extraction must find in it."""

    name: str
    text: str
    calls: list[tuple[str, dict[str, Any] | None]]  # expected (name, arguments); None: undecodable
    broken: bool  # a model-side problem is expected
    kinds: set[str] = field(default_factory=set)  # problem kinds that must be among those found
    finish_reason: str | None = None
    broken_calls: tuple[int, ...] = ()  # indexes of the calls that must carry a model problem


def unclosed(spec: FormatSpec, text: str) -> str:
    """`text` (one rendered call) without the closers at its end."""
    text = text.rstrip()
    changed = True
    while changed:
        changed = False
        for closer in spec.closers():
            if closer and text.endswith(closer):
                text = text[:-len(closer)].rstrip()
                changed = True
    return text


def build(spec: FormatSpec, name: str) -> Scenario:
    """The scenario `name` for `spec` (raises KeyError for a name that is not a scenario and
    ValueError for one the family declares impossible)."""
    if name not in SCENARIOS:
        raise KeyError(name)
    if name in spec.impossible_scenarios:
        raise ValueError(f"{spec.family}: {spec.impossible_scenarios[name]}")
    one = spec.render([WEATHER])
    if name == "correct":
        return Scenario(name, one, [WEATHER], False)
    if name == "parallel":
        return Scenario(name, spec.render([WEATHER, TIME]), [WEATHER, TIME], False)
    if name == "truncated":
        cut = one.index("Paris") + len("Par")
        return Scenario(name, one[:cut], [(WEATHER[0], None)], True, {TRUNCATED}, "length", (0,))
    if name == "unclosed_then_next":
        text = unclosed(spec, one) + spec.render([TIME])
        return Scenario(name, text, [(WEATHER[0], None), TIME], True, set(), "tool_calls", (0,))
    if name == "end_marker_in_string":
        inner = " ".join(dict.fromkeys((*spec.closers(), *spec.start_markers)))
        tricky: Call = (WEATHER[0], {"location": f"Paris {inner} x", "unit": "celsius"})
        return Scenario(name, spec.render([tricky, TIME]), [tricky, TIME], False)
    if name == "inside_reasoning":
        start, end = spec.reasoning_markers
        text = f"{start}Let me call the tool: {one} and wait.{end}\n\nChecking."
        return Scenario(name, text, [WEATHER], True, {INSIDE_REASONING}, "stop", (0,))
    if name == "text_around":
        return Scenario(name, f"I will check the weather. {one} Done.", [WEATHER], False, {TEXT_AROUND})
    if name == "stop_token_end":
        text = one
        for token in spec.stop_token_ends:
            text = text[:-len(token)] if text.endswith(token) else text
        return Scenario(name, text, [WEATHER], False, set(), "stop")
    raise ValueError(f"{name}: runs on the real frontend (tests/formats/test_scenarios_e2e.py)")

