"""Every family through every scenario of formats.scenarios: a family either passes a scenario or
declares it impossible in its spec, with a reason; nothing is skipped silently."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dynamo_toolcall_probe.formats import family_names, get_spec, names_of
from dynamo_toolcall_probe.formats.base import MODEL_PROBLEMS, TRUNCATED
from dynamo_toolcall_probe.formats.extract import extract
from dynamo_toolcall_probe.formats.scenarios import FRONTEND_SCENARIOS, SCENARIOS, build

TOOLS_BY_NAME = yaml.safe_load((Path(__file__).parent / "tools.yaml").read_text())
TOOLS = [TOOLS_BY_NAME["get_weather"], TOOLS_BY_NAME["get_time"]]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.parametrize("family", family_names())
def test_scenario(family, scenario):
    spec = get_spec(family)
    if scenario in spec.impossible_scenarios:
        assert len(spec.impossible_scenarios[scenario]) > 20, "say why the format cannot express it"
        with pytest.raises(ValueError):
            build(spec, scenario)
        return
    if scenario in FRONTEND_SCENARIOS:
        # run by test_scenarios_e2e.py with the family's first parser that parses on the
        # installed release (measured knowledge): there must be one
        from dynamo_toolcall_probe.release import installed
        from dynamo_toolcall_probe.release.knowledge import Knowledge

        assert Knowledge.of(installed()).working_names(names_of(family))
        return
    sc = build(spec, scenario)
    result = extract(spec, sc.text, TOOLS, finish_reason=sc.finish_reason)
    assert [c.name for c in result.calls] == [n for n, _ in sc.calls], sc.text
    for i, (call, (_, args)) in enumerate(zip(result.calls, sc.calls)):
        model_problems = [p.kind for p in call.problems if p.kind in MODEL_PROBLEMS]
        if i in sc.broken_calls:
            assert model_problems, f"call {i} should be broken: {sc.text!r}"
        else:
            assert call.arguments == args, sc.text
            if not sc.broken:
                assert not model_problems, (sc.text, call.problems)
    found = {p.kind for c in result.calls for p in c.problems} | {p.kind for p in result.problems}
    assert sc.kinds <= found, (sc.text, found)
    assert (not result.well_formed) == sc.broken


@pytest.mark.parametrize("family", family_names())
def test_stop_token_end_is_declared_by_data(family):
    """A family whose end marker is a stop token runs the scenario; every other family declares
    it impossible. And the call that ran to the end of the output is complete with finish_reason
    stop, truncated with length."""
    spec = get_spec(family)
    assert spec.end_is_stop_token == ("stop_token_end" not in spec.impossible_scenarios)
    assert set(spec.impossible_scenarios) <= set(SCENARIOS)
    if not spec.end_is_stop_token:
        return
    sc = build(spec, "stop_token_end")
    stopped = extract(spec, sc.text, TOOLS, finish_reason="stop")
    assert stopped.well_formed and stopped.calls[-1].ended_at_eof
    cut = extract(spec, sc.text, TOOLS, finish_reason="length")
    assert TRUNCATED in {p.kind for p in cut.calls[-1].problems}
