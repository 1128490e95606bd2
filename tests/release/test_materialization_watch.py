"""Readiness fails fast, naming Dynamo's own error, when the frontend says it cannot serve the
model: the lines are those of real frontends (1.2.1: one `Error adding model`; 1.5.1: retries)."""

import time

import pytest

from dynamo_toolcall_probe.errors import StartupFailed
from dynamo_toolcall_probe.replay.frontend_log import MaterializationWatch

RETRY = ('\x1b[2m2026-12-01T21:40:2{n}Z\x1b[0m \x1b[33m WARN\x1b[0m dynamo_llm::discovery::controller: '
         'Model materialization failed; scheduling retry group=["m"] attempt={n} retry_ms=1000 '
         'error="{error}"\n')
ONCE = ('2026-12-01T21:39:28Z ERROR dynamo_llm::discovery::watcher: Error adding model from '
        'discovery model_name="m" namespace="replay" error="build_routed_pipeline: Generic error: '
        'Interface not found: 127.0.0.1"\n')
IFACE = "build_preprocessed_routing: Generic error: Interface not found: 127.0.0.1"


def test_a_retry_that_fails_the_same_way_is_final(tmp_path):
    log = tmp_path / "frontend.log"
    log.write_text("starting\n" + RETRY.format(n=1, error=IFACE))
    watch = MaterializationWatch(log, grace=60)
    watch.check()  # one failure: a retry may still succeed
    with open(log, "a") as f:
        f.write(RETRY.format(n=2, error=IFACE))
    with pytest.raises(StartupFailed, match=r"retried 2 times\): build_preprocessed_routing: "
                                            r"Generic error: Interface not found: 127\.0\.0\.1"):
        watch.check()


def test_a_failure_without_a_retry_is_final_after_the_grace_period(tmp_path):
    log = tmp_path / "frontend.log"
    log.write_text(ONCE[:40])  # the line is still being written
    watch = MaterializationWatch(log, grace=0.2)
    watch.check()
    with open(log, "a") as f:
        f.write(ONCE[40:])
    watch.check()
    time.sleep(0.3)
    with pytest.raises(StartupFailed, match="no retry within 0 s.*build_routed_pipeline"):
        watch.check()


def test_resource_exhaustion_is_never_taken_as_final(tmp_path):
    log = tmp_path / "frontend.log"
    busy = "Too many open files (os error 24)"
    log.write_text(RETRY.format(n=1, error=busy) + RETRY.format(n=2, error=busy))
    watch = MaterializationWatch(log, grace=0.0)
    watch.check()
    time.sleep(0.05)
    watch.check()  # nothing raised: the frontend may still get its inotify instances
