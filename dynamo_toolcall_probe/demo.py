"""The demo: the whole probe on a built-in case, with the real Dynamo frontend.

A Qwen-style model emits a well-formed hermes tool call, but the worker was launched with
`--dyn-tool-call-parser qwen3_coder` (Dynamo issue #13176). The demo serves that through the real
frontend and our replay worker, sends the troubleshooting page's request with "logprobs": true
over HTTP, diagnoses the response, proves the fix by replaying the raw output through every
Dynamo parser, and writes the bundle.
"""

from __future__ import annotations

import shlex
import sys
from datetime import datetime
from pathlib import Path
from typing import Callable

DEMO_MODEL = "Qwen/Qwen2.5-7B-Instruct"
DEMO_PARSER = "qwen3_coder"
DEMO_CALL = ("get_weather", {"location": "New York, NY", "unit": "fahrenheit"})


def default_bundle_dir() -> Path:
    return Path("probe-bundles") / f"demo-{datetime.now().strftime('%Y%m%d-%H%M%S')}"


def tokenizer_files(model_dir: Path) -> dict[str, bytes]:
    names = ("tokenizer.json", "tokenizer_config.json", "config.json", "generation_config.json")
    return {f"tokenizer/{n}": (model_dir / n).read_bytes() for n in names if (model_dir / n).exists()}


def run_demo(out: Path | None = None, parser: str = DEMO_PARSER, replay_all: bool = True,
             say: Callable[[str], None] = lambda s: None):
    from .analysis import Exchange, analyze
    from .capture.repro import example_request, repro_body, run_repro
    from .formats import get_spec
    from .reconstruct import tokenizer_decoder
    from .replay.modeldir import builtin_model_dir
    from .replay.run import installed_parser_names, replay_parsers
    from .replay.stack import ReplayStack, ServedModel

    out = Path(out or default_bundle_dir())
    model_dir = builtin_model_dir()
    raw = get_spec("hermes").render([DEMO_CALL])
    script = {"text": raw, "chunk_size": 2, "finish_reason": "stop"}
    request = repro_body(example_request(), DEMO_MODEL)
    say(f"starting the Dynamo frontend and a replay worker (model {DEMO_MODEL}, "
        f"--dyn-tool-call-parser {parser}) on 127.0.0.1")
    with ReplayStack([ServedModel(DEMO_MODEL, parser)], model_dir=model_dir) as stack:
        stack.set_script(DEMO_MODEL, script)
        say(f"sending the repro request with \"logprobs\": true to {stack.base_url}")
        repro = run_repro(stack.base_url, request)
        worker_argv = [sys.executable, "-m", "dynamo_toolcall_probe.replay.worker", "--config",
                       "worker.json", f"# serves {DEMO_MODEL} with --dyn-tool-call-parser {parser}"]
        frontend_argv = [sys.executable, "-m", "dynamo.frontend", "--discovery-backend", "file",
                         "--request-plane", "tcp", "--http-host", "127.0.0.1", "--http-port",
                         str(stack.port)]
    from .launch.target import package_versions
    from .release import from_versions

    versions = package_versions(("ai-dynamo", "ai-dynamo-runtime"))
    release = from_versions(versions)
    decode = tokenizer_decoder(str(model_dir))
    prove = None
    if replay_all:
        def prove(diagnosis):
            parsers = installed_parser_names()
            say(f"replaying the raw output through all {len(parsers)} Dynamo tool parsers")
            return replay_parsers({"text": diagnosis.raw.text, "chunk_size": 2}, parsers, request,
                                  model_dir=model_dir), None
    metadata = {
        "backend": "replay (scripted worker on CPU)",
        "versions": versions,
        "release": release.to_dict(),
        "launch": {"worker_command": shlex.join(worker_argv),
                   "frontend_command": shlex.join(frontend_argv)},
        "request_id": repro.request_id,
        "demo": {"scripted_output": raw, "why": "hermes text under the qwen3_coder parser "
                 "(ai-dynamo/dynamo#13176)"},
    }
    exchange = Exchange(repro.response.body, repro.response.body_bytes, request,
                        repro.request_bytes)
    return analyze(exchange, parser=parser, parser_source="launch", release=release, decode=decode,
                   prove=prove, out=str(out), metadata=metadata,
                   extra_files=tokenizer_files(model_dir))
