"""Cached environments with one ai-dynamo release each, for bisect, the release matrix and tests.

Each release is installed once under the user's cache dir
(`$DYNAMO_PROBE_CACHE` or `$XDG_CACHE_HOME/dynamo-toolcall-probe`, default `~/.cache/...`) with
the recipe that works on CPU without NVIDIA's index: `ai-dynamo-runtime==V` plus the few packages
its Python components import, then `ai-dynamo==V --no-deps`. `uv` is used where it is on PATH
(much faster), else pip. The probe itself is not installed there: its worker and hook run from
this checkout through a one-entry `PYTHONPATH` (`probe_path()`), so a release's environment never
goes stale when the probe changes.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator

from ..errors import EnvironmentProblem
from . import version_key

RECIPE_EXTRAS = ("packaging", "pyyaml", "msgspec", "tokenizers")
READY = ".probe-release-ready"
INSTALL_TIMEOUT_S = 900


def cache_root() -> Path:
    if os.environ.get("DYNAMO_PROBE_CACHE"):
        return Path(os.environ["DYNAMO_PROBE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "dynamo-toolcall-probe"


def env_dir(version: str, base_python: str = sys.executable) -> Path:
    tag = _python_tag(base_python)
    return cache_root() / "releases" / f"{version}-{tag}"


def _python_tag(python: str) -> str:
    if python == sys.executable:
        return f"py{sys.version_info.major}.{sys.version_info.minor}"
    out = subprocess.run([python, "-c", "import sys; print(f'py{sys.version_info[0]}.{sys.version_info[1]}')"],
                         capture_output=True, text=True, timeout=60)
    return out.stdout.strip() or "py"


def env_python(directory: Path) -> Path:
    return directory / "bin" / "python"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One installer per release at a time (two bisects, or a test run and a bisect)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _run(argv: list[str], say: Callable[[str], None], what: str) -> None:
    """Run an installer step, passing its progress lines on; one clear error if it fails."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            stdin=subprocess.DEVNULL)
    tail: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        line = line.rstrip()
        if not line or line.startswith("WARNING: Location"):
            continue
        tail = (tail + [line])[-5:]
        if line.startswith(("Collecting", "Downloading", "Installing", "Resolved", "Prepared",
                            "Installed", "Successfully")):
            say(f"  {what}: {line[:100]} ({time.monotonic() - start:.0f} s)")
    if proc.wait(timeout=INSTALL_TIMEOUT_S) != 0:
        raise EnvironmentProblem(f"{what} failed: {' | '.join(tail[-3:]) or 'no output'}")


def install_commands(version: str, directory: Path, base_python: str) -> list[tuple[str, list[str]]]:
    """The steps that make `directory` an environment with ai-dynamo `version` (uv or pip)."""
    py = str(env_python(directory))
    uv = shutil.which("uv")
    if uv:
        make = [uv, "venv", "--python", base_python, str(directory)]
        pip = [uv, "pip", "install", "--python", py]
    else:
        make = [base_python, "-m", "venv", str(directory)]
        pip = [py, "-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off"]
    return [("create the environment", make),
            (f"install ai-dynamo-runtime {version}", [*pip, f"ai-dynamo-runtime=={version}", *RECIPE_EXTRAS]),
            (f"install ai-dynamo {version}", [*pip, "--no-deps", f"ai-dynamo=={version}"])]


def ensure_release(version: str, say: Callable[[str], None] = lambda s: None,
                   base_python: str = sys.executable) -> str:
    """The python of a cached environment with ai-dynamo `version`, installing it the first time."""
    version_key(version)  # BadInput for something that is not a version
    directory = env_dir(version, base_python)
    python = env_python(directory)
    if (directory / READY).exists() and python.exists():
        return str(python)
    with _locked(directory.parent / f".{directory.name}.lock"):
        if (directory / READY).exists() and python.exists():
            return str(python)  # another process installed it while we waited
        say(f"installing ai-dynamo {version} into {directory} (once; later runs reuse it)")
        shutil.rmtree(directory, ignore_errors=True)
        start = time.monotonic()
        try:
            for what, argv in install_commands(version, directory, base_python):
                _run(argv, say, what)
        except BaseException:
            shutil.rmtree(directory, ignore_errors=True)  # never leave half an environment
            raise
        (directory / READY).write_text(version)
        say(f"ai-dynamo {version} ready in {time.monotonic() - start:.0f} s")
    return str(python)


def probe_path() -> str:
    """A directory that holds only this package (a symlink), for another interpreter's
    PYTHONPATH: it exposes the probe without the rest of our site-packages."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256(str(package).encode()).hexdigest()[:12]
    link_dir = cache_root() / "probe-path" / digest
    link = link_dir / package.name
    if not (link.is_symlink() and Path(os.readlink(link)) == package):
        link_dir.mkdir(parents=True, exist_ok=True)
        tmp = link_dir / f".{package.name}.{os.getpid()}"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        tmp.symlink_to(package, target_is_directory=True)
        tmp.replace(link)
    return str(link_dir)
