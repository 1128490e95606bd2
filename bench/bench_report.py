"""report.html for a 32k-token response: its size, and the time to write it next to the time to
diagnose the same response and to `json.loads` it, measured side by side in one run.

Two shapes: English-like prose (~4 characters per token) with a hermes call at the end, and one
call whose arguments fill all the tokens (bench_analyze's response). Goal (issue 14): under
~200 KB for 32k tokens. Prints sizes, medians and ratios.
Run: .venv/bin/python bench/bench_report.py [--tokens 32000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_analyze import build as one_long_call  # noqa: E402
from bundle.test_report_html import _prose_response  # noqa: E402
from helpers import request  # noqa: E402

from dynamo_toolcall_probe.bundle.evidence import gather  # noqa: E402
from dynamo_toolcall_probe.bundle.html import render_html  # noqa: E402
from dynamo_toolcall_probe.diagnose import diagnose  # noqa: E402


def measure(name: str, req: dict, body: dict, rounds: int) -> None:
    raw = json.dumps(body).encode()
    diagnosis = diagnose(body, req, "hermes")
    html = render_html(diagnosis, {}, gather(raw, {}, diagnosis.raw))  # warm-up: imports, template
    loads, diag, report = [], [], []
    for _ in range(rounds):  # interleaved so drift hits all three alike
        t0 = time.perf_counter()
        json.loads(raw)
        t1 = time.perf_counter()
        diagnosis = diagnose(body, req, "hermes")
        t2 = time.perf_counter()
        html = render_html(diagnosis, {}, gather(raw, {}, diagnosis.raw))
        t3 = time.perf_counter()
        loads.append(t1 - t0)
        diag.append(t2 - t1)
        report.append(t3 - t2)
    entries = len(body["choices"][0]["logprobs"]["content"])
    ml, md, mr = (statistics.median(x) for x in (loads, diag, report))
    print(f"{name}: {entries} tokens, response {len(raw) / 1e6:.2f} MB, report.html "
          f"{len(html.encode()) / 1e3:.0f} KB")
    print(f"  json.loads {ml * 1e3:.0f} ms | diagnose {md * 1e3:.0f} ms | report.html {mr * 1e3:.0f} ms"
          f" | report/diagnose {mr / md:.2f}x | report/json.loads {mr / ml:.1f}x")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=int, default=32000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    measure("prose + call", request(), _prose_response(args.tokens), args.rounds)
    measure("one long call", *one_long_call(args.tokens), args.rounds)


if __name__ == "__main__":
    main()
