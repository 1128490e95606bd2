"""Reading Dynamo's Kubernetes discovery with the official Python client (`kubernetes`, the
`k8s` extra, imported only here).

Each worker pod writes a `DynamoWorkerMetadata` (group nvidia.com, version v1alpha1, plural
dynamoworkermetadatas, namespaced; ai-dynamo/dynamo lib/runtime/src/discovery/kube/crd.rs) whose
`spec.data` is its `DiscoveryMetadata`: `model_cards` maps `ns/component/endpoint/<instance hex>`
to the same model-card record the file and etcd backends store.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ..errors import EnvironmentProblem
from .source import SA_DIR

GROUP, VERSION, PLURAL = "nvidia.com", "v1alpha1", "dynamoworkermetadatas"
NEEDS_RBAC = ("the probe's ServiceAccount needs get/list on dynamoworkermetadatas.nvidia.com in "
              "that namespace (deploy/probe-attach-job.yaml has the Role and RoleBinding)")


def _client_module():
    try:
        import kubernetes
    except ImportError:
        raise EnvironmentProblem("kubernetes discovery needs the official Kubernetes client: "
                                 "pip install 'dynamo-toolcall-probe[k8s]'") from None
    return kubernetes


def default_namespace(environ: Mapping[str, str] = os.environ, sa_dir: str = SA_DIR) -> str:
    """The pod's own namespace (service account, then POD_NAMESPACE), else kubeconfig's."""
    try:
        with open(os.path.join(sa_dir, "namespace")) as f:
            found = f.read().strip()
            if found:
                return found
    except OSError:
        pass
    if environ.get("POD_NAMESPACE"):
        return environ["POD_NAMESPACE"]
    try:
        kubernetes = _client_module()
        _, active = kubernetes.config.list_kube_config_contexts()
        return (active or {}).get("context", {}).get("namespace") or "default"
    except Exception:  # noqa: BLE001 - no kubeconfig at all: the API's default namespace
        return "default"


def api_client(environ: Mapping[str, str] = os.environ, sa_dir: str = SA_DIR):
    """An ApiClient from the pod's service account when in a pod, else from kubeconfig."""
    kubernetes = _client_module()
    configuration = kubernetes.client.Configuration()
    try:
        if environ.get("KUBERNETES_SERVICE_HOST"):
            from kubernetes.config.incluster_config import InClusterConfigLoader

            InClusterConfigLoader(os.path.join(sa_dir, "token"), os.path.join(sa_dir, "ca.crt"),
                                  environ=environ).load_and_set(configuration)
        else:
            kubernetes.config.load_kube_config(client_configuration=configuration)
    except kubernetes.config.ConfigException as exc:
        raise EnvironmentProblem(f"no Kubernetes credentials: {exc}") from None
    return kubernetes.client.ApiClient(configuration)


def read_worker_metadata(namespace: str, client=None) -> list[tuple[str, Any]]:
    """(key, model-card record) for every model card of every DynamoWorkerMetadata."""
    kubernetes = _client_module()
    client = client or api_client()
    api = kubernetes.client.CustomObjectsApi(client)
    try:
        listing = api.list_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL)
    except kubernetes.client.ApiException as exc:
        if exc.status == 403:
            raise EnvironmentProblem(f"Kubernetes refused to list {PLURAL} in {namespace!r}: "
                                     f"{NEEDS_RBAC}") from None
        if exc.status == 404:
            raise EnvironmentProblem(f"no {PLURAL}.{GROUP} in {namespace!r}: the "
                                     "DynamoWorkerMetadata CRD is not installed (is the "
                                     "deployment on Kubernetes discovery?)") from None
        raise EnvironmentProblem(f"Kubernetes API error listing {PLURAL}: HTTP {exc.status} "
                                 f"{exc.reason}") from None
    except Exception as exc:  # noqa: BLE001 - urllib3 and ssl raise many kinds
        raise EnvironmentProblem(f"cannot reach the Kubernetes API: {type(exc).__name__}: "
                                 f"{exc}") from None
    records = []
    for item in (listing or {}).get("items") or []:
        name = ((item.get("metadata") or {}).get("name")) or "?"
        data = ((item.get("spec") or {}).get("data")) or {}
        cards = data.get("model_cards") if isinstance(data, dict) else None
        for key, record in sorted((cards or {}).items()):
            records.append((f"{name}:{key}", record))
    return records
