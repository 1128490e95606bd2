"""`probe-launch`: plan, start frontend + worker, wait until ready, one repro, tear down, diagnose.

The order matters for "nothing lost, nothing left running": everything the bundle needs is read
(logs, hook record, config dumps) only after the children are stopped, and the children are
stopped in a `finally` that SIGINT cannot interrupt, whether the run succeeded, failed, or was
stopped by Ctrl-C or SIGTERM. A failed run still writes the bundle, saying what is missing.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import EnvironmentProblem, ProbeError
from ..replay.supervisor import ProcessSpec, Supervisor, free_port, port_is_free
from . import collect
from ..replay import lifetime
from ..replay.frontend_log import MaterializationWatch
from .backends import recipe_for
from .plan import LaunchPlan, plan_launch
from .readiness import Progress, http_ok, model_listed, wait_ready
from .spec import CommandSpec, LaunchRequest

DEFAULT_DEADLINE = 1800.0  # model loads take minutes; a hang must still end
REPLAY_MODEL = "Qwen/Qwen2.5-7B-Instruct"
SYSTEM_PORT_LIMIT = 32768  # DYN_SYSTEM_PORT is parsed as an i16 by ai-dynamo-runtime 1.6.1


@dataclass
class LaunchOptions:
    out: str | None = None
    repro_request: dict[str, Any] | None = None  # None: the built-in weather example
    stream_too: bool = False
    deadline: float = DEFAULT_DEADLINE
    include_host: bool = False
    replay_script: dict[str, Any] | None = None  # backend replay: what the scripted model says
    quiet: bool = False
    grace: float = 10.0
    replay: bool = True  # prove a parser verdict by replaying through every Dynamo parser


@dataclass
class LaunchResult:
    diagnosis: Any
    bundle: Path | None
    plan: LaunchPlan
    base_url: str
    kept: list[int] = field(default_factory=list)  # PIDs left serving (--keep-serving only)
    timings: dict[str, float] = field(default_factory=dict)


def served_name(request: LaunchRequest) -> str:
    if request.served_model_name:
        return request.served_model_name
    if recipe_for(request.backend).scripted:
        return REPLAY_MODEL if not request.model or Path(request.model).is_dir() else request.model
    return request.model or ""


def default_replay_script() -> dict[str, Any]:
    """A Qwen-style model's hermes call: right under hermes, wrong under e.g. qwen3_coder."""
    from ..demo import DEMO_CALL
    from ..formats import get_spec

    return {"text": get_spec("hermes").render([DEMO_CALL]), "chunk_size": 2, "finish_reason": "stop"}


def _replay_config(request: LaunchRequest, run_dir: Path, script: dict[str, Any]) -> Path:
    from ..replay.modeldir import builtin_model_dir
    from ..replay.script import write_script

    model_dir = collect.tokenizer_dir(request.model)
    if model_dir is None or not (model_dir / "tokenizer.json").exists():
        model_dir = builtin_model_dir()
    name = served_name(request)
    write_script(run_dir / "scripts", name, script)
    config = {"model_dir": str(model_dir), "scripts_dir": str(run_dir / "scripts"),
              "namespace": "probe", "models": [{"name": name, "tool_call_parser": request.parser,
                                                 "reasoning_parser": request.reasoning_parser}]}
    path = run_dir / "replay-worker.json"
    path.write_text(json.dumps(config, indent=1))
    return path


def _process(spec: CommandSpec) -> ProcessSpec:
    return ProcessSpec(spec.name, list(spec.argv), spec.env_changes())


def _stop_uninterruptibly(supervisor: Supervisor) -> None:
    # SIGINT/SIGTERM during teardown are held until every child is stopped (replay.lifetime).
    with lifetime.signals_blocked():
        supervisor.stop()


def prepare(request: LaunchRequest, options: LaunchOptions, run_dir: Path) -> LaunchPlan:
    """Fix ports and the run directory, write the replay config, and plan (starts nothing)."""
    if request.http_port is not None and not port_is_free(request.host, request.http_port):
        raise EnvironmentProblem(f"port {request.http_port} on {request.host} is already in use: "
                                 "pick another --http-port or leave it out to get a free one")
    request = dataclasses.replace(
        request, run_dir=str(run_dir),
        http_port=request.http_port or free_port(request.host),
        system_port=request.system_port or free_port(request.host, below=SYSTEM_PORT_LIMIT))
    if recipe_for(request.backend).scripted:
        script = options.replay_script or default_replay_script()
        request = dataclasses.replace(request, replay_config=str(_replay_config(request, run_dir, script)),
                                      served_model_name=served_name(request))
    return plan_launch(request)


