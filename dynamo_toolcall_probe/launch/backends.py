"""Backend recipes as data, and the one function that turns a request into two commands.

Adding a backend adds one `BackendRecipe`; `build_commands` has no per-backend branch. Flag names
come from Dynamo's worker CLIs (see dynamo-facts.md) and are checked against the installed
ai-dynamo's own argument definitions by `validate.py` before anything starts.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from dataclasses import dataclass
from typing import Mapping

from ..errors import BadInput
from ..release.capabilities import Capabilities
from ..release.commands import BIND_VARIABLES, EnvSetting, StackSettings, stack_settings
from .spec import HTTP_PORT, RUN_DIR, SYSTEM_PORT, CommandSpec, EnvChange, LaunchRequest

RUNTIME_GROUP = "dynamo.common.configuration.groups.runtime_args:DynamoRuntimeArgGroup"


@dataclass(frozen=True)
class BackendRecipe:
    name: str
    module: str  # run as `python -m <module>`
    model_flag: str | None  # how the model is named on the worker CLI
    served_name_flag: str | None
    tool_parser_flag: str | None  # None: the worker takes parsers from its own config
    reasoning_parser_flag: str | None
    # Dynamo argument groups that define the worker's Dynamo-side flags ("module:Class"). Groups
    # whose module imports the engine are read from source instead (`source_only_groups`).
    arg_groups: tuple[str, ...] = ()
    source_only_groups: tuple[str, ...] = ()  # files under site-packages, scanned, not imported
    engine_owned_flags: tuple[str, ...] = ()  # our flags that the engine's parser owns
    engine_module: str | None = None  # import name, for find_spec (never imported)
    engine_dist: str | None = None  # distribution name, for importlib.metadata
    install_hint: str = ""
    native_tool_parser_flag: str | None = None  # the engine's own parser: conflicts with ours
    # Options that hand pre/post-processing to the engine, so Dynamo's parser never runs.
    bypass_flags: tuple[str, ...] = ()
    bypass_env: tuple[str, ...] = ()
    dynamo_flags_validated: bool = True  # False: not a Dynamo CLI (our replay worker)
    structural_tag_applies: bool = True  # False: no engine grammar (scripted tokens)
    extra_env: tuple[tuple[str, str, str], ...] = ()  # (name, value, reason)
    isolate_worker_home: bool = False  # fresh HOME for the worker too (no engine caches there)
    logprobs_gate: bool = False  # Dynamo's worker may gate top logprobs (SGLang 1.2-1.5)
    scripted: bool = False  # the "model" is a script: config file instead of model flags
    worker_dumps_config: bool = True  # the worker takes --dump-config-to
    readiness_notes: tuple[str, ...] = ()  # what a user waits for while it loads


RECIPES: dict[str, BackendRecipe] = {
    "vllm": BackendRecipe(
        name="vllm", module="dynamo.vllm", model_flag="--model",
        served_name_flag="--served-model-name", tool_parser_flag="--dyn-tool-call-parser",
        reasoning_parser_flag="--dyn-reasoning-parser",
        arg_groups=(RUNTIME_GROUP, "dynamo.vllm.backend_args:DynamoVllmArgGroup"),
        engine_owned_flags=("--model", "--served-model-name"),  # vLLM's AsyncEngineArgs
        engine_module="vllm", engine_dist="vllm", install_hint="pip install 'ai-dynamo[vllm]'",
        native_tool_parser_flag="--tool-call-parser",
        bypass_flags=("--use-vllm-tokenizer",), bypass_env=("DYN_VLLM_USE_TOKENIZER",),
        readiness_notes=("vLLM imports, loads the weights and profiles memory before the model "
                         "is listed; the first request also compiles/warms up",),
    ),
    "sglang": BackendRecipe(
        name="sglang", module="dynamo.sglang", model_flag="--model-path",
        served_name_flag="--served-model-name", tool_parser_flag="--dyn-tool-call-parser",
        reasoning_parser_flag="--dyn-reasoning-parser",
        arg_groups=(RUNTIME_GROUP, "dynamo.sglang.backend_args:DynamoSGLangArgGroup"),
        engine_owned_flags=("--model-path", "--served-model-name"),  # SGLang's ServerArgs
        engine_module="sglang", engine_dist="sglang", install_hint="pip install 'ai-dynamo[sglang]'",
        native_tool_parser_flag="--tool-call-parser",
        bypass_flags=("--use-sglang-tokenizer",), bypass_env=("DYN_SGL_USE_TOKENIZER",),
        logprobs_gate=True,
        readiness_notes=("SGLang starts its scheduler and detokenizer processes and captures "
                         "CUDA graphs before the model is listed",),
    ),
    "trtllm": BackendRecipe(
        name="trtllm", module="dynamo.trtllm", model_flag="--model",
        served_name_flag="--served-model-name", tool_parser_flag="--dyn-tool-call-parser",
        reasoning_parser_flag="--dyn-reasoning-parser",
        # dynamo.trtllm.backend_args imports tensorrt_llm at module top, which starts MPI: its
        # flags are read from the source file; the common groups are imported as usual.
        arg_groups=(RUNTIME_GROUP,), source_only_groups=("dynamo/trtllm/backend_args.py",),
        engine_module="tensorrt_llm", engine_dist="tensorrt-llm",
        install_hint="pip install 'ai-dynamo[trtllm]'",
        native_tool_parser_flag="--tool-call-parser",
        readiness_notes=("TensorRT-LLM builds or loads its engine before the model is listed",),
    ),
    "replay": BackendRecipe(
        name="replay", module="dynamo_toolcall_probe.replay.worker", model_flag=None,
        served_name_flag=None, tool_parser_flag=None, reasoning_parser_flag=None,
        dynamo_flags_validated=False, structural_tag_applies=False,
        extra_env=(("HF_HUB_OFFLINE", "1", "the replay worker needs no download; fail fast "
                    "instead of reaching for the Hub"),),
        isolate_worker_home=True, scripted=True, worker_dumps_config=False,
    ),
}


def recipe_for(backend: str) -> BackendRecipe:
    try:
        return RECIPES[backend]
    except KeyError:
        raise BadInput(f"unknown backend {backend!r}; choose one of: {', '.join(RECIPES)}") from None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _hf_home(base_env: Mapping[str, str]) -> str:
    # HOME moves to a scratch dir; keep the user's Hugging Face cache and login where they are.
    if base_env.get("HF_HOME"):
        return base_env["HF_HOME"]
    cache = base_env.get("XDG_CACHE_HOME") or os.path.join(
        base_env.get("HOME") or os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "huggingface")


def _common_env(request: LaunchRequest, release: ReleaseEnv) -> list[EnvChange]:
    """Environment both processes share: discovery store, loopback transports, parser route."""
    env = []
    if request.discovery_backend == "file":
        env.append(EnvChange("DYN_FILE_KV", f"{RUN_DIR}/kv", "fresh discovery store per run: "
                             "entries of dead workers linger ~10 s and would be routed to"))
    env += [EnvChange(e.name, e.value, e.reason) for e in release.settings.env]
    env += list(release.extra)
    return env


@dataclass(frozen=True)
class ReleaseEnv:
    """What the installed release needs in both commands (release.commands.stack_settings), plus
    the parser route (`--parser-version`) and, where the worker's interpreter cannot import the
    probe, the path its hook runs from."""

    settings: StackSettings
    extra: tuple[EnvChange, ...] = ()  # both processes (DYN_PARSER_VERSION)
    worker_only: tuple[EnvChange, ...] = ()  # PYTHONPATH for the hook


def release_env(request: LaunchRequest, caps: Capabilities | None, env_meaning: Mapping[str, str],
                probe_importable: bool, base_env: Mapping[str, str]) -> ReleaseEnv:
    if caps is None:  # ai-dynamo not inspectable (a dry run elsewhere): bind every plane
        settings = StackSettings(env=[EnvSetting(name, request.host, f"bind {what} on "
                                                 f"{request.host} (the default is every interface)")
                                      for name, what in BIND_VARIABLES.items()],
                                 warnings=["ai-dynamo could not be inspected: the commands "
                                           "assume a release that reads every binding variable"])
        if request.dump_config:
            settings.frontend_flags += ["--dump-config-to", f"{RUN_DIR}/frontend-config.json"]
        extra: tuple[EnvChange, ...] = ()
    else:
        settings = stack_settings(caps, request.host, dict(env_meaning),
                                  f"{RUN_DIR}/frontend-config.json" if request.dump_config else None)
        chosen = caps.parser_version_env_change(request.parser_version)
        extra = (EnvChange(chosen[0], chosen[1], f"--parser-version {request.parser_version}: "
                           f"the parser generation ai-dynamo {caps.release.version} selects with "
                           f"{chosen[0]}"),) if chosen else ()
    worker_only: tuple[EnvChange, ...] = ()
    if request.hook and not probe_importable:
        from ..release.envs import probe_path

        path = probe_path() + (os.pathsep + base_env["PYTHONPATH"] if base_env.get("PYTHONPATH") else "")
        worker_only = (EnvChange("PYTHONPATH", path, "the worker's interpreter cannot import "
                                 "dynamo_toolcall_probe: its hook (standard library only) runs "
                                 "from this installation"),)
    return ReleaseEnv(settings, extra, worker_only)


def frontend_command(request: LaunchRequest, base_env: Mapping[str, str],
                     release: ReleaseEnv) -> CommandSpec:
    python = request.python or sys.executable
    argv = [python, "-m", "dynamo.frontend",
            "--discovery-backend", request.discovery_backend,
            "--request-plane", request.request_plane,
            "--http-host", request.host, "--http-port", HTTP_PORT, *release.settings.frontend_flags]
    argv += list(request.frontend_args)
    env = _common_env(request, release) + [
        EnvChange("HOME", f"{RUN_DIR}/home-frontend", "the frontend caches model cards under "
                  "$HOME/.cache/dynamo; a fresh HOME keeps other runs' cards out"),
        EnvChange("HF_HOME", _hf_home(base_env), "HOME moved: keep the user's Hugging Face "
                  "cache and token where they were"),
        EnvChange("DYN_SYSTEM_PORT", None, "a system port is a worker setting; an inherited "
                  "one would make the frontend race the worker for it"),
    ]
    base = f"http://{request.host}:{HTTP_PORT}"
    return CommandSpec("frontend", tuple(argv), tuple(env),
                       ready_urls=(f"{base}/health", f"{base}/v1/models"),
                       notes=tuple(release.settings.notes))


HOOK_MODULE = "dynamo_toolcall_probe.hook"
HOOK_RECORD_ENV = "DYNAMO_PROBE_RECORD_DIR"


def hook_prefix(request: LaunchRequest) -> list[str]:
    return [HOOK_MODULE] if request.hook else []


def worker_args_start(request: LaunchRequest) -> int:
    """Index of the component's own arguments in the worker argv (after `python -m module`)."""
    return 3 + len(hook_prefix(request))


