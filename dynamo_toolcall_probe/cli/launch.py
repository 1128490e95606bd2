"""`probe-launch`: start a Dynamo frontend + worker for a one-shot tool-call repro, then diagnose.

Everything heavy is imported inside the command, so `probe-launch --help` stays light.
"""

from __future__ import annotations

from datetime import datetime

import click

from pathlib import Path

from ..errors import EXIT_INTERRUPTED, ProbeError
from ..launch.backends import RECIPES
from ..verdicts import Verdict
from .repeat import repeat_options

BACKENDS = list(RECIPES)  # a new recipe is a new choice

EPILOG = """Arguments after `--` go to the worker unchanged (e.g. `-- --max-model-len 8192`).
Exit codes: the verdict's ({VERDICT_CODES}),
2 bad input, 3 environment problem (engine or Dynamo missing, port taken), 4 a started process
failed or was not ready in time, 130 interrupted. Every process the run started is stopped
before it exits (unless --keep-serving).""".format(
    VERDICT_CODES=", ".join(f"{v.exit_code} {v}" for v in sorted(Verdict, key=lambda v: v.exit_code)))


def _load_json_file(path: str, what: str):
    from ..errors import BadInput
    from ..inputs import parse_json, read_bytes

    data = parse_json(read_bytes(path, what), what)
    if not isinstance(data, dict):
        raise BadInput(f"{what} {path}: expected a JSON object")
    return data


def _replay_script(path: str):
    from ..replay.script import check_script

    return check_script(_load_json_file(path, "replay script"), f"replay script {path}")


@click.command(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--backend", required=True, type=click.Choice(BACKENDS),
              help="The worker to start; `replay` is our CPU worker that emits scripted tokens.")
@click.option("--model", help="HF model id or local path (replay: optional tokenizer dir).")
@click.option("--parser", help="--dyn-tool-call-parser for the worker (checked against the "
                               "installed Dynamo); leave out to run without one.")
@click.option("--reasoning-parser", help="--dyn-reasoning-parser for the worker.")
@click.option("--parser-version", type=click.Choice(["1", "2", "auto"]),
              help="The parser generation (DYN_PARSER_VERSION; DYN_ENABLE_EXPERIMENTAL_PARSERS_V2 "
                   "on releases before it), where the installed Dynamo has one.")
@click.option("--served-model-name", help="Name the frontend serves (default: the model).")
@click.option("--request", "request_path", type=click.Path(path_type=str),
              help="The failing chat request (OpenAI body); default: the built-in weather example.")
@click.option("--stream-too", is_flag=True, help="Also send it streaming and compare.")
@click.option("--keep-serving", is_flag=True,
              help="Leave the stack up after the repro (the worker restarts without repro-only env).")
@click.option("--dry-run", is_flag=True, help="Print the exact commands and environment; start nothing.")
@click.option("--out", type=click.Path(path_type=str), help="Bundle directory "
              "(default: probe-bundles/launch-<time>).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--python", help="Interpreter that has ai-dynamo and the engine (default: this one).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address every listener binds.")
@click.option("--http-port", type=click.IntRange(1, 65535), help="Frontend port (default: a free one).")
@click.option("--timeout", "deadline", type=click.FloatRange(0, min_open=True), default=1800.0,
              show_default=True,
              help="Seconds to wait for the model to load and be listed.")
@click.option("--include-host", is_flag=True, help="Keep hostname, IPs and GPU UUIDs in metadata.")
@click.option("--no-hook", is_flag=True, help="Do not run the worker through the recording hook.")
@click.option("--no-replay", is_flag=True,
              help="Skip proving a parser verdict by replaying through every Dynamo parser.")
@click.option("--no-top-logprobs", is_flag=True,
              help="Never set DYN_SGL_ALLOW_TOP_LOGPROBS, even where the SGLang worker gates them.")
@click.option("--replay-script", type=click.Path(path_type=str),
              help="replay: JSON {\"text\" | \"token_ids\", \"chunk_size\", \"finish_reason\"}.")
@click.option("--dynamo-sources", type=click.Path(path_type=str),
              help="Read the SGLang logprobs gate from these ai-dynamo sources (dry runs).")
