"""`plan_launch(LaunchRequest) -> LaunchPlan`: everything decided before a process starts.

The plan is what the supervisor runs, what `--dry-run` prints and what the bundle records:
frontend and worker commands with every environment change and its reason, the SGLang logprobs
gate decision, the structural-tag setting, what the installed Dynamo said about the flags, and
warnings. Planning starts nothing; it asks the target interpreter about its ai-dynamo.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import BadInput, EnvironmentProblem
from ..redact import redact_argv, redact_env, redact_text
from . import gate as gate_mod
from . import target, validate
from ..release import Release
from .backends import (BackendRecipe, frontend_command, is_loopback, recipe_for, release_env,
                       worker_args_start, worker_command)
from .spec import CommandSpec, LaunchRequest, placeholder_values, resolve_command


@dataclass(frozen=True)
class LaunchPlan:
    request: LaunchRequest
    frontend: CommandSpec
    worker: CommandSpec
    # --keep-serving: the worker to bring back after the repro, without repro-only variables.
    # None when nothing repro-only was set (the same worker can keep serving).
    worker_after_repro: CommandSpec | None
    gate: gate_mod.GateDecision
    structural_tag: dict[str, Any]
    engine: dict[str, Any]  # {"module", "found", "version"} of the engine package
    parsers: dict[str, Any] | None  # valid names + ai-dynamo versions, None if not reachable
    flags: validate.FlagReport | None
    warnings: tuple[str, ...] = field(default_factory=tuple)
    release: Release = field(default_factory=lambda: Release(None))  # the installed ai-dynamo

    def resolve(self, http_port: int | None = None, system_port: int | None = None,
                run_dir: str | None = None) -> "LaunchPlan":
        """Fill the placeholders once the supervisor has picked ports and a run directory."""
        values = placeholder_values(http_port, system_port, run_dir)
        after = self.worker_after_repro
        return dataclasses.replace(
            self, frontend=resolve_command(self.frontend, values),
            worker=resolve_command(self.worker, values),
            worker_after_repro=resolve_command(after, values) if after else None)

    def to_dict(self, redacted: bool = True) -> dict[str, Any]:
        """The record for the bundle and `--json`; secrets hidden unless redacted=False."""
        def command(spec: CommandSpec | None) -> dict[str, Any] | None:
            if spec is None:
                return None
            d = spec.to_dict()
            if redacted:
                d["argv"] = redact_argv(spec.argv)
                hidden = redact_env(spec.env_changes())
                for change in d["env"]:
                    change["value"] = hidden[change["name"]]
            return d

        req = dataclasses.asdict(self.request)
        if redacted:
            req["worker_args"] = redact_argv(self.request.worker_args)
            req["frontend_args"] = redact_argv(self.request.frontend_args)
        return {
            "request": req, "frontend": command(self.frontend), "worker": command(self.worker),
            "worker_after_repro": command(self.worker_after_repro),
            "logprobs_gate": self.gate.to_dict(), "structural_tag": self.structural_tag,
            "engine": self.engine,
            "ai_dynamo": (self.parsers or {}).get("ai_dynamo") or (self.flags and self.flags.ai_dynamo),
            "release": self.release.to_dict(),
            "flags": self.flags.to_dict() if self.flags else None,
            "warnings": [redact_text(w) for w in self.warnings] if redacted else list(self.warnings),
        }


def structural_tag_setting(recipe: BackendRecipe, flags: validate.FlagReport | None) -> dict[str, Any]:
    """Whether the worker constrains tool-call output with a grammar (changes what a model emits).

    1.6.0+: `--dyn-structural-tag`, on unless false. 1.3-1.5: opt-in `--dyn-enable-structural-tag`.
    Read from the installed flag definitions and the values they parsed (argv and environment).
    """
    if not recipe.structural_tag_applies:
        return {"mode": "not_applicable", "enabled": False,
                "why": f"{recipe.name} emits scripted tokens; no engine grammar is applied"}
    if flags is None or not flags.worker_options:
        return {"mode": "unknown", "enabled": None, "why": "worker flags were not inspected"}
    opts, values = set(flags.worker_options), flags.worker_values
    if "--dyn-structural-tag" in opts:
        setting, legacy = values.get("dyn_structural_tag"), values.get("dyn_enable_structural_tag")
        if setting is False or (setting is None and legacy is False):
            return {"mode": "default_on", "enabled": False, "value": setting,
                    "why": "disabled (--dyn-structural-tag false or DYN_STRUCTURAL_TAG)"}
        return {"mode": "default_on", "enabled": True, "value": setting,
                "why": "on by default since ai-dynamo 1.6.0: tool-call output is constrained by "
                       "a grammar; pass --dyn-structural-tag false to the worker to compare"}
    if "--dyn-enable-structural-tag" in opts:
        enabled = bool(values.get("dyn_enable_structural_tag"))
        return {"mode": "opt_in", "enabled": enabled,
                "why": "opt-in in this version (--dyn-enable-structural-tag)"}
    return {"mode": "unsupported", "enabled": False, "why": "this ai-dynamo has no structural tags"}


def _own_dynamo_flags(recipe: BackendRecipe, request: LaunchRequest) -> list[str]:
    flags = [recipe.model_flag, recipe.served_name_flag, "--discovery-backend", "--request-plane"]
    flags += [recipe.tool_parser_flag if request.parser else None,
              recipe.reasoning_parser_flag if request.reasoning_parser else None,
              "--dump-config-to" if request.dump_config else None]
    return [f for f in flags if f]


def _soft(strict: bool, warnings: list[str], exc: EnvironmentProblem) -> None:
    # A dry run on a machine without the engine (or without Dynamo) still prints the commands.
    if strict:
        raise exc
    warnings.append(str(exc))


def _release(request: LaunchRequest, strict: bool, warnings: list[str]):
    """(capabilities, release) of the ai-dynamo in the target interpreter. A release the probe
    cannot drive, or a --parser-version it does not have, is refused before anything starts."""
    from ..release import installed
    from ..release.capabilities import installed_capabilities

    try:
        caps = installed_capabilities(request.python, request.parser_version)
    except EnvironmentProblem as exc:
        _soft(strict, warnings, exc)
        return None, installed(request.python, request.parser_version)
    try:
        caps.require_drivable()
        caps.parser_version_env_change(request.parser_version)
    except EnvironmentProblem as exc:
        if request.parser_version and not caps.problems():
            raise BadInput(str(exc)) from None  # the option, not the machine, is wrong
        _soft(strict, warnings, exc)
        return None, caps.release
    return caps, caps.release


def plan_launch(request: LaunchRequest, *, base_env: Mapping[str, str] | None = None,
                strict: bool = True) -> LaunchPlan:
    """Check the request against the installed Dynamo and build both commands.

    Raises BadInput (bad parser name, conflicting flags) always; EnvironmentProblem (engine or
    ai-dynamo missing) only when `strict`: a dry run passes strict=False and gets warnings.
    """
    recipe = recipe_for(request.backend)
    base_env = os.environ if base_env is None else base_env
    warnings: list[str] = []
    if request.discovery_backend == "mem":
        raise BadInput("mem discovery works only inside one process; use file (the default)")
    if not is_loopback(request.host):
        warnings.append(f"listeners bind on {request.host}: reachable from the network")
    warnings += validate.check_conflicts(recipe, request.parser, request.worker_args,
                                         request.frontend_args, base_env)
    python = target.target_python(request.python)
    probe_importable = target.probe_installed(request.python)
    if request.hook and not probe_importable:
        warnings.append(f"{python} cannot import dynamo_toolcall_probe: the hook runs from this "
                        "installation through PYTHONPATH (it needs only the standard library)")
    caps, release = _release(request, strict, warnings)
    engine = target.engine_status(recipe.engine_module, recipe.engine_dist, request.python)
    if engine["found"] is False:
        _soft(strict, warnings, EnvironmentProblem(
            f"backend {recipe.name} needs the {recipe.engine_module} package in {python}: "
            f"not installed ({recipe.install_hint})"))
    parsers = None
    try:
        parsers = validate.check_parsers(request.parser, request.reasoning_parser, request.python)
    except EnvironmentProblem as exc:
        _soft(strict, warnings, exc)
    if not request.parser:
        warnings.append("no tool-call parser: Dynamo returns tool calls as plain content")

    if recipe.logprobs_gate:
        gate = (gate_mod.detect_sglang_gate(request.dynamo_sources) if request.dynamo_sources
                else gate_mod.installed_sglang_gate(request.python))
    else:
        gate = gate_mod.GateDecision("not_applicable", "only Dynamo's SGLang worker has a top-"
                                     f"logprobs gate; {gate_mod.GATE_ENV} is never set for "
                                     f"{recipe.name}")
    if recipe.logprobs_gate and gate.status == gate_mod.GATED and not request.allow_top_logprobs:
        warnings.append(f"SGLang gates top logprobs and {gate_mod.GATE_ENV} was not allowed: the "
                        'repro must ask for "top_logprobs": 0')
    if gate.status == gate_mod.NO_LOGPROBS:
        warnings.append(gate.reason)
    # With the hook, the gate opens for the probe's marked request only (hook.seam), so the
    # variable, which opens it for every request of the process, is not needed at all.
    scoped_by_hook = request.hook and gate.status == gate_mod.GATED and request.allow_top_logprobs
    gate_env = () if scoped_by_hook else gate_mod.gate_env(recipe.logprobs_gate, gate,
                                                           request.allow_top_logprobs)
    if scoped_by_hook:
        warnings.append(f"SGLang gates top logprobs: the hook allows them for the probe's request "
                        f"only; {gate_mod.GATE_ENV} is not set")

    from ..release.knowledge import Knowledge

    stack = release_env(request, caps, Knowledge.of(release).env_meaning(), probe_importable,
                        base_env)
    warnings += stack.settings.warnings
    worker = worker_command(request, base_env, stack, gate_env)
    frontend = frontend_command(request, base_env, stack)
    flags = None
    # Dynamo's parsers type-check ports: validate a copy with sample values in the placeholders.
    sample = placeholder_values(request.http_port or 8000, request.system_port or 8081,
                                request.run_dir or "/tmp/probe-launch-run")
    w, f = resolve_command(worker, sample), resolve_command(frontend, sample)
    try:
        flags = validate.check_flags(recipe, w.argv[worker_args_start(request):], f.argv[3:],
                                     w.environment(base_env), request.python,
                                     own_flags=_own_dynamo_flags(recipe, request))
    except EnvironmentProblem as exc:
        _soft(strict, warnings, exc)
    after = None
    if request.keep_serving and any(c.repro_only for c in worker.env):
        after = worker.without_repro_only()
    plan = LaunchPlan(request, frontend, worker, after, gate, structural_tag_setting(recipe, flags),
                      engine, parsers, flags, tuple(warnings), release)
    return plan.resolve(request.http_port, request.system_port, request.run_dir)
