"""Reading Dynamo's etcd discovery through etcd's v3 JSON gateway: no client library.

`POST /v3/kv/range {"key": b64(prefix), "range_end": b64(prefix with its last byte + 1)}` lists
every key under a prefix (`kvs` is absent when there is none). Credentials are Dynamo's own:
ETCD_AUTH_USERNAME / ETCD_AUTH_PASSWORD (a token from `/v3/auth/authenticate`), or mutual TLS
with ETCD_AUTH_CA, ETCD_AUTH_CLIENT_CERT, ETCD_AUTH_CLIENT_KEY. Dynamo's Rust client hands
these to `from_pem` as they are, so they may hold PEM text; a path to a PEM file works too.
"""

from __future__ import annotations

import base64
import os
import ssl
import tempfile
from collections.abc import Mapping
from typing import Any

from ..errors import EnvironmentProblem

PAGE = 500  # keys per range request: a big cluster is read in pages, never in one reply


def prefix_range(prefix: bytes) -> tuple[str, str]:
    """Base64 key and range_end covering every key that starts with `prefix`."""
    end = bytearray(prefix)
    while end and end[-1] == 0xFF:
        end.pop()
    if end:
        end[-1] += 1
    else:
        end = bytearray(b"\x00")  # etcd: range_end "\0" means every key >= key
    return base64.b64encode(prefix).decode(), base64.b64encode(bytes(end)).decode()


def _pem(value: str, suffix: str, cleanup: list[str]) -> str:
    """A file path for a PEM value that may be the PEM text itself."""
    if "-----BEGIN" not in value:
        return value
    fd, path = tempfile.mkstemp(prefix="dynamo-probe-etcd-", suffix=suffix)
    with os.fdopen(fd, "w") as f:
        f.write(value)
    cleanup.append(path)
    return path


def tls_context(environ: Mapping[str, str]) -> ssl.SSLContext | None:
    ca, cert, key = (environ.get(f"ETCD_AUTH_{n}") for n in ("CA", "CLIENT_CERT", "CLIENT_KEY"))
    if not (ca or cert):
        return None
    cleanup: list[str] = []
    try:
        ctx = ssl.create_default_context()
        if ca:
            if "-----BEGIN" in ca:
                ctx.load_verify_locations(cadata=ca)
            else:
                ctx.load_verify_locations(cafile=ca)
        if cert and key:
            ctx.load_cert_chain(_pem(cert, ".crt", cleanup), _pem(key, ".key", cleanup))
        return ctx
    except (OSError, ssl.SSLError) as exc:
        raise EnvironmentProblem(f"cannot load the etcd TLS settings (ETCD_AUTH_CA/_CLIENT_CERT/"
                                 f"_CLIENT_KEY): {exc}") from None
    finally:
        for path in cleanup:
            os.unlink(path)


class EtcdGateway:
    def __init__(self, endpoints: tuple[str, ...] | list[str],
                 environ: Mapping[str, str] = os.environ, timeout: float = 5.0) -> None:
        self.endpoints = list(endpoints)
        self.environ = environ
        self.timeout = timeout

    def auth_kind(self) -> str:
        if self.environ.get("ETCD_AUTH_USERNAME") and self.environ.get("ETCD_AUTH_PASSWORD"):
            return "password"
        if self.environ.get("ETCD_AUTH_CA") or self.environ.get("ETCD_AUTH_CLIENT_CERT"):
            return "tls"
        return "none"

    def range_prefix(self, prefix: str) -> list[tuple[str, bytes]]:
        """Every (key, value) under `prefix`, from the first endpoint that answers."""
        import httpx

        failures = []
        verify: Any = tls_context(self.environ) or True
        for url in self.endpoints:
            try:
                with httpx.Client(timeout=self.timeout, verify=verify) as client:
                    headers = self._auth_headers(client, url)
                    return self._read_all(client, url, prefix.encode(), headers)
            except httpx.HTTPError as exc:
                failures.append(f"{url}: {type(exc).__name__}: {exc}")
        raise EnvironmentProblem("cannot reach etcd (" + "; ".join(failures) + ")")

    def _auth_headers(self, client, url: str) -> dict[str, str]:
        if self.auth_kind() != "password":
            return {}
        reply = client.post(f"{url}/v3/auth/authenticate",
                            json={"name": self.environ["ETCD_AUTH_USERNAME"],
                                  "password": self.environ["ETCD_AUTH_PASSWORD"]})
        token = _json(reply, url, "authenticate").get("token")
        if not token:
            raise EnvironmentProblem(f"etcd at {url} gave no token for ETCD_AUTH_USERNAME")
        return {"Authorization": token}

    def _read_all(self, client, url: str, prefix: bytes, headers) -> list[tuple[str, bytes]]:
        key, end = prefix_range(prefix)
        out: list[tuple[str, bytes]] = []
        while True:
            reply = client.post(f"{url}/v3/kv/range", headers=headers,
                                json={"key": key, "range_end": end, "limit": PAGE})
            data = _json(reply, url, "range")
            kvs = data.get("kvs") or []
            for kv in kvs:
                out.append((base64.b64decode(kv["key"]).decode(errors="replace"),
                            base64.b64decode(kv.get("value") or "")))
            if not (data.get("more") and kvs):
                return out
            # next page: the keys after the last one read
            key = base64.b64encode(base64.b64decode(kvs[-1]["key"]) + b"\x00").decode()


def _json(reply, url: str, what: str) -> dict[str, Any]:
    try:
        data = reply.json()
    except ValueError:
        data = {}
    if reply.status_code != 200:
        detail = data.get("message") or data.get("error") or reply.text[:200]
        hint = ""
        words = ("permission", "token", "user name", "auth", "password")
        if reply.status_code in (401, 403) or any(w in str(detail).lower() for w in words):
            hint = " (set ETCD_AUTH_USERNAME/ETCD_AUTH_PASSWORD as the workers have them)"
        elif reply.status_code == 404:
            hint = " (not etcd's v3 JSON gateway: is this the etcd client URL?)"
        raise EnvironmentProblem(f"etcd at {url}: {what} failed: HTTP {reply.status_code}: "
                                 f"{detail}{hint}")
    return data if isinstance(data, dict) else {}
