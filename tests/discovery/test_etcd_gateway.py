"""Reading model cards from a REAL etcd 3.5 server over its v3 JSON gateway: prefixes, pages,
several endpoints, and Dynamo's ETCD_AUTH_USERNAME/_PASSWORD credentials."""

from __future__ import annotations

import pytest

from dynamo_toolcall_probe.discovery import read_source
from dynamo_toolcall_probe.discovery import etcd as etcd_module
from dynamo_toolcall_probe.discovery.etcd import EtcdGateway, prefix_range
from dynamo_toolcall_probe.discovery.source import DiscoverySource
from dynamo_toolcall_probe.errors import EnvironmentProblem
from tests.e2e.conftest import assert_gone

from .etcd_server import EtcdServer
from .test_cards_and_source import record


def test_prefix_range_covers_exactly_the_prefix():
    import base64

    key, end = prefix_range(b"v1/mdc/")
    assert base64.b64decode(key) == b"v1/mdc/" and base64.b64decode(end) == b"v1/mdc0"
    assert base64.b64decode(prefix_range(b"a\xff")[1]) == b"b"


def test_reads_only_the_model_cards_under_the_prefix(etcd):
    etcd.put("v1/mdc/dynamo/backend/generate/2a", record("m", 42, tool_call_parser="hermes"))
    etcd.put("v1/mdc/dynamo/backend/generate/2b", record("m", 43, tool_call_parser="hermes"))
    etcd.put("v1/instances/dynamo/backend/generate/2a", b"{}")
    etcd.put("v1/mdc0", b"outside the prefix")
    got = dict(EtcdGateway([etcd.url]).range_prefix("v1/mdc/"))
    assert set(got) == {"v1/mdc/dynamo/backend/generate/2a", "v1/mdc/dynamo/backend/generate/2b"}
    result = read_source(DiscoverySource("etcd", (etcd.url,)), "m", environ={})
    assert result.error is None and result.configured("tool_call_parser") == (True, "hermes")
    assert [i.instance_id for i in result.instances] == ["2a", "2b"]


def test_many_keys_are_read_in_pages(etcd, monkeypatch):
    for i in range(7):
        etcd.put(f"v1/paged/{i}", b"x")
    monkeypatch.setattr(etcd_module, "PAGE", 3)
    keys = [k for k, _ in EtcdGateway([etcd.url]).range_prefix("v1/paged/")]
    assert keys == [f"v1/paged/{i}" for i in range(7)]


def test_a_dead_endpoint_is_skipped_and_all_dead_is_one_line(etcd):
    from dynamo_toolcall_probe.replay.supervisor import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    assert EtcdGateway([dead, etcd.url]).range_prefix("v1/mdc/")
    with pytest.raises(EnvironmentProblem, match="cannot reach etcd"):
        EtcdGateway([dead], timeout=1.0).range_prefix("v1/mdc/")
    result = read_source(DiscoverySource("etcd", (dead,)), "m", environ={})
    assert "cannot reach etcd" in result.error and not result.instances


def test_etcd_with_authentication_uses_dynamos_credentials():
    """Its own server: enabling auth must not touch the module's shared one."""
    server = EtcdServer().start()
    try:
        server.put("v1/mdc/ns/c/e/1", record("m", 1, tool_call_parser="mistral"))
        server.call("/v3/auth/role/add", {"name": "root"})
        server.call("/v3/auth/user/add", {"name": "root", "password": "pw-root"})
        server.call("/v3/auth/user/grant", {"user": "root", "role": "root"})
        server.call("/v3/auth/enable", {})
        source = DiscoverySource("etcd", (server.url,))
        refused = read_source(source, "m", environ={})
        assert refused.error and "ETCD_AUTH_USERNAME" in refused.error
        wrong = read_source(source, "m", environ={"ETCD_AUTH_USERNAME": "root",
                                                  "ETCD_AUTH_PASSWORD": "nope"})
        assert wrong.error and "authenticate failed" in wrong.error
        creds = {"ETCD_AUTH_USERNAME": "root", "ETCD_AUTH_PASSWORD": "pw-root"}
        result = read_source(source, "m", environ=creds)
        assert result.error is None and result.instances[0].tool_call_parser == "mistral"
        assert "pw-root" not in str(result.to_dict())
    finally:
        pids = server.pids()
        server.stop()
        assert_gone(pids, [server.port])


@pytest.fixture
def certificate(tmp_path):
    """A self-signed certificate for 127.0.0.1 that is its own CA, server and client cert."""
    import shutil
    import subprocess

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed: no certificate for the TLS test")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1",
                    "-addext", "basicConstraints=critical,CA:TRUE",
                    "-addext", "extendedKeyUsage=serverAuth,clientAuth"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.mark.parametrize("as_text", [True, False], ids=["pem-text", "file-paths"])
def test_etcd_with_mutual_tls_uses_dynamos_certificates(certificate, as_text):
    """ETCD_AUTH_CA/_CLIENT_CERT/_CLIENT_KEY: Dynamo's client passes them to from_pem as they
    are (PEM text); the documented form is file paths. Both work."""
    cert, key = certificate
    server = EtcdServer(tls=certificate).start()
    try:
        server.put("v1/mdc/ns/c/e/1", record("m", 1, tool_call_parser="jamba"))
        source = DiscoverySource("etcd", (server.url,))
        refused = read_source(source, "m", environ={})
        assert refused.error and "cannot reach etcd" in refused.error
        value = (lambda p: p.read_text()) if as_text else str
        creds = {"ETCD_AUTH_CA": value(cert), "ETCD_AUTH_CLIENT_CERT": value(cert),
                 "ETCD_AUTH_CLIENT_KEY": value(key)}
        result = read_source(source, "m", environ=creds)
        assert result.error is None and result.instances[0].tool_call_parser == "jamba"
    finally:
        pids = server.pids()
        server.stop()
        assert_gone(pids, [server.port])


def test_unreadable_tls_settings_are_one_line(tmp_path):
    result = read_source(DiscoverySource("etcd", ("https://127.0.0.1:1",)), "m",
                         environ={"ETCD_AUTH_CA": str(tmp_path / "missing.pem")})
    assert "cannot load the etcd TLS settings" in result.error
