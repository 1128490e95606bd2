"""The per-user inotify budget, which decides how many frontends may run at once.

The 1.6.1 frontend with file discovery opens about 4 inotify instances per served model (41 for
10 models, measured). The kernel allows `fs.inotify.max_user_instances` per user (128 by
default). Past it the frontend logs "Too many open files (os error 24)" and retries model
materialization every second, which is slow at best and a timeout at worst.
"""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path
from typing import Iterator

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


def group_sizes(count: int, budget: int, most: int = 14) -> list[int]:
    """Models per frontend for `count` parsers: big enough that two frontends fill the budget
    (fewer start-ups), at most `most` each (one frontend's own start-up grows with its models)."""
    per = max(1, min(most, (budget // 2 - PER_FRONTEND) // PER_MODEL))
    return [min(per, count - i) for i in range(0, count, per)]


class Budget:
    """Instances in use by the frontends we run; a frontend starts when its cost fits."""

    def __init__(self, total: int) -> None:
        self.total, self.used = total, 0
        self._cond = threading.Condition()

    @contextlib.contextmanager
    def hold(self, amount: int) -> Iterator[None]:
        with self._cond:
            # Alone, a frontend runs even over budget: one at a time is the best there is.
            self._cond.wait_for(lambda: self.used == 0 or self.used + amount <= self.total)
            self.used += amount
        try:
            yield
        finally:
            with self._cond:
                self.used -= amount
                self._cond.notify_all()
