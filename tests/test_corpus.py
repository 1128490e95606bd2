"""The case corpus (tests/cases/NN-<id>/): every case through the real `dynamo-probe analyze` CLI.

Each case directory holds request.json, the response (response.json, or response.sse for a
streamed capture) captured from the real ai-dynamo 1.6.1 frontend or constructed with
tests/helpers.py where its source says so, and case.yaml with the expected verdict. Cases the tool
gets wrong today are strict xfails naming the design gap (tests/cases/README.md). Rebuild with
`tests/cases/build_cases.py`; this test never starts Dynamo.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from dynamo_toolcall_probe.cli.main import cli
from dynamo_toolcall_probe.formats.registry import PARSER_FAMILIES
from dynamo_toolcall_probe.verdicts import Verdict

CASES_DIR = Path(__file__).parent / "cases"
CASE_DIRS = sorted(p.parent for p in CASES_DIR.glob("*/case.yaml"))
VERDICTS = tuple(v.value for v in Verdict)
#: Issue 11's error classes ("Why", 1-8), the prompt as a suspect ("What to build" 2), plus the
#: cases that belong to none of them.
CLASSES = ("baseline", "c1-prior", "c2-stop-token-end", "c3-call-end", "c4-schema-types",
           "c5-format-variant", "c6-reasoning", "c7-no-call-wanted", "c8-unparseable-markup",
           "template")
#: The held-out set (table/10-heldout.yaml, `heldout: true`): public exchanges the diagnosis was not
#: developed against. Its classes are heldout-<one of CLASSES> or one of these, which no tuned case has.
HELDOUT_CLASSES = ("tool-choice", "reasoning-leak", "unsupported-format")


def load(case_dir: Path) -> dict:
    return yaml.safe_load((case_dir / "case.yaml").read_text())


def params():
    for case_dir in CASE_DIRS:
        case = load(case_dir)
        marks = [pytest.mark.xfail(reason=case["xfail"], strict=True)] if case.get("xfail") else []
        yield pytest.param(case_dir, case, id=case_dir.name, marks=marks)


def run_analyze(case_dir: Path, case: dict):
    response = case_dir / case.get("response", "response.json")
    args = ["analyze", str(response), "--request", str(case_dir / "request.json")]
    if case.get("parser") is not None:
        args += ["--parser", case["parser"]]
    if case.get("reasoning_parser"):
        args += ["--reasoning-parser", case["reasoning_parser"]]
    if case.get("tokenizer"):
        args += ["--tokenizer", str(case_dir / case["tokenizer"])]
    if case.get("prompt"):
        args += ["--prompt", str(case_dir / case["prompt"])]
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    try:
        return result.exit_code, json.loads(result.stdout)
    except json.JSONDecodeError:  # a one-line error (exit 2), e.g. an SSE transcript today
        return result.exit_code, {"verdict": None, "error": result.output.strip()}


@pytest.mark.parametrize("case_dir,case", list(params()))
def test_case(case_dir: Path, case: dict):
    code, out = run_analyze(case_dir, case)
    assert out["verdict"] is not None, out.get("error")
    evidence = "\n".join(out.get("evidence", []))
    assert out["verdict"] == case["verdict"], evidence
    assert code == Verdict(case["verdict"]).exit_code
    if case.get("check"):
        assert case["check"] in {f["check"] for f in out["findings"]}, evidence
    detected = [d["family"] for d in out["detected_formats"]]
    if case["family"] == "none":
        assert not detected, f"no call expected in the raw output, detected {detected}"
    elif not (case["verdict"] == "inconclusive" and (out["raw_source"] == "none" or not out["exact"])):
        assert detected and detected[0] == case["family"], evidence
    if case.get("tokenizer") and out["raw_notes"] and "lossy" in " ".join(out["raw_notes"]):
        assert out["exact"] is True, evidence
        assert out["raw_source"] in ("logprobs_token_ids", "nvext_completion_token_ids"), evidence
    if case.get("prompt") or (case.get("tokenizer") and case["verdict"] == "template"):
        assert out["prompt"] is not None, evidence


def test_multibyte_case_recovers_exact_text_from_token_ids():
    """The split multi-byte case: lossy in logprobs bytes, exact from token ids + tokenizer."""
    case_dir = next(d for d in CASE_DIRS if d.name.endswith("hermes-multibyte-from-token-ids"))
    entries = json.loads((case_dir / "response.json").read_text())["choices"][0]["logprobs"]["content"]
    assert any(e["bytes"] == [239, 191, 189] for e in entries), "expected a split character"
    code, out = run_analyze(case_dir, load(case_dir))
    assert out["exact"] is True and out["raw_source"] == "logprobs_token_ids"
    assert "Zürich 日本 🙂" in out["raw_output"]
    without = dict(load(case_dir), tokenizer=None)
    assert run_analyze(case_dir, without)[1]["exact"] is False


def test_corpus_coverage():
    cases = [load(d) for d in CASE_DIRS]
    assert len(cases) >= 40
    families = {c["family"] for c in cases}
    missing = set(PARSER_FAMILIES.values()) - families
    assert not missing, f"families without a case: {sorted(missing)}"
    counts = Counter(c["verdict"] for c in cases)
    assert all(counts[v] >= 2 for v in VERDICTS), counts
    for c in cases:
        assert c["verdict"] in VERDICTS and c.get("source")
        assert c["family"] == "none" or c["family"] in set(PARSER_FAMILIES.values())
        if c.get("heldout"):
            assert c["class"].removeprefix("heldout-") in CLASSES + HELDOUT_CLASSES, c
            assert c["class"].startswith("heldout-"), c
        else:
            assert c.get("class", "baseline") in CLASSES, c


def test_public_corpus_coverage():
    """Issue 11: >= 120 cases; the public ones cite a URL, and every error class and verdict has one."""
    cases = [load(d) for d in CASE_DIRS if not load(d).get("heldout")]
    assert len(cases) >= 120
    public = [c for c in cases if c.get("url")]
    assert all(c["url"].startswith("https://github.com/") and c.get("why") for c in public)
    assert {c["class"] for c in public} == set(CLASSES), "every class needs a public case"
    assert {c["verdict"] for c in public} == set(VERDICTS)
    assert any(c.get("response") == "response.sse" for c in public), "streamed captures"
    for c in public:
        assert c.get("constructed") or c.get("dynamo_version"), c["source"]


def test_heldout_set():
    """The held-out set: >= 40 cited public cases, none citing a thread or file a tuned case cites,
    every verdict and both response kinds represented."""
    cases = [load(d) for d in CASE_DIRS]
    heldout = [c for c in cases if c.get("heldout")]
    assert len(heldout) >= 40
    tuned_urls = {c["url"] for c in cases if c.get("url") and not c.get("heldout")}
    for c in heldout:
        assert c["url"].startswith("https://github.com/") and c.get("why") and c.get("source"), c
        assert c["url"] not in tuned_urls, f"{c['url']} is cited by a tuned case"
        assert c.get("constructed") or c.get("dynamo_version"), c["source"]
    assert {c["verdict"] for c in heldout} == set(VERDICTS)
    assert any(c.get("response") == "response.sse" for c in heldout)
    assert any(c.get("response", "response.json") == "response.json" for c in heldout)
