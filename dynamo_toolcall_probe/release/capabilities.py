"""What an installed Dynamo release really has, read from it rather than from a version table.

Asked once per interpreter in a subprocess (`launch/_introspect.py`, op `capabilities`, ~0.3 s):
the parser names its `dynamo._core` lists, the frontend's own argument group (options, defaults,
choices), the worker API the replay worker needs, and which environment variables its compiled
runtime can read at all (their names are strings in the library). Command building, readiness
and `--parser-version` all decide from this.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import EnvironmentProblem
from . import Release, from_versions

#: The variables the probe may set; the runtime library is searched for each name.
ENV_NAMES = ("DYN_PARSER_VERSION", "DYN_ENABLE_EXPERIMENTAL_PARSERS_V2", "DYN_TCP_RPC_HOST",
             "DYN_TCP_RESPONSE_STREAM_HOST", "DYN_SYSTEM_HOST", "DYN_SYSTEM_PORT",
             "DYN_EVENT_PLANE_HOST", "DYN_FILE_KV", "DYN_STORE_KV", "DYN_HTTP_RPC_HOST")
#: Prefixes the runtime reads a whole group of variables by (its config layer strips them), so
#: the member names never occur in the library: `DYN_SYSTEM_HOST` is read as `DYN_SYSTEM_` + host.
PREFIX_GROUPS = ("DYN_SYSTEM_",)
PARSER_VERSION_ENV = "DYN_PARSER_VERSION"  # 1 | 2 | auto
LEGACY_PARSERS_V2_ENV = "DYN_ENABLE_EXPERIMENTAL_PARSERS_V2"  # a boolean, before DYN_PARSER_VERSION


PART_NAMES = {"frontend": "its frontend's argument group", "parsers": "its parser names",
              "worker_api": "its worker API", "runtime_env": "its runtime library"}


@dataclass(frozen=True)
class Capabilities:
    release: Release
    tool_parsers: tuple[str, ...] = ()
    reasoning_parsers: tuple[str, ...] = ()
    frontend_options: frozenset[str] = frozenset()
    frontend_defaults: Mapping[str, Any] = field(default_factory=dict)
    frontend_choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    runtime_env: frozenset[str] = frozenset()
    worker_api: Mapping[str, Any] = field(default_factory=dict)
    errors: Mapping[str, str] = field(default_factory=dict)  # parts that could not be read

    def reads(self, variable: str) -> bool:
        return variable in self.runtime_env or any(
            variable.startswith(p) and p in self.runtime_env for p in PREFIX_GROUPS)

    @property
    def parser_version_env(self) -> str | None:
        """The variable that selects the parser generation in this release, if any."""
        for name in (PARSER_VERSION_ENV, LEGACY_PARSERS_V2_ENV):
            if self.reads(name):
                return name
        return None

    @property
    def parser_version_choices(self) -> tuple[str, ...]:
        env = self.parser_version_env
        if env == PARSER_VERSION_ENV:
            return ("1", "2", "auto")
        return ("1", "2") if env == LEGACY_PARSERS_V2_ENV else ()

    def parser_version_env_change(self, value: str | None) -> tuple[str, str] | None:
        """(variable, value) that selects parser generation `value`; None for the default."""
        if value is None:
            return None
        env = self.parser_version_env
        if env is None or value not in self.parser_version_choices:
            choices = ", ".join(self.parser_version_choices) or "none"
            raise EnvironmentProblem(
                f"ai-dynamo {self.release.version} has no parser generation {value!r} "
                f"(its runtime reads {env or 'neither DYN_PARSER_VERSION nor ' + LEGACY_PARSERS_V2_ENV};"
                f" choices: {choices})")
        if env == LEGACY_PARSERS_V2_ENV:
            return env, "1" if value == "2" else "0"
        return env, value

    def problems(self) -> list[str]:
        """Why the probe cannot drive this release (empty when it can)."""
        out = [f"{PART_NAMES.get(part, part)} could not be read ({why})"
               for part, why in self.errors.items()]
        if "--discovery-backend" in self.frontend_options:
            choices = self.frontend_choices.get("discovery_backend")
            if choices and "file" not in choices:
                out.append("its frontend has no file discovery (--discovery-backend choices: "
                           f"{', '.join(choices)}); the probe runs without etcd")
        elif "frontend" not in self.errors:
            out.append("its frontend takes no --discovery-backend (it needs etcd and NATS)")
        if "--request-plane" not in self.frontend_options and "frontend" not in self.errors:
            out.append("its frontend takes no --request-plane (the probe uses the TCP plane)")
        api = self.worker_api
        if api and not (api.get("register") and api.get("runtime_config")):
            out.append("its Python API has no register_model/ModelRuntimeConfig for a worker")
        return out

    def require_drivable(self) -> None:
        problems = self.problems()
        if problems:
            raise EnvironmentProblem(f"the probe cannot drive ai-dynamo {self.release.version or '?'}: "
                                     + "; ".join(problems))


def from_answer(answer: Mapping[str, Any], parser_version: str | None = None) -> Capabilities:
    release = from_versions({"ai-dynamo": answer.get("ai_dynamo"),
                             "ai-dynamo-runtime": answer.get("ai_dynamo_runtime")}, parser_version)
    errors: dict[str, str] = {}

    def part(name: str) -> dict[str, Any]:
        value = answer.get(name) or {}
        if isinstance(value, dict) and "error" in value:
            errors[name] = value["error"]
            return {}
        return value if isinstance(value, dict) else {}

    parsers, frontend, api = part("parsers"), part("frontend"), part("worker_api")
    env = answer.get("runtime_env")
    if isinstance(env, dict):
        errors["runtime_env"] = env.get("error", "unreadable")
        env = []
    return Capabilities(
        release, tuple(parsers.get("tool", ())), tuple(parsers.get("reasoning", ())),
        frozenset(frontend.get("options", ())), dict(frontend.get("defaults", {})),
        {k: tuple(v) for k, v in frontend.get("choices", {}).items()}, frozenset(env or ()),
        dict(api), errors)


@functools.lru_cache(maxsize=16)
def introspect(python: str | None) -> dict[str, Any]:
    """The raw capability answer of the ai-dynamo in `python` (asked once per interpreter)."""
    from ..launch.target import query

    return query("capabilities", python, env_names=[*ENV_NAMES, *PREFIX_GROUPS])


def installed_capabilities(python: str | None = None,
                           parser_version: str | None = None) -> Capabilities:
    """Capabilities of the ai-dynamo in `python`; EnvironmentProblem when it is not usable."""
    return from_answer(introspect(python), parser_version)
