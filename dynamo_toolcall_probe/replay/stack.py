"""The real Dynamo frontend + our replay worker, on 127.0.0.1, for one run.

    with ReplayStack([ServedModel("m", "hermes")]) as stack:
        stack.set_script("m", {"text": "<tool_call>..."})
        body = send_chat(stack.base_url, {...})

Fresh `DYN_FILE_KV` and `HOME` per run (stale registrations of dead workers linger otherwise,
and the frontend caches model cards under $HOME), free ports, loopback only.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import EnvironmentProblem
from .frontend_log import MaterializationWatch
from .script import write_script
from .supervisor import ProcessSpec, Supervisor, free_port

HOST = "127.0.0.1"


@dataclass
class ServedModel:
    name: str
    tool_call_parser: str | None = None
    reasoning_parser: str | None = None


def loopback_env(run_dir: Path, python: str = sys.executable, parser_version: str | None = None,
                 env_meaning: dict[str, str] | None = None) -> tuple[dict[str, str | None], list[str]]:
    """The environment of a replay stack on the release installed in `python`, and the
    frontend flags that release needs."""
    from ..release.capabilities import installed_capabilities
    from ..release.commands import stack_settings
    from ..release.knowledge import Knowledge

    kv, home = run_dir / "kv", run_dir / "home"
    kv.mkdir(parents=True, exist_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    caps = installed_capabilities(python, parser_version)
    caps.require_drivable()
    if env_meaning is None:
        env_meaning = Knowledge.of(caps.release).env_meaning()
    settings = stack_settings(caps, HOST, env_meaning)
    env: dict[str, str | None] = {"DYN_FILE_KV": str(kv), "HOME": str(home),
                                  "DYN_SYSTEM_HOST": HOST, "HF_HUB_OFFLINE": "1",
                                  "DYN_SYSTEM_PORT": None, "DYN_LOG": "warn"}
    env.update({e.name: e.value for e in settings.env})
    selected = caps.parser_version_env_change(parser_version)
    if selected:
        env[selected[0]] = selected[1]
    if not same_interpreter(python):
        from ..release.envs import probe_path

        env["PYTHONPATH"] = probe_path()  # the worker and hook run from this checkout there
    return env, settings.frontend_flags


def same_interpreter(python: str) -> bool:
    from ..launch.target import _same_interpreter

    return _same_interpreter(python)


def require_dynamo(python: str = sys.executable) -> None:
    if python == sys.executable and importlib.util.find_spec("dynamo") is None:
        raise EnvironmentProblem("ai-dynamo is not installed in this environment: run scripts/install")


class ReplayStack:
    def __init__(self, models: list[ServedModel], model_dir: Path | None = None,
                 run_dir: Path | None = None, worker_prefix: list[str] | None = None,
                 timeout: float = 60.0, python: str = sys.executable,
                 parser_version: str | None = None,
                 env_meaning: dict[str, str] | None = None,
                 discovery_backend: str = "file", env: dict[str, str] | None = None) -> None:
        """`discovery_backend`: "file" (a fresh store per run) or "etcd" (`env` then carries
        ETCD_ENDPOINTS); `env`: more environment for both processes."""
        require_dynamo(python)
        self.models = models
        self._own_dir = run_dir is None
        self.run_dir = Path(run_dir or tempfile.mkdtemp(prefix="dynamo-probe-replay-"))
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.scripts_dir = self.run_dir / "scripts"
        self.scripts_dir.mkdir(exist_ok=True)
        self._model_dir = model_dir
        self.worker_prefix = worker_prefix or []  # e.g. the hook wrapper
        self.timeout = timeout
        self.python = python
        self.parser_version = parser_version  # DYN_PARSER_VERSION for this stack, None: default
        self.env_meaning = env_meaning  # None: as measured for the release (release.knowledge)
        self.port = 0
        self.discovery_backend = discovery_backend
        self.extra_env = dict(env or {})
        self.supervisor = Supervisor(self.run_dir / "logs")

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def model_dir(self) -> Path:
        if self._model_dir is None:
            from .modeldir import builtin_model_dir

            self._model_dir = builtin_model_dir()
        return self._model_dir

    def set_script(self, name: str | None, script: dict[str, Any]) -> None:
        write_script(self.scripts_dir, name, script)

    def start(self) -> "ReplayStack":
        import httpx

        config = {"model_dir": str(self.model_dir), "scripts_dir": str(self.scripts_dir),
                  "namespace": "replay", "discovery_backend": self.discovery_backend,
                  "models": [{"name": m.name, "tool_call_parser": m.tool_call_parser,
                              "reasoning_parser": m.reasoning_parser} for m in self.models]}
        config_path = self.run_dir / "worker.json"
        config_path.write_text(json.dumps(config, indent=1))
        env, frontend_flags = loopback_env(self.run_dir, self.python, self.parser_version,
                                           self.env_meaning)
        env = {**env, **self.extra_env, "DYN_DISCOVERY_BACKEND": self.discovery_backend}
        self.port = free_port(HOST)
        try:
            frontend = self.supervisor.start(ProcessSpec("frontend", [
                self.python, "-m", "dynamo.frontend", "--discovery-backend", self.discovery_backend,
                "--request-plane", "tcp", "--http-host", HOST, "--http-port", str(self.port),
                *frontend_flags], env))
            watch = MaterializationWatch(frontend.log_path)
            self.supervisor.checks.append(watch.check)
            worker_module = ["-m", "dynamo_toolcall_probe.replay.worker", "--config", str(config_path)]
            if self.worker_prefix:
                worker_module = [*self.worker_prefix, "dynamo_toolcall_probe.replay.worker",
                                 "--config", str(config_path)]
            self.supervisor.start(ProcessSpec("worker", [self.python, *worker_module], env))
            wanted = {m.name for m in self.models}
            client = httpx.Client(timeout=2.0)

            def listed() -> bool:
                try:
                    data = client.get(f"{self.base_url}/v1/models").json()
                except (httpx.HTTPError, ValueError):
                    return False
                return wanted <= {m.get("id") for m in data.get("data", [])}

            try:
                self.supervisor.wait_until(listed, "the replay stack (models listed in /v1/models)",
                                           self.timeout)
            finally:
                client.close()
                self.supervisor.checks.remove(watch.check)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        self.supervisor.stop()
        if self._own_dir:
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def __enter__(self) -> "ReplayStack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
