"""What the engine benchmarks share: a bare Dynamo stack (frontend + `dynamo.vllm`, as a user
starts it by hand) with a tiny scripted model, run from the engine environment `.venv-vllm`
(bash scripts/install-engine). One stack at a time, always torn down (process groups and every
descendant, vLLM's VLLM::* processes included; never by name)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from dynamo_toolcall_probe.replay.supervisor import ProcessSpec, Supervisor, free_port  # noqa: E402
from engine.launching import ENGINE_ENV, VENV, WORKER_ARGS  # noqa: E402
from engine.machine import cannot_run_vllm  # noqa: E402
from engine.tiny_model import Script, build  # noqa: E402

PYTHON = str(VENV / "bin" / "python")
HOST = "127.0.0.1"


def require_engine() -> None:
    why = cannot_run_vllm()
    if why or not Path(PYTHON).exists():
        sys.exit(f"cannot run: {why or f'{VENV} is missing (bash scripts/install-engine)'}")


def tiny_model(script: Script, root: Path) -> Path:
    return build(script, root / "model")


def stack_env(run_dir: Path) -> dict[str, str]:
    """The settings a user needs for a loopback stack with file discovery (dynamo-facts.md)."""
    return {**ENGINE_ENV, "DYN_FILE_KV": str(run_dir / "kv"), "DYN_TCP_RPC_HOST": HOST,
            "DYN_TCP_RESPONSE_STREAM_HOST": HOST, "DYN_EVENT_PLANE_HOST": HOST}


@dataclass
class Stack:
    base: str  # http://127.0.0.1:<port>
    run_dir: Path  # the hook records under run_dir/records
    worker_pid: int


@contextmanager
def bare_stack(model: Path, parser: str, hooked: bool = False,
               extra_env: dict[str, str] | None = None) -> Iterator[Stack]:
    """Frontend + `python -m dynamo.vllm` (through the probe's hook if `hooked`), yielded once the
    model is listed; both stopped on exit."""
    import httpx

    run_dir = Path(tempfile.mkdtemp(prefix="bench-engine-"))
    port = free_port(HOST)
    env = stack_env(run_dir)
    module = ["dynamo_toolcall_probe.hook", "dynamo.vllm"] if hooked else ["dynamo.vllm"]
    if hooked:
        env["DYNAMO_PROBE_RECORD_DIR"] = str(run_dir / "records")
    with Supervisor(run_dir / "logs", grace=10) as sup:  # probe-launch's grace too
        sup.start(ProcessSpec("frontend", [PYTHON, "-m", "dynamo.frontend", "--discovery-backend",
                                           "file", "--request-plane", "tcp", "--http-host", HOST,
                                           "--http-port", str(port)],
                              {**env, "HOME": str(run_dir / "home")}))
        worker = sup.start(ProcessSpec("worker", [PYTHON, "-m", *module, "--model", str(model),
                                         "--dyn-tool-call-parser", parser, "--discovery-backend",
                                         "file", "--request-plane", "tcp", *WORKER_ARGS],
                              {**env, **(extra_env or {})}))
        base = f"http://{HOST}:{port}"

        client = httpx.Client(timeout=2)  # one client: a new one per poll costs a core's share

        def listed() -> bool:
            try:
                models = client.get(f"{base}/v1/models").json().get("data") or []
            except (httpx.HTTPError, ValueError):
                return False
            return any(m.get("id") == str(model) for m in models)

        with client:
            sup.wait_until(listed, "model listed", timeout=600, interval=0.1)
        yield Stack(base, run_dir, worker.popen.pid)


def cpu_seconds(pid: int, tree: bool = True) -> float:
    """CPU time (user + system) used so far by a process, and with `tree` every process below it
    (for the worker: vLLM's EngineCore and Worker too). Less moved than wall time by other load
    on the machine."""
    import psutil

    root = psutil.Process(pid)
    total = 0.0
    for proc in [root, *(root.children(recursive=True) if tree else [])]:
        try:
            times = proc.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return total


def chat(base: str, body: dict, headers: dict[str, str] | None = None) -> tuple[float, dict]:
    import httpx

    t = time.perf_counter()
    reply = httpx.post(f"{base}/v1/chat/completions", json=body, headers=headers, timeout=600)
    elapsed = time.perf_counter() - t
    reply.raise_for_status()
    return elapsed, reply.json()


def request_body(model: Path, **changes) -> dict:
    from dynamo_toolcall_probe.capture.repro import example_request

    return {**example_request(), "model": str(model), "logprobs": True, "temperature": 0, **changes}


def write_json(path: Path, obj) -> Path:
    path.write_text(json.dumps(obj, indent=1))
    return path


def environment_note() -> str:
    load = os.getloadavg()
    return (f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average "
            f"{load[0]:.1f}/{load[1]:.1f}/{load[2]:.1f} at start")