def run_launch(request: LaunchRequest, options: LaunchOptions) -> LaunchResult:
    from ..capture.repro import example_request, repro_body

    run_dir = Path(tempfile.mkdtemp(prefix="probe-launch-"))
    supervisor = Supervisor(run_dir / "logs", grace=options.grace)
    progress = Progress(supervisor, quiet=options.quiet)
    state: dict[str, Any] = {"plan": None, "repro": None, "record": None, "timings": {}}
    body = repro_body(options.repro_request or example_request(), served_name(request))
    keep = False
    try:
        try:
            plan = state["plan"] = prepare(request, options, run_dir)
            keep = _serve_and_probe(plan, body, supervisor, progress, options, state)
        finally:
            if not keep:
                if supervisor.children:
                    progress.say("stopping every process this run started")
                _stop_uninterruptibly(supervisor)
    except BaseException as exc:
        if options.out and state["plan"] is not None:
            _write_partial(state, body, options, run_dir, exc)
        if not keep:
            shutil.rmtree(run_dir, ignore_errors=True)
        raise
    try:
        return _analyze(state, body, options, run_dir, supervisor.pids() if keep else [])
    except BaseException as exc:
        if options.out:  # the captured response is kept even when its analysis fails
            _write_partial(state, body, options, run_dir, exc)
        raise
    finally:
        if not keep:
            shutil.rmtree(run_dir, ignore_errors=True)


def _serve_and_probe(plan: LaunchPlan, body: dict[str, Any], supervisor: Supervisor,
                     progress: Progress, options: LaunchOptions, state: dict[str, Any]) -> bool:
    from ..capture.repro import run_repro
    from ..hook.records import load_worker_record, mark_request

    req = plan.request
    base = f"http://{req.host}:{req.http_port}"
    name = served_name(req)
    progress.say(f"starting the Dynamo frontend on {base} ({plan.release.label})")
    frontend = supervisor.start(_process(plan.frontend))
    watch = MaterializationWatch(frontend.log_path)
    supervisor.checks.append(watch.check)
    progress.say(f"starting the {req.backend} worker ({name}, tool parser "
                 f"{req.parser or 'none'}); logs in {supervisor.log_dir}")
    supervisor.start(_process(plan.worker))
    steps = [("frontend", http_ok(f"{base}/health", accept_any=True)),
             *_worker_steps(plan.worker, base, name)]
    state["timings"].update(wait_ready(supervisor, progress, options.deadline, steps))
    supervisor.checks.remove(watch.check)  # listed: a later log line is not a startup failure
    progress.say(f"ready; sending the repro request with \"logprobs\": true to {base}")
    request_id = None
    if req.hook:
        import uuid

        request_id = state["request_id"] = str(uuid.uuid4())  # a partial bundle keeps its record
        mark_request(Path(req.run_dir) / "records", request_id)
    try:
        state["repro"] = run_repro(base, body, stream_too=options.stream_too, request_id=request_id)
    except EnvironmentProblem:
        # A child that died explains the failed request better. The client can see the dropped
        # connection a moment before the killed process is reaped, so give it a short while.
        settle = time.monotonic() + 2.0
        while time.monotonic() < settle:
            supervisor.check_alive("the repro")
            time.sleep(0.05)
        raise
    if req.hook:
        state["record"] = load_worker_record(Path(req.run_dir) / "records",
                                             state["repro"].request_id, timeout=5.0)
    if not req.keep_serving:
        return False
    if plan.worker_after_repro is not None:
        progress.say("restarting the worker without the repro-only environment (--keep-serving)")
        worker = next(c for c in supervisor.children if c.spec.name == "worker")
        _restart(supervisor, worker, plan.worker_after_repro)
        wait_ready(supervisor, progress, options.deadline,
                   _worker_steps(plan.worker_after_repro, base, name))
    return True


def _worker_steps(worker: CommandSpec, base: str, name: str) -> list[tuple[str, Any]]:
    """The worker's runtime answers on its system port, then the frontend lists the model."""
    return [("worker runtime", http_ok(worker.ready_urls[0], accept_any=True)),
            (f"model {name} listed", model_listed(base, name))]


def _restart(supervisor: Supervisor, child, spec: CommandSpec) -> None:
    lone = Supervisor(supervisor.log_dir, grace=supervisor.grace)
    lone.children = [child]
    lone.stop()
    supervisor.children.remove(child)
    supervisor.start(dataclasses.replace(_process(spec), log_path=supervisor.log_dir / "worker-after-repro.log"))


