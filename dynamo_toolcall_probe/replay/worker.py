"""The replay worker: a real Dynamo worker that answers with scripted tokens.

Run as `python -m dynamo_toolcall_probe.replay.worker --config FILE`. The config:
`{"model_dir": ..., "namespace": ..., "scripts_dir": ..., "models": [{"name", "tool_call_parser",
"reasoning_parser"}]}`. Each served name is its own endpoint with its own parsers, registered
with `register_model` exactly as vLLM/SGLang workers do, and served through
`Endpoint.serve_endpoint` (the seam the probe's hook wraps).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from .script import TokenBytes, chunked, read_script, token_ids_of

log = logging.getLogger("replay-worker")
LOGPROB = -0.0123  # a fixed, recognisable value: no real sampling happens here
CONTEXT_LENGTH = 32768


def make_generate(name: str, scripts_dir: Path, tokenizer, token_bytes: TokenBytes):
    async def generate(request: dict[str, Any], context):
        # The request names its served model: releases before 1.6 route every request of one
        # process to the handler registered last, so the handler's own name is not reliable.
        script = read_script(scripts_dir, request.get("model") or name)
        ids = token_ids_of(script, tokenizer)
        opts = request.get("output_options") or {}
        want_logprobs = opts.get("logprobs") is not None
        top_k = int(opts.get("logprobs") or 0) if want_logprobs else 0
        max_tokens = (request.get("stop_conditions") or {}).get("max_tokens")
        finish = script.get("finish_reason", "stop")
        if max_tokens and len(ids) > max_tokens:
            ids, finish = ids[:max_tokens], "length"
        delay = float(script.get("delay_s", 0) or 0)  # a slow engine, for interruption tests
        for chunk in chunked(ids, script):
            if delay:
                await asyncio.sleep(delay)
            item: dict[str, Any] = {"token_ids": chunk, "index": 0}
            if want_logprobs:
                item["log_probs"] = [LOGPROB] * len(chunk)
                tops = []
                for tid in chunk:
                    text, data = token_bytes(tid)
                    tops.append([{"rank": 1, "token_id": tid, "token": text, "logprob": LOGPROB,
                                  "bytes": data}][: max(top_k, 1)])
                item["top_logprobs"] = tops
            yield item
        prompt = len(request.get("token_ids") or [])
        yield {"token_ids": [], "index": 0, "finish_reason": finish,
               "completion_usage": {"prompt_tokens": prompt, "completion_tokens": len(ids),
                                    "total_tokens": prompt + len(ids)}}

    return generate


async def serve(config: dict[str, Any], load_delay: float = 0.0) -> None:
    from tokenizers import Tokenizer

    from . import dynamo_api

    model_dir = config["model_dir"]
    tokenizer = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
    token_bytes = TokenBytes(tokenizer)
    scripts_dir = Path(config["scripts_dir"])
    loop = asyncio.get_running_loop()
    runtime = dynamo_api.make_runtime(loop, config.get("discovery_backend", "file"))
    namespace = config.get("namespace", "replay")
    if load_delay > 0:
        # A model load of this long, the way a real engine takes minutes: the runtime (and its
        # system port) is up, the model is not registered yet.
        for step in range(int(load_delay * 10)):
            log.info("loading (simulated) %.1f/%.1f s", step / 10, load_delay)
            await asyncio.sleep(0.1)
    serving = []
    for i, model in enumerate(config["models"]):
        endpoint = runtime.endpoint(f"{namespace}.m{i}.generate")
        rc = dynamo_api.runtime_config(model.get("tool_call_parser"), model.get("reasoning_parser"),
                                       CONTEXT_LENGTH)
        await dynamo_api.register(endpoint, model_dir, model["name"], rc, CONTEXT_LENGTH)
        gen = make_generate(model["name"], scripts_dir, tokenizer, token_bytes)
        serving.append(asyncio.ensure_future(endpoint.serve_endpoint(gen)))
    log.info("serving %d model(s)", len(serving))
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    waiter = asyncio.ensure_future(stop.wait())
    await asyncio.wait([waiter, *serving], return_when=asyncio.FIRST_COMPLETED)
    for task in serving:
        if task.done() and task.exception():
            raise task.exception()  # an endpoint died: exit non-zero so the supervisor says so
    runtime.shutdown()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="replay-worker")
    ap.add_argument("--config", required=True)
    ap.add_argument("--load-delay", type=float, default=0.0,
                    help="seconds of simulated model loading before the models register")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(name)s %(message)s")
    config = json.loads(Path(args.config).read_text())
    asyncio.run(serve(config, args.load_delay))


if __name__ == "__main__":
    main()
