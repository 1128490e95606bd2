"""Accuracy of `dynamo-probe analyze` over the case corpus, by issue 11 error class.

A case is a hit when the verdict is the expected one. The table is printed by
tests/test_corpus_accuracy.py (in CI) and by `build_cases.py --check`, and kept in
tests/cases/README.md between the ACCURACY markers (the test fails when it is stale).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

BEGIN, END = "<!-- ACCURACY:BEGIN -->", "<!-- ACCURACY:END -->"


def table(results: Iterable[tuple[str, str, str, bool]]) -> str:
    """results: (class, verdict expected, response file, hit) per case -> markdown tables by class,
    by expected verdict and by input (response.sse: streamed captures)."""
    rows = [(c, v, f, h) for c, v, f, h in results]
    lines = []
    for key, label in ((0, "class"), (1, "expected verdict"), (2, "input")):
        groups: dict[str, list[bool]] = defaultdict(list)
        for row in rows:
            groups[row[key]].append(row[3])
        lines += ["" if lines else None, f"| {label} | cases | right | accuracy |", "|---|---:|---:|---:|"]
        lines = [ln for ln in lines if ln is not None]
        for name in sorted(groups):
            hits = groups[name]
            lines.append(f"| {name} | {len(hits)} | {sum(hits)} | {100 * sum(hits) / len(hits):.0f}% |")
    total = [r[3] for r in rows]
    lines.append(f"| **all** | {len(total)} | {sum(total)} | {100 * sum(total) / len(total):.0f}% |")
    return "\n".join(lines)


def readme_block(text: str) -> str:
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip() if BEGIN in text else ""