@click.option("--frontend-arg", "frontend_args", multiple=True, help="Extra frontend argument (repeatable).")
@click.option("--quiet", is_flag=True, help="No progress output.")
@repeat_options
@click.argument("worker_args", nargs=-1, type=click.UNPROCESSED)
@click.version_option(package_name="dynamo-toolcall-probe", prog_name="probe-launch")
def probe_launch(backend, model, parser, reasoning_parser, parser_version, served_model_name,
                 request_path,
                 stream_too, keep_serving, dry_run, out, as_json, python, host, http_port,
                 deadline, include_host, no_hook, no_replay, no_top_logprobs, replay_script,
                 dynamo_sources, frontend_args, quiet, repeat, temperature, worker_args) -> None:
    """Start Dynamo with the right flags, run one tool-call repro, diagnose it, stop everything."""
    args = dict(locals())
    from .errors import guarded

    guarded(lambda: _run(**args))


def _run(backend, model, parser, reasoning_parser, parser_version, served_model_name, request_path,
         stream_too,
         keep_serving, dry_run, out, as_json, python, host, http_port, deadline, include_host,
         no_hook, no_replay, no_top_logprobs, replay_script, dynamo_sources, frontend_args, quiet,
         repeat, temperature, worker_args) -> None:
    from ..launch.spec import LaunchRequest
    from .output import print_json

    request = LaunchRequest(
        backend=backend, model=model, parser=parser, reasoning_parser=reasoning_parser,
        served_model_name=served_model_name, host=host, http_port=http_port,
        worker_args=tuple(worker_args), frontend_args=tuple(frontend_args), python=python,
        allow_top_logprobs=not no_top_logprobs, keep_serving=keep_serving,
        dynamo_sources=dynamo_sources, hook=not no_hook,
        replay_config="<RUN_DIR>/replay-worker.json" if RECIPES[backend].scripted else None,
        parser_version=parser_version)
    if dry_run:
        from ..launch.dryrun import render_plan
        from ..launch.plan import plan_launch

        plan = plan_launch(request, strict=False)
        if as_json:
            print_json(plan.to_dict(redacted=True))
        else:
            click.echo(render_plan(plan), nl=False)
        return
    from ..launch.run import LaunchOptions, run_launch
    from .output import print_diagnosis

    options = LaunchOptions(
        out=out or f"probe-bundles/launch-{datetime.now().strftime('%Y%m%d-%H%M%S')}",
        repro_request=_load_json_file(request_path, "request") if request_path else None,
        stream_too=stream_too, deadline=deadline, include_host=include_host,
        replay_script=_replay_script(replay_script) if replay_script else None,
        quiet=quiet or as_json, replay=not no_replay)
    if temperature is not None:
        from ..capture.repro import example_request

        options.repro_request = {**(options.repro_request or example_request()),
                                 "temperature": temperature}
    if repeat > 1:
        from .repeat import launch_repeated

        return launch_repeated(request, options, repeat, temperature, as_json)
    try:
        result = run_launch(request, options)
    except (ProbeError, KeyboardInterrupt) as exc:
        if as_json:  # scripts get an object on stdout too; the one-line error still goes to stderr
            code = exc.exit_code if isinstance(exc, ProbeError) else EXIT_INTERRUPTED
            bundle = options.out if options.out and Path(options.out).is_dir() else None
            print_json({"verdict": None, "error": str(exc) or "interrupted", "exit_code": code,
                        "bundle": bundle})
        raise
    if as_json:
        payload = result.diagnosis.to_dict()
        payload["bundle"] = str(result.bundle) if result.bundle else None
        payload["launch"] = {"url": result.base_url, "kept_pids": result.kept,
                             "timings_s": result.timings}
        print_json(payload)
    else:
        print_diagnosis(result.diagnosis, str(result.bundle) if result.bundle else None)
        if result.kept:
            click.echo(f"still serving at {result.base_url} (--keep-serving); stop with: "
                       f"kill -TERM {' '.join(map(str, result.kept))}")
    raise click.exceptions.Exit(result.diagnosis.verdict.exit_code)


def main() -> None:
    from ..replay import lifetime

    lifetime.install()  # first thing: a signal from here on takes the one teardown path
    probe_launch(prog_name="probe-launch")
if __name__ == "__main__":
    main()
