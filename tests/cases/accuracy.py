"""Accuracy of `dynamo-probe analyze` over the case corpus, by issue 11 error class.

A case is a hit when the verdict is the expected one. The table is printed by
tests/test_corpus_accuracy.py (in CI), and kept in tests/cases/README.md between the ACCURACY
markers (the test fails when it is stale); the held-out set's table between the HELDOUT-ACCURACY
markers.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable

BEGIN, END = "<!-- ACCURACY:BEGIN -->", "<!-- ACCURACY:END -->"
#: The held-out set's own table (cases with `heldout: true`), kept between these markers.
HELDOUT_BEGIN, HELDOUT_END = "<!-- HELDOUT-ACCURACY:BEGIN -->", "<!-- HELDOUT-ACCURACY:END -->"


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


def readme_block(text: str, begin: str = BEGIN, end: str = END) -> str:
    return text.split(begin, 1)[1].split(end, 1)[0].strip() if begin in text else ""
