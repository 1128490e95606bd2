"""A real etcd per test module (loopback only), proven gone afterwards."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_gone

from .etcd_server import EtcdServer


@pytest.fixture(scope="module")
def etcd():
    server = EtcdServer().start()
    try:
        yield server
    finally:
        pids = server.pids()
        server.stop()
        assert_gone(pids, [server.port])
