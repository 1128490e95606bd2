"""The Verdict type: one place for values, exit codes and precedence."""

import json

from dynamo_toolcall_probe.diagnose.findings import Finding, deciding, pick
from dynamo_toolcall_probe.errors import VERDICT_EXIT_CODES
from dynamo_toolcall_probe.verdicts import EXIT_CODES, Verdict


def test_a_verdict_is_its_string_everywhere():
    assert Verdict.OK == "ok" and f"{Verdict.PARSER_LOGIC}" == "parser_logic"
    assert str(Verdict.TEMPLATE) == "template" and json.dumps([Verdict.MODEL]) == '["model"]'
    assert VERDICT_EXIT_CODES["parser_config"] == 11 and EXIT_CODES["template"] == 14


def test_exit_codes_are_distinct_and_documented_ones():
    codes = {v: v.exit_code for v in Verdict}
    assert len(set(codes.values())) == len(codes)
    assert codes == {Verdict.OK: 0, Verdict.MODEL: 10, Verdict.PARSER_CONFIG: 11,
                     Verdict.PARSER_LOGIC: 12, Verdict.INCONCLUSIVE: 13, Verdict.TEMPLATE: 14}


def test_precedence_and_notes():
    assert Verdict.first(["ok", "parser_logic", "model"]) == Verdict.MODEL
    assert Verdict.first(["template", "model", "parser_config"]) == Verdict.PARSER_CONFIG
    assert Verdict.first([]) == Verdict.OK
    findings = [Finding("parser_logic", "a", "m", "fix a"), Finding("model", "b", "m", "fix b", note=True)]
    assert pick(findings) == "parser_logic" and deciding(findings).fix == "fix a"
    assert findings[1].line() == "[note: model] m" and Finding("ok", "c", "fact", note=True).line() == "[ok] fact"
