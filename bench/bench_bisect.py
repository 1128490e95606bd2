"""`dynamo-probe bisect` over cached releases, side by side with one replay of one parser on the
installed release, in one run.

Goal (issue 10): <= 2.5 s per release once the environments exist (one parser's replay is the
floor: a frontend and a worker start, two requests). The environments are installed first,
outside the timing. Run: .venv/bin/python bench/bench_bisect.py [--versions 1.3.1,1.5.1,1.6.1]
"""

from __future__ import annotations

import argparse
import sys
import time

from dynamo_toolcall_probe.formats import get_spec
from dynamo_toolcall_probe.release import envs, installed
from dynamo_toolcall_probe.replay.bisect import bisect
from dynamo_toolcall_probe.replay.modeldir import builtin_model_dir
from dynamo_toolcall_probe.replay.run import replay_parsers

CALL = ("get_weather", {"location": "NYC"})
REQUEST = {"messages": [{"role": "user", "content": "Weather in NYC?"}],
           "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {
               "type": "object", "properties": {"location": {"type": "string"}}}}}]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--versions", default="1.3.1,1.5.1,1.6.1")
    ap.add_argument("--rounds", type=int, default=3)
    versions = ap.parse_args().versions.split(",")
    rounds = ap.parse_args().rounds
    builtin_model_dir()
    here = installed().version
    pythons = {v: (sys.executable if v == here else envs.ensure_release(v, print)) for v in versions}
    script = {"text": get_spec("hermes").render([CALL]), "chunk_size": 2}
    expected = [{"name": CALL[0], "arguments": CALL[1]}]
    one, per_release = [], []
    for _ in range(rounds):  # interleaved, so both see the same machine load
        t0 = time.perf_counter()
        replay_parsers(script, ["hermes"], REQUEST, stream=True)
        one.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        result = bisect(script, "hermes", versions, expected, REQUEST, pythons=pythons)
        per_release.append((time.perf_counter() - t0) / len(versions))
        assert all(r.matches_expected for r in result.rows), result.to_dict()
    best_one, best_bisect = min(one), min(per_release)
    print(f"releases: {', '.join(versions)}; best of {rounds} rounds")
    print(f"one parser replayed on the installed {here}: {best_one:.2f} s")
    print(f"bisect, per release: {best_bisect:.2f} s (goal <= 2.5 s)")
    print(f"ratio per-release/one-replay: {best_bisect / best_one:.2f}x")


if __name__ == "__main__":
    main()
