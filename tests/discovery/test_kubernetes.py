"""Kubernetes discovery through the official client's real request and deserialization path:
in-cluster service-account credentials, the CustomObjectsApi call, and recorded
DynamoWorkerMetadata objects (data/README.md) served by a fake transport in place of the
network (no cluster can run here)."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("kubernetes")

from dynamo_toolcall_probe.discovery import read_source  # noqa: E402
from dynamo_toolcall_probe.discovery.kube import api_client  # noqa: E402
from dynamo_toolcall_probe.discovery.source import DiscoverySource  # noqa: E402

RECORDED = Path(__file__).parent / "data" / "dynamoworkermetadatas.json"
API_HOST, TOKEN = "10.96.0.1", "sa-token-of-the-probe"


class FakeTransport:
    """Stands where urllib3's PoolManager sits under the client: records what the client sent
    and answers like the API server would."""

    def __init__(self, status: int, body: bytes) -> None:
        self.status, self.body, self.calls = status, body, []

    def request(self, method, url, **kwargs):
        import urllib3

        self.calls.append({"method": method, "url": url, "headers": dict(kwargs.get("headers") or {})})
        return urllib3.HTTPResponse(body=io.BytesIO(self.body), status=self.status,
                                    reason="OK" if self.status == 200 else "Forbidden",
                                    headers={"Content-Type": "application/json"},
                                    preload_content=kwargs.get("preload_content", True))

    def clear(self) -> None:
        pass


@pytest.fixture
def pod(tmp_path):
    """A pod's service-account mount and environment."""
    sa = tmp_path / "serviceaccount"
    sa.mkdir()
    (sa / "token").write_text(TOKEN)
    (sa / "ca.crt").write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    (sa / "namespace").write_text("dynamo")
    return str(sa), {"KUBERNETES_SERVICE_HOST": API_HOST, "KUBERNETES_SERVICE_PORT": "443"}


def client_with(pod, status: int, body: bytes):
    sa_dir, environ = pod
    client = api_client(environ, sa_dir)
    transport = FakeTransport(status, body)
    client.rest_client.pool_manager = transport
    return client, transport


def test_recorded_worker_metadata_give_every_instances_settings(pod):
    sa_dir, environ = pod
    client, transport = client_with(pod, 200, RECORDED.read_bytes())
    result = read_source(DiscoverySource("kubernetes", ()), "Qwen/Qwen3-8B", environ,
                         kube_client=client, sa_dir=sa_dir)
    (call,) = transport.calls
    assert call["method"] == "GET"
    assert call["url"] == (f"https://{API_HOST}:443/apis/nvidia.com/v1alpha1/namespaces/dynamo/"
                           "dynamoworkermetadatas")
    headers = {k.lower(): v for k, v in call["headers"].items()}
    assert headers["authorization"].lower() == f"bearer {TOKEN}"  # the pod's service account
    assert result.error is None and result.source == "kubernetes:dynamo"
    assert [(i.instance_id, i.tool_call_parser) for i in result.instances] == [
        ("1f3c6db9be135768", "qwen3_coder"), ("6d7ca233642b8307", "hermes")]
    assert all(i.reasoning_parser == "qwen3" for i in result.instances)
    assert result.disagreements == {"tool_call_parser": ["qwen3_coder", "hermes"]}
    assert result.other_models == ["BAAI/bge-small"]
    assert result.instances[0].key.startswith("vllm-agg-worker-5b6d4-def34:dynamo/backend/generate/")


def test_an_explicit_namespace_is_the_one_asked(pod):
    sa_dir, environ = pod
    client, transport = client_with(pod, 200, json.dumps({"items": []}).encode())
    result = read_source(DiscoverySource("kubernetes", ("inference",)), "m", environ,
                         kube_client=client, sa_dir=sa_dir)
    assert "/namespaces/inference/dynamoworkermetadatas" in transport.calls[0]["url"]
    assert result.source == "kubernetes:inference" and not result.instances and not result.error


def test_forbidden_names_the_rbac_it_needs(pod):
    sa_dir, environ = pod
    status = {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Forbidden",
              "code": 403, "message": "dynamoworkermetadatas.nvidia.com is forbidden"}
    client, _ = client_with(pod, 403, json.dumps(status).encode())
    result = read_source(DiscoverySource("kubernetes", ()), "m", environ, kube_client=client,
                         sa_dir=sa_dir)
    assert "get/list on dynamoworkermetadatas.nvidia.com" in result.error


def test_without_credentials_it_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))
    result = read_source(DiscoverySource("kubernetes", ("dynamo",)), "m", environ={},
                         sa_dir=str(tmp_path))
    assert result.error and "no Kubernetes credentials" in result.error


def test_without_the_client_it_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "kubernetes", None)
    result = read_source(DiscoverySource("kubernetes", ("dynamo",)), "m", environ={})
    assert "dynamo-toolcall-probe[k8s]" in result.error