def worker_command(request: LaunchRequest, base_env: Mapping[str, str], release: ReleaseEnv,
                   extra_env: tuple[EnvChange, ...] = ()) -> CommandSpec:
    """The worker argv: recipe flags first, the user's pass-through args last."""
    recipe = recipe_for(request.backend)
    python = request.python or sys.executable
    argv = [python, "-m", *hook_prefix(request), recipe.module]
    notes = list(recipe.readiness_notes)
    if recipe.scripted:
        if not request.replay_config:
            raise BadInput("backend replay needs the replay worker's config file (replay_config)")
        argv += ["--config", request.replay_config]
        notes.append("replay: models, served names and parsers come from the config file")
    else:
        if not request.model:
            raise BadInput(f"backend {recipe.name} needs a model (HF id or local path)")
        argv += [recipe.model_flag, request.model,
                 recipe.served_name_flag, request.served_model_name or request.model]
        if request.parser:
            argv += [recipe.tool_parser_flag, request.parser]
        if request.reasoning_parser:
            argv += [recipe.reasoning_parser_flag, request.reasoning_parser]
        argv += ["--discovery-backend", request.discovery_backend,
                 "--request-plane", request.request_plane]
        if request.dump_config and recipe.worker_dumps_config:
            argv += ["--dump-config-to", f"{RUN_DIR}/worker-config.json"]
    argv += list(request.worker_args)
    env = _common_env(request, release) + [*release.worker_only,
        # Found in ai-dynamo-runtime 1.6.1 (dynamo_runtime::config): DYN_SYSTEM_PORT > 0 starts
        # the system server (/health, /live, /metrics); DYN_SYSTEM_ENABLED is deprecated.
        EnvChange("DYN_SYSTEM_PORT", SYSTEM_PORT, "worker system server (/live, /health, /metrics): its answer shows the runtime is up"),
        EnvChange("DYN_SYSTEM_HOST", request.host, "the system server binds 0.0.0.0 by default"),
    ]
    env += [EnvChange(name, value, reason) for name, value, reason in recipe.extra_env]
    if request.hook:
        env.append(EnvChange(HOOK_RECORD_ENV, f"{RUN_DIR}/records", "the worker-side hook records "
                             "the raw engine tokens of the probe's request (and only that one) here"))
        notes.append("the hook wrapper runs the component unchanged (runpy) after wrapping its "
                     "generate endpoint; without a seam it runs unhooked and says why")
    if recipe.isolate_worker_home:
        env.append(EnvChange("HOME", f"{RUN_DIR}/home-worker", "fresh HOME: no stale caches"))
    env += list(extra_env)
    # Any answer on /live means the worker's runtime is up. Its status code is not a readiness
    # signal we can rely on: with the 1.6.1 defaults (starting_health_status=NotReady, no
    # endpoint health list) /live and /health answer 503 until the component flips the status,
    # which some workers never do (ours: seen). The model appearing in the frontend's
    # /v1/models is what readiness means for a repro.
    ready = (f"http://{request.host}:{SYSTEM_PORT}/live",)
    return CommandSpec("worker", tuple(argv), tuple(env), ready_urls=ready, notes=tuple(notes))
