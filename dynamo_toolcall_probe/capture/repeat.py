"""Repeated runs: N repros, each diagnosed, then a verdict -> count table and its rates.

Intermittent failures (e.g. 4 of 20 runs, ai-dynamo/dynamo#13240) are invisible in one repro.
With `--out OUT` each run writes its bundle to a scratch directory; the first run of each verdict
is kept as `OUT/run-<i>-<verdict>/` and the rest are removed, and `OUT/repeat.json` holds the
table. The exit code is that of the worst verdict seen (precedence: the order of `Verdict`).
A run that fails (HTTP error, a process died) is counted as `error` and the runs go on; only when
every run fails is the last failure raised.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BadInput, ProbeError
from ..verdicts import Verdict

ERROR = "error"
SUMMARY_FILE = "repeat.json"


@dataclass
class RunOutcome:
    index: int  # 1-based
    verdict: str  # a verdict, or ERROR
    fix: str | None = None
    error: str | None = None
    bundle: str | None = None  # kept only for the first run of each verdict


@dataclass
class RepeatSummary:
    runs: list[RunOutcome] = field(default_factory=list)
    temperature: float | None = None
    first: Any = None  # the first diagnosis of the worst verdict (for the human output)

    @property
    def counts(self) -> list[tuple[str, int]]:
        seen = {r.verdict for r in self.runs}
        order = [v.value for v in Verdict if v in seen] + ([ERROR] if ERROR in seen else [])
        return [(v, sum(r.verdict == v for r in self.runs)) for v in order]

    @property
    def worst(self) -> str | None:
        verdicts = [r.verdict for r in self.runs if r.verdict != ERROR]
        return Verdict.first(verdicts).value if verdicts else None

    @property
    def exit_code(self) -> int:
        return Verdict(self.worst).exit_code if self.worst else 1

    def to_dict(self) -> dict[str, Any]:
        n = len(self.runs)
        return {"runs": n, "temperature": self.temperature,
                "table": [{"verdict": v, "count": c, "rate": round(c / n, 4)} for v, c in self.counts],
                "worst": self.worst, "exit_code": self.exit_code,
                "bundles": {r.verdict: r.bundle for r in self.runs if r.bundle},
                "per_run": [{"run": r.index, "verdict": r.verdict, "fix": r.fix, "error": r.error,
                             "bundle": r.bundle} for r in self.runs]}


def prepare_out(out: str) -> Path:
    """OUT for a repeat: new, empty, or an earlier repeat's (whose run-* bundles are replaced)."""
    root = Path(out)
    if root.exists() and not root.is_dir():
        raise BadInput(f"--out {out} exists and is not a directory")
    if root.is_dir() and any(root.iterdir()):
        if not (root / SUMMARY_FILE).exists():
            raise BadInput(f"{out} exists and is not an earlier --repeat output; choose another --out")
        for old in root.glob("run-*"):
            shutil.rmtree(old, ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)
    return root


def run_repeated(n: int, run_once: Callable[[int, str | None], Any], out: str | None = None,
                 temperature: float | None = None,
                 say: Callable[[str], None] = lambda _: None) -> RepeatSummary:
    """`run_once(index, bundle_dir or None)` does one repro and returns its result (with a
    `.diagnosis`); it may raise a ProbeError, which is counted and the runs go on."""
    if n < 1:
        raise BadInput("--repeat must be at least 1")
    root = prepare_out(out) if out else None
    summary = RepeatSummary(temperature=temperature)
    last_error: ProbeError | None = None
    try:
        for i in range(1, n + 1):
            last_error = _one_run(i, n, run_once, root, summary, say) or last_error
    finally:  # also when interrupted: the table so far and the bundles kept stay together
        if root is not None:
            (root / SUMMARY_FILE).write_text(json.dumps(summary.to_dict(), indent=2) + "\n")
    if summary.worst is None and last_error is not None:
        raise last_error
    return summary


def _one_run(i: int, n: int, run_once, root: Path | None, summary: RepeatSummary,
             say) -> ProbeError | None:
    scratch = root / f".run-{i}" if root else None
    try:
        result = run_once(i, str(scratch) if scratch else None)
    except ProbeError as exc:
        outcome = RunOutcome(i, ERROR, error=str(exc))
        _keep_first(outcome, scratch, root, summary)  # a failed run's partial bundle, if any
        summary.runs.append(outcome)
        say(f"run {i}/{n}: error: {exc}")
        return exc
    except BaseException:
        _discard(scratch)
        raise
    d = result.diagnosis
    outcome = RunOutcome(i, Verdict.parse(d.verdict).value, fix=d.fix)
    _keep_first(outcome, scratch, root, summary)
    if summary.first is None or Verdict.parse(d.verdict).rank < Verdict.parse(
            summary.first.verdict).rank:
        summary.first = d
    summary.runs.append(outcome)
    say(f"run {i}/{n}: {d.verdict}")
    return None


def _keep_first(outcome: RunOutcome, scratch: Path | None, root: Path | None,
                summary: RepeatSummary) -> None:
    if scratch is None or root is None or not scratch.exists():
        return
    if any(r.verdict == outcome.verdict for r in summary.runs):
        _discard(scratch)
        return
    kept = root / f"run-{outcome.index}-{outcome.verdict}"
    scratch.rename(kept)
    outcome.bundle = str(kept)


def _discard(path: Path | None) -> None:
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)