def _metadata(state: dict[str, Any], options: LaunchOptions, run_dir: Path) -> dict[str, Any]:
    from ..hook.records import hook_status
    from .metadata import collect_metadata

    plan: LaunchPlan = state["plan"]
    dumps = {"frontend": run_dir / "frontend-config.json"}
    if recipe_for(plan.request.backend).worker_dumps_config and plan.request.dump_config:
        dumps["worker"] = run_dir / "worker-config.json"
    meta = collect_metadata(plan, include_host=options.include_host,
                            dump_configs=dumps if plan.request.dump_config else None)
    meta["backend"] = plan.request.backend
    meta["release"] = plan.release.to_dict()
    meta["timings_s"] = state["timings"]
    missing: list[str] = []
    if plan.request.hook:
        meta["hook"] = hook_status(run_dir / "records")
        if state.get("record") is None and state.get("repro") is not None:
            why = (meta["hook"] or {}).get("reason") or "no record was written for the request"
            missing.append(f"worker record: {why}")
    if state.get("repro") is not None or state.get("request_id"):
        meta["request_id"] = state["repro"].request_id if state.get("repro") else state["request_id"]
    meta["missing"] = missing
    return meta


def _files(state: dict[str, Any], run_dir: Path) -> dict[str, bytes]:
    plan: LaunchPlan = state["plan"]
    files = collect.log_files(run_dir / "logs")
    tok_dir = _model_dir(plan)
    files.update(collect.tokenizer_files(tok_dir))
    repro = state.get("repro")
    if plan.request.hook:
        files.update(collect.record_files(run_dir / "records",
                                          repro.request_id if repro else state.get("request_id")))
    if repro is not None and repro.streamed is not None:
        files["response.stream.txt"] = repro.streamed.body_bytes
    return files


def _model_dir(plan: LaunchPlan) -> Path | None:
    if recipe_for(plan.request.backend).scripted and plan.request.replay_config:
        return Path(json.loads(Path(plan.request.replay_config).read_text())["model_dir"])
    return collect.tokenizer_dir(plan.request.model)


def _write_partial(state, body, options, run_dir: Path, exc: BaseException) -> None:
    from ..analysis import Exchange, write_bundle

    why = "interrupted (Ctrl-C or SIGTERM)" if isinstance(exc, KeyboardInterrupt) else str(exc)
    if not isinstance(exc, (ProbeError, KeyboardInterrupt)):
        why = f"{type(exc).__name__}: {exc}"
    meta = _metadata(state, options, run_dir)
    repro = state.get("repro")
    plan: LaunchPlan = state["plan"]
    exchange = Exchange(None, repro.response.body_bytes if repro else None, body,
                        json.dumps(body, indent=2, ensure_ascii=False).encode())
    state["partial_bundle"] = write_bundle(
        options.out, exchange, None, parser=plan.request.parser or "none",
        reasoning_parser=plan.request.reasoning_parser, metadata=meta,
        error=f"probe-launch stopped: {why}", extra_files=_files(state, run_dir))


def _analyze(state, body, options, run_dir: Path, kept: list[int]) -> LaunchResult:
    from ..analysis import Exchange, analyze
    from ..reconstruct import tokenizer_decoder

    plan: LaunchPlan = state["plan"]
    repro = state["repro"]
    record = state.get("record")
    tok_dir = _model_dir(plan)
    decode = tokenizer_decoder(str(tok_dir)) if tok_dir and (tok_dir / "tokenizer.json").exists() else None
    parser = plan.request.parser or "none"
    engine_ids = record.token_ids if record is not None and record.complete else None
    prompt_ids = record.prompt_token_ids if record is not None and record.complete else None
    engine_request = record.request or None if record is not None and record.complete else None
    prove = None
    if options.replay:
        from .proof import prove_with_replays

        def prove(diagnosis):
            return prove_with_replays(diagnosis, body, tok_dir,
                                      Progress(None, quiet=options.quiet).say,
                                      plan.request.python, plan.request.parser_version)
    stream = None
    if repro.streamed is not None and repro.streamed.ok:
        from ..diagnose import Stream

        stream = Stream.from_chunks(repro.streamed.chunks)
    base = f"http://{plan.request.host}:{plan.request.http_port}"
    meta = None
    if options.out:
        meta = _metadata(state, options, run_dir)
        if kept:
            meta["kept_serving"] = {"url": base, "pids": kept}
    exchange = Exchange(repro.response.body, repro.response.body_bytes, body, repro.request_bytes,
                        stream=stream, stream_bytes=repro.streamed.body_bytes if repro.streamed else None)
    result = analyze(exchange, parser=parser, reasoning_parser=plan.request.reasoning_parser,
                     release=plan.release, decode=decode, worker_token_ids=engine_ids,
                     prompt_token_ids=prompt_ids, engine_request=engine_request, prove=prove,
                     out=options.out, metadata=meta,
                     extra_files=_files(state, run_dir) if options.out else None,
                     parser_source="launch")
    return LaunchResult(result.diagnosis, result.bundle, plan, base, kept, state["timings"])
