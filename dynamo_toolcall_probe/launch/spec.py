"""The data a launch is made of: the request, one process's command, one environment change.

Plain frozen dataclasses: the planner builds them, dry-run prints them, the supervisor runs them,
the bundle records them. Ports and the run directory are chosen by the supervisor at launch time;
until then they are placeholders (`<HTTP_PORT>` ...) that `resolve()` fills in, so a dry run can
show the exact command without reserving a port.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Mapping

HTTP_PORT = "<HTTP_PORT>"
SYSTEM_PORT = "<SYSTEM_PORT>"
RUN_DIR = "<RUN_DIR>"
PLACEHOLDERS = (HTTP_PORT, SYSTEM_PORT, RUN_DIR)


@dataclass(frozen=True)
class LaunchRequest:
    """What the user asked for (`probe-launch --backend ... --parser ... -- extra args`)."""

    backend: str  # vllm | sglang | trtllm | replay
    model: str | None = None  # HF id or local path; unused by `replay` (its config names models)
    parser: str | None = None  # Dynamo tool-call parser name (None: Dynamo parses no tool calls)
    reasoning_parser: str | None = None
    served_model_name: str | None = None  # defaults to `model`
    host: str = "127.0.0.1"  # every listener we control binds here
    http_port: int | None = None  # None: chosen by the supervisor
    system_port: int | None = None  # worker health/metrics server; None: chosen by the supervisor
    run_dir: str | None = None  # fresh per run: discovery store, frontend HOME, config dumps
    discovery_backend: str = "file"  # file + tcp: one node, no etcd and no NATS
    request_plane: str = "tcp"
    worker_args: tuple[str, ...] = ()  # passed through after `--`
    frontend_args: tuple[str, ...] = ()
    python: str | None = None  # interpreter that has ai-dynamo + the engine; None: this one
    replay_config: str | None = None  # `replay` only: the replay worker's config file
    allow_top_logprobs: bool = True  # lift the SGLang top-logprobs gate for the repro when gated
    keep_serving: bool = False  # leave the stack up after the repro (worker restarted clean)
    dump_config: bool = True  # ask frontend and worker for `--dump-config-to` JSON
    dynamo_sources: str | None = None  # read the logprobs gate from these sources (tests, dry runs)
    hook: bool = False  # run the worker through `python -m dynamo_toolcall_probe.hook`
    parser_version: str | None = None  # --parser-version: DYN_PARSER_VERSION (or its older name)


@dataclass(frozen=True)
class EnvChange:
    """One variable we set (value) or remove (None) for one process, and why."""

    name: str
    value: str | None
    reason: str
    repro_only: bool = False  # must not survive into a --keep-serving stack

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class CommandSpec:
    """One process to start: argv, environment changes, where to poll for readiness."""

    name: str  # "frontend" | "worker"
    argv: tuple[str, ...]
    env: tuple[EnvChange, ...] = ()
    # URLs that answer 200 once this process is up (frontend: /health; worker: system /health).
    ready_urls: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def env_changes(self) -> dict[str, str | None]:
        return {c.name: c.value for c in self.env}

    def environment(self, base: Mapping[str, str]) -> dict[str, str]:
        """The full environment for the child: `base` (normally os.environ) plus our changes."""
        env = dict(base)
        for change in self.env:
            if change.value is None:
                env.pop(change.name, None)
            else:
                env[change.name] = change.value
        return env

    def without_repro_only(self) -> "CommandSpec":
        return dataclasses.replace(self, env=tuple(c for c in self.env if not c.repro_only))

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "argv": list(self.argv),
                "env": [c.to_dict() for c in self.env],
                "ready_urls": list(self.ready_urls), "notes": list(self.notes)}


def substitute(text: str, values: Mapping[str, str]) -> str:
    for token, value in values.items():
        text = text.replace(token, value)
    return text


def resolve_command(spec: CommandSpec, values: Mapping[str, str]) -> CommandSpec:
    """Fill placeholders in argv, env values and URLs."""
    env = tuple(dataclasses.replace(c, value=None if c.value is None else substitute(c.value, values))
                for c in spec.env)
    return dataclasses.replace(
        spec, argv=tuple(substitute(a, values) for a in spec.argv), env=env,
        ready_urls=tuple(substitute(u, values) for u in spec.ready_urls))


def placeholder_values(http_port: int | None, system_port: int | None,
                       run_dir: str | None) -> dict[str, str]:
    values = {}
    if http_port is not None:
        values[HTTP_PORT] = str(http_port)
    if system_port is not None:
        values[SYSTEM_PORT] = str(system_port)
    if run_dir is not None:
        values[RUN_DIR] = str(run_dir).rstrip("/") or "/"
    return values


def has_placeholders(spec: CommandSpec) -> list[str]:
    text = " ".join([*spec.argv, *(c.value or "" for c in spec.env), *spec.ready_urls])
    return [p for p in PLACEHOLDERS if p in text]


__all__ = ["LaunchRequest", "EnvChange", "CommandSpec", "resolve_command", "placeholder_values",
           "has_placeholders", "HTTP_PORT", "SYSTEM_PORT", "RUN_DIR"]
