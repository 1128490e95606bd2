"""The inotify budget decides how many frontends replay runs at once."""

import os

from dynamo_toolcall_probe.replay import inotify


def test_cost_and_concurrency():
    assert inotify.cost(10) == 41  # measured on 1.6.1: 41 instances for 10 served models
    assert inotify.concurrent_frontends(12, budget=120) == 2
    assert inotify.concurrent_frontends(12, budget=10) == 1  # never zero: one at a time


def test_in_use_counts_our_own_instances():
    before = inotify.in_use()
    fd = os.inotify_init() if hasattr(os, "inotify_init") else None
    if fd is None:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        fd = libc.inotify_init()
    try:
        assert fd >= 0
        assert inotify.in_use() == before + 1
    finally:
        os.close(fd)
    assert inotify.in_use() == before
