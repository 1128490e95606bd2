"""The inotify budget decides how many frontends replay runs at once."""

import os

from dynamo_toolcall_probe.replay import inotify


def test_cost_and_group_sizes():
    assert inotify.cost(10) == 41 and inotify.cost(14) == 57  # measured on 1.6.1
    assert inotify.group_sizes(36, budget=120) == [14, 14, 8]  # two fit at once: 114 <= 120
    assert inotify.group_sizes(5, budget=120) == [5]
    assert inotify.group_sizes(3, budget=10) == [1, 1, 1]  # a tight budget: small frontends


def test_budget_runs_a_frontend_when_it_fits_and_one_alone_even_over_budget():
    import threading
    import time

    budget = inotify.Budget(100)
    events = []

    def hold(name, amount, seconds):
        with budget.hold(amount):
            events.append(("start", name, budget.used))
            time.sleep(seconds)
            events.append(("end", name))  # inside: before the release can wake the other

    first = threading.Thread(target=hold, args=("a", 60, 0.3))
    first.start()
    time.sleep(0.05)
    second = threading.Thread(target=hold, args=("b", 60, 0.0))  # 120 > 100: waits for a
    second.start()
    first.join()
    second.join()
    assert events.index(("end", "a")) < events.index(("start", "b", 60))
    with budget.hold(500):  # over budget, alone: runs
        assert budget.used == 500
    assert budget.used == 0


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
