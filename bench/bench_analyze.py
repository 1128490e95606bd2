"""Analysis of a 32k-token response vs `json.loads` of the same file, side by side in one run.

Goal (issue 2): analysis <= 2x json.loads. Prints both medians and the ratio.
Run: .venv/bin/python bench/bench_analyze.py [--tokens 32768] [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from helpers import logprobs_for, request, response  # noqa: E402

from dynamo_toolcall_probe.analysis import analyze_files  # noqa: E402


def build(tokens: int) -> tuple[dict, dict]:
    """A hermes call whose arguments carry a long text, cut into `tokens` logprob entries."""
    words = ("Zürich weather report: sunny, 21 °C, light wind from the west. " * (tokens // 8))
    raw = ('<tool_call>\n{"name": "get_weather", "arguments": {"location": '
           + json.dumps(words) + '}}\n</tool_call>')
    step = max(1, len(raw) // tokens)
    pieces = [raw[i:i + step] for i in range(0, len(raw), step)][:tokens - 1]
    pieces.append(raw[len("".join(pieces)):])
    lp = logprobs_for(pieces)
    for entry in lp["content"]:  # the frontend also sends top_logprobs when asked
        entry["top_logprobs"] = [{"token": entry["token"], "token_id": entry["token_id"],
                                  "logprob": entry["logprob"], "bytes": entry["bytes"]}]
    body = response(None, tool_calls=[("get_weather", {"location": words})],
                    finish_reason="tool_calls", logprobs=lp)
    return request(), body


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokens", type=int, default=32768)
    ap.add_argument("--rounds", type=int, default=7)
    args = ap.parse_args()
    req, body = build(args.tokens)
    with tempfile.TemporaryDirectory() as tmp:
        resp_path, req_path = Path(tmp, "response.json"), Path(tmp, "request.json")
        resp_path.write_text(json.dumps(body))
        req_path.write_text(json.dumps(req))
        size = resp_path.stat().st_size
        result = analyze_files(str(resp_path), str(req_path), "hermes")  # warm-up, imports
        assert result.diagnosis.verdict == "ok", result.diagnosis.evidence
        loads, analysis = [], []
        for _ in range(args.rounds):  # interleaved so drift hits both alike
            t0 = time.perf_counter()
            json.loads(resp_path.read_bytes())
            loads.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            analyze_files(str(resp_path), str(req_path), "hermes")
            analysis.append(time.perf_counter() - t0)
    lo, an = statistics.median(loads), statistics.median(analysis)
    print(f"response: {args.tokens} tokens, {size / 2**20:.1f} MiB")
    print(f"json.loads median: {lo * 1000:.1f} ms")
    print(f"analyze median:    {an * 1000:.1f} ms")
    print(f"ratio analyze/json.loads: {an / lo:.2f}x (goal <= 2x)")


if __name__ == "__main__":
    main()
