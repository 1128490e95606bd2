"""Repeated runs: the verdict table, the worst verdict's exit code, one bundle kept per verdict,
failed runs counted, and the summary kept when interrupted (capture/repeat.py)."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from dynamo_toolcall_probe.capture.repeat import ERROR, run_repeated
from dynamo_toolcall_probe.errors import BadInput, EnvironmentProblem


def fake_runs(verdicts):
    """run_once that writes a tiny bundle and returns the next verdict (or raises)."""
    def run_once(index, bundle):
        verdict = verdicts[index - 1]
        if bundle:
            from pathlib import Path

            Path(bundle).mkdir(parents=True)
            (Path(bundle) / "metadata.json").write_text(json.dumps({"run": index}))
        if isinstance(verdict, BaseException):
            raise verdict
        return SimpleNamespace(diagnosis=SimpleNamespace(verdict=verdict, fix=f"fix {verdict}"))
    return run_once


def test_mixed_verdicts_make_a_table_and_the_worst_exit_code(tmp_path):
    verdicts = ["ok", "parser_logic", "ok", "parser_logic", "ok"]
    out = tmp_path / "runs"
    summary = run_repeated(5, fake_runs(verdicts), str(out), temperature=0.7)
    data = summary.to_dict()
    assert data["table"] == [{"verdict": "parser_logic", "count": 2, "rate": 0.4},
                             {"verdict": "ok", "count": 3, "rate": 0.6}]
    assert data["worst"] == "parser_logic" and data["exit_code"] == 12
    assert sorted(p.name for p in out.iterdir()) == ["repeat.json", "run-1-ok", "run-2-parser_logic"]
    assert json.loads((out / "run-2-parser_logic" / "metadata.json").read_text()) == {"run": 2}
    assert json.loads((out / "repeat.json").read_text())["temperature"] == 0.7
    assert summary.first.verdict == "parser_logic"


def test_precedence_is_the_verdict_order_not_the_exit_code():
    summary = run_repeated(3, fake_runs(["inconclusive", "parser_config", "model"]))
    assert summary.worst == "parser_config" and summary.exit_code == 11


def test_a_failed_run_is_counted_and_the_runs_go_on(tmp_path):
    verdicts = ["ok", EnvironmentProblem("HTTP 503"), "ok"]
    summary = run_repeated(3, fake_runs(verdicts), str(tmp_path / "o"))
    data = summary.to_dict()
    assert [r["verdict"] for r in data["per_run"]] == ["ok", ERROR, "ok"]
    assert data["table"][-1] == {"verdict": ERROR, "count": 1, "rate": round(1 / 3, 4)}
    assert data["exit_code"] == 0 and "HTTP 503" in data["per_run"][1]["error"]
    assert (tmp_path / "o" / "run-2-error").is_dir()  # its partial bundle is kept


def test_every_run_failing_raises_the_failure():
    with pytest.raises(EnvironmentProblem, match="down"):
        run_repeated(2, fake_runs([EnvironmentProblem("down"), EnvironmentProblem("down")]))


def test_interrupted_runs_keep_the_table_so_far(tmp_path):
    out = tmp_path / "o"
    with pytest.raises(KeyboardInterrupt):
        run_repeated(3, fake_runs(["ok", KeyboardInterrupt(), "ok"]), str(out))
    assert json.loads((out / "repeat.json").read_text())["runs"] == 1
    assert sorted(p.name for p in out.iterdir()) == ["repeat.json", "run-1-ok"]


def test_out_must_be_new_or_an_earlier_repeat(tmp_path):
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine")
    with pytest.raises(BadInput, match="not an earlier --repeat output"):
        run_repeated(1, fake_runs(["ok"]), str(tmp_path / "taken"))
    out = tmp_path / "again"
    run_repeated(2, fake_runs(["ok", "model"]), str(out))
    run_repeated(1, fake_runs(["parser_config"]), str(out))  # the old run-* are replaced
    assert sorted(p.name for p in out.iterdir()) == ["repeat.json", "run-1-parser_config"]
