"""Replaying one hermes call through every tool parser of the installed Dynamo (36 in 1.6.1),
non-streaming and streaming, side by side with one parser, in one run.

Goal (issue 3): all parsers in < 5 s on this machine. Prints the seconds of both and the ratio.
Run: .venv/bin/python bench/bench_replay_all_parsers.py
"""

from __future__ import annotations

import time

from dynamo_toolcall_probe.formats import get_spec
from dynamo_toolcall_probe.replay.modeldir import builtin_model_dir
from dynamo_toolcall_probe.replay.run import installed_parser_names, replay_parsers

REQUEST = {"messages": [{"role": "user", "content": "Weather in NYC?"}],
           "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {
               "type": "object", "properties": {"location": {"type": "string"}}}}}]}


def timed(parsers: list[str], script: dict) -> tuple[float, list[dict]]:
    t0 = time.perf_counter()
    results = replay_parsers(script, parsers, REQUEST, stream=True)
    return time.perf_counter() - t0, results


def main() -> None:
    builtin_model_dir()  # built once, outside the timing
    script = {"text": get_spec("hermes").render([("get_weather", {"location": "NYC"})]),
              "chunk_size": 2}
    names = installed_parser_names()
    one, _ = timed(["hermes"], script)
    full, results = timed(names, script)
    errors = [r["parser"] for r in results if r.get("error")]
    print(f"parsers: {len(names)} (errors: {errors or 'none'})")
    print(f"one parser (stack start + 2 requests): {one:.2f} s")
    print(f"all parsers (stacks start + {2 * len(names)} requests): {full:.2f} s (goal < 5 s)")
    print(f"ratio all/one: {full / one:.2f}x")


if __name__ == "__main__":
    main()
