"""`probe-launch --dry-run`: the exact commands and environment a launch would run, as text.

Shell-quoted so a user can paste them; secrets redacted because dry-run output ends up in issues.
Ports and the run directory are placeholders (<HTTP_PORT> ...) unless the request fixed them:
the supervisor picks free loopback ports at launch time.
"""

from __future__ import annotations

import shlex
from typing import Mapping

from ..redact import redact_argv, redact_env, redact_text
from .plan import LaunchPlan, plan_launch
from .spec import CommandSpec, LaunchRequest


def _command_lines(spec: CommandSpec) -> list[str]:
    changes = redact_env(spec.env_changes())
    unset = [f"-u {shlex.quote(name)}" for name, value in changes.items() if value is None]
    assigns = [f"{name}={shlex.quote(value)}" for name, value in changes.items() if value is not None]
    lines = [f"# {spec.name}"]
    lines.append(" \\\n  ".join(["env " + " ".join(unset + assigns) if unset or assigns else "",
                                 shlex.join(redact_argv(spec.argv))]).lstrip(" \\\n"))
    for change in spec.env:
        what = "unset" if change.value is None else "set"
        scope = " [repro only]" if change.repro_only else ""
        lines.append(f"#   {what} {change.name}{scope}: {change.reason}")
    for url in spec.ready_urls:
        lines.append(f"#   readiness probe: GET {url}")
    lines += [f"#   note: {n}" for n in spec.notes]
    return lines


def render_plan(plan: LaunchPlan) -> str:
    req, gate = plan.request, plan.gate
    version = (plan.parsers or {}).get("ai_dynamo") or (plan.flags.ai_dynamo if plan.flags else None)
    checked = (f"flags checked against the installed ai-dynamo {version or '?'}" if plan.flags
               else "flags NOT checked (ai-dynamo not usable here)")
    lines = [f"# probe-launch dry run: backend {req.backend}; {checked}"]
    if gate.status != "not_applicable":
        src = f", ai-dynamo {gate.dynamo_version} at {gate.sources_root}" if gate.sources_root else ""
        lines.append(f"# SGLang logprobs gate: {gate.status}{src}: {gate.reason}")
        lines += [f"#   evidence {e.file}:{e.line}: {e.text}" for e in gate.evidence]
        lines += [f"#   {n}" for n in gate.notes]
    else:
        lines.append(f"# SGLang logprobs gate: {gate.reason}")
    tag = plan.structural_tag
    lines.append(f"# structural tag: {tag.get('mode')}, enabled={tag.get('enabled')}: {tag.get('why')}")
    if plan.flags:
        if plan.flags.engine_args:
            lines.append("# left for the engine's own parser (not checked here): "
                         + shlex.join(redact_argv(plan.flags.engine_args)))
        lines += [f"# {n}" for n in plan.flags.notes]
    lines += [f"# warning: {redact_text(w)}" for w in plan.warnings]
    lines.append("")
    lines += _command_lines(plan.frontend)
    lines.append("")
    lines += _command_lines(plan.worker)
    if plan.worker_after_repro is not None:
        lines += ["", "# after the repro (--keep-serving), the worker restarts without the "
                  "repro-only variables:"]
        lines += _command_lines(plan.worker_after_repro)
    return "\n".join(lines) + "\n"


def dry_run(request: LaunchRequest, base_env: Mapping[str, str] | None = None) -> str:
    """Plan without strictness (a missing engine is a warning here) and render it."""
    return render_plan(plan_launch(request, base_env=base_env, strict=False))
