"""The per-user inotify budget, which decides how many frontends may run at once.

The 1.6.1 frontend with file discovery opens about 4 inotify instances per served model (41 for
10 models, measured). The kernel allows `fs.inotify.max_user_instances` per user (128 by
default). Past it the frontend logs "Too many open files (os error 24)" and retries model
materialization every second, which is slow at best and a timeout at worst.
"""

from __future__ import annotations

import os
from pathlib import Path

PER_MODEL = 4
PER_FRONTEND = 1
DEFAULT_LIMIT = 128
MARGIN = 8  # for whatever else of ours starts meanwhile


def cost(models: int) -> int:
    return PER_FRONTEND + PER_MODEL * models


def user_limit() -> int:
    try:
        return int(Path("/proc/sys/fs/inotify/max_user_instances").read_text())
    except (OSError, ValueError):
        return DEFAULT_LIMIT


def in_use(uid: int | None = None) -> int:
    """inotify instances held by this user's processes (the ones /proc lets us read)."""
    uid = os.getuid() if uid is None else uid
    count = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        fd_dir = f"/proc/{pid}/fd"
        try:
            if os.stat(f"/proc/{pid}").st_uid != uid:
                continue
            for fd in os.listdir(fd_dir):
                if os.readlink(f"{fd_dir}/{fd}") == "anon_inode:inotify":
                    count += 1
        except OSError:
            continue
    return count


def available() -> int:
    if not Path("/proc/self/fd").is_dir():
        return DEFAULT_LIMIT - MARGIN  # not Linux: no such limit to plan around
    return max(0, user_limit() - in_use() - MARGIN)


def concurrent_frontends(models_each: int, budget: int | None = None) -> int:
    """How many frontends of `models_each` models fit in the budget at once (at least one)."""
    budget = available() if budget is None else budget
    return max(1, budget // cost(models_each))
