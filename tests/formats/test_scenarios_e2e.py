"""The `streaming_splits` scenario of formats.scenarios on the REAL Dynamo 1.6.1 frontend: every
family's correct and parallel calls, served by our replay worker one token per chunk and in uneven
chunks of 3-1-4-1-2 tokens (SGLang #31915 measured losses on random 1-4 token splits), come back
the same streaming and non-streaming, and as our strict extraction reads them.

A family whose replay proves nothing declares `streaming_splits` impossible in its spec (harmony).
What the installed Dynamo gets wrong is listed in DYNAMO_DEVIATIONS with what was seen, so a fix
in Dynamo shows up as a failure that asks for the entry to go.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from dynamo_toolcall_probe.formats import family_names, get_spec, names_of
from dynamo_toolcall_probe.release import installed
from dynamo_toolcall_probe.release.knowledge import Knowledge
from dynamo_toolcall_probe.formats.scenarios import TIME, WEATHER, build

pytestmark = pytest.mark.e2e

FAMILIES = [f for f in family_names() if "streaming_splits" not in get_spec(f).impossible_scenarios]
SCENARIOS = ("correct", "parallel")
#: mode -> (stream, how the worker chunks the tokens)
MODES: dict[str, tuple[bool, dict[str, Any]]] = {
    "non-streaming": (False, {"chunk_size": 1}),
    "streaming": (True, {"chunk_size": 1}),
    "streaming-uneven": (True, {"chunk_sizes": [3, 1, 4, 1, 2]}),
}

#: (family, scenario, mode) -> what Dynamo 1.6.1 returns instead (seen with this test)
DYNAMO_DEVIATIONS: dict[tuple[str, str, str], str] = {
    ("pythonic", scenario, "streaming-uneven"): "no tool calls: with 3 tokens in the first chunk the "
    "pythonic stream leaves the list in content (the non-streaming response has the calls)"
    for scenario in SCENARIOS
}

TOOL_DEFS = [
    {"type": "function", "function": {"name": name, "parameters": {
        "type": "object", "properties": {k: {"type": "string"} for k in args}}}}
    for name, args in (WEATHER, TIME)
]


def parser_of(family: str) -> str:
    """The family's first parser name that parses on the installed release (measured)."""
    return Knowledge.of(installed()).working_names(names_of(family))[0]


def calls_of(body: dict[str, Any] | None) -> list[tuple[str, Any]]:
    message = (((body or {}).get("choices") or [{}])[0]).get("message") or {}
    out = []
    for call in message.get("tool_calls") or []:
        fn = call.get("function") or {}
        try:
            args = json.loads(fn.get("arguments") or "null")
        except json.JSONDecodeError:
            args = fn.get("arguments")
        out.append((fn.get("name"), args))
    return out


@pytest.fixture(scope="module")
def observed():
    import importlib.util

    if importlib.util.find_spec("dynamo") is None:
        pytest.skip("ai-dynamo not installed (run scripts/install)")
    from dynamo_toolcall_probe.capture.http import send_chat
    from dynamo_toolcall_probe.replay.inotify import available, group_sizes
    from dynamo_toolcall_probe.replay.stack import ReplayStack, ServedModel

    results: dict[tuple[str, str, str], list[tuple[str, Any]]] = {}
    pos = 0
    for size in group_sizes(len(FAMILIES), available()):  # one frontend at a time: 2 cores
        group, pos = FAMILIES[pos:pos + size], pos + size
        knowledge = Knowledge.of(installed())  # the pairings measured on the installed release
        models = [ServedModel(f"sc-{f}", parser_of(f), knowledge.needs_reasoning(parser_of(f)))
                  for f in group]
        with ReplayStack(models) as stack:
            for family in group:
                for scenario in SCENARIOS:
                    text = build(get_spec(family), scenario).text
                    body = {"model": f"sc-{family}", "tools": TOOL_DEFS,
                            "messages": [{"role": "user", "content": "weather and time in Paris?"}]}
                    for mode, (stream, chunks) in MODES.items():
                        stack.set_script(f"sc-{family}", {"text": text, "finish_reason": "stop", **chunks})
                        reply = send_chat(stack.base_url, body, stream=stream)
                        assert reply.ok, reply.body_bytes[:300]
                        results[(family, scenario, mode)] = calls_of(reply.body)
    return results


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("family", FAMILIES)
def test_streaming_splits(observed, family, scenario, mode):
    want = [(n, a) for n, a in build(get_spec(family), scenario).calls]
    got = observed[(family, scenario, mode)]
    known = DYNAMO_DEVIATIONS.get((family, scenario, mode))
    if known:
        assert got != want, f"Dynamo now returns the right calls: drop the deviation ({known})"
        return
    assert got == want, f"{parser_of(family)} {mode}: {got}"
