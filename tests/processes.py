"""Tests that start the real CLI as a process: tag every descendant through its environment, and
prove afterwards that none of them is left running (never by name: by the tag)."""

from __future__ import annotations

import time

import psutil


def tagged(tag: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["pid"]):
        try:
            if proc.environ().get("PROBE_TEST_TAG") == tag:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def assert_nothing_left(tag: str, within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while (left := [p for p in tagged(tag) if p.status() != psutil.STATUS_ZOMBIE]) and \
            time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"left running: {[(p.pid, p.cmdline()[:4]) for p in left]}"


def command_line(proc: psutil.Process) -> str:
    """The process's command line, "" once it is gone."""
    try:
        return " ".join(proc.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return ""
