"""One shared suite for every format family: a family adds a YAML file of cases, not code.

tests/formats/cases/<family>.yaml holds a list of cases:

    - id: single-call                    # unique within the file
      parser: hermes                     # a Dynamo parser name of this family
      source: "Dynamo lib/parsers hermes fixture"   # where the text comes from
      text: "<tool_call>\\n{...}\\n</tool_call>"
      tools: [get_weather]               # optional: tool names from tests/formats/tools.yaml
      calls:                             # expected calls, in order (name + decoded arguments)
        - {name: get_weather, arguments: {location: NYC}}
      problems: []                       # expected problem kinds (set), [] = clean
      broken: false                      # true when the case shows a model-side defect
      finish_reason: stop                # optional: the response's finish_reason
      ended_at_eof: [true]               # optional: per call, ran to the end without a stop token
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dynamo_toolcall_probe.formats import PARSER_FAMILIES, family_names, get_spec
from dynamo_toolcall_probe.formats.base import MODEL_PROBLEMS
from dynamo_toolcall_probe.formats.extract import extract

HERE = Path(__file__).parent
TOOLS = yaml.safe_load((HERE / "tools.yaml").read_text())


def load_cases():
    for path in sorted((HERE / "cases").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text()) or []:
            yield pytest.param(path.stem, case, id=f"{path.stem}-{case['id']}")


ALL_CASES = list(load_cases())


def tools_for(case):
    names = case.get("tools")
    return None if names is None else [TOOLS[n] for n in names]


@pytest.mark.parametrize("family,case", ALL_CASES)
def test_case(family, case):
    assert PARSER_FAMILIES[case["parser"]] == family, "case file must match the parser's family"
    spec = get_spec(family)
    result = extract(spec, case["text"], tools_for(case), case.get("reasoning_parser"),
                     case.get("finish_reason"))
    got_calls = [{"name": c.name, "arguments": c.arguments} for c in result.calls]
    want_calls = [{"name": c["name"], "arguments": c.get("arguments")} for c in case["calls"]]
    assert got_calls == want_calls
    got_kinds = {p.kind for c in result.calls for p in c.problems} | {p.kind for p in result.problems}
    assert got_kinds == set(case.get("problems", []))
    assert spec.detect(case["text"]) == bool(case["calls"])
    is_broken = bool(got_kinds & MODEL_PROBLEMS) or not result.calls
    assert is_broken == bool(case.get("broken", False))
    if "ended_at_eof" in case:
        assert [c.ended_at_eof for c in result.calls] == case["ended_at_eof"]


@pytest.mark.parametrize("family", family_names())
def test_render_round_trips(family):
    spec = get_spec(family)
    calls = [("get_weather", {"location": "Zürich, CH", "unit": "celsius"}),
             ("get_time", {"timezone": "Europe/Zurich"})]
    text = spec.render(calls)
    result = extract(spec, text, [TOOLS["get_weather"], TOOLS["get_time"]])
    assert [(c.name, c.arguments) for c in result.calls] == calls
    assert not [p for c in result.calls for p in c.problems]


@pytest.mark.parametrize("name", sorted(PARSER_FAMILIES))
def test_every_dynamo_name_has_a_correct_and_a_broken_case(name):
    family = PARSER_FAMILIES[name]
    cases = [c for f, c in (p.values for p in ALL_CASES) if f == family]
    assert any(not c.get("broken") for c in cases), f"{family}: no correct case"
    assert any(c.get("broken") for c in cases), f"{family}: no broken case"
