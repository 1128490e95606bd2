"""What the deployment says about itself: every instance's parser settings, read from Dynamo's
discovery (file store, etcd or Kubernetes) the way the frontend reads them.

    result = discover("etcd:http://127.0.0.1:2379", "Qwen/Qwen3-8B")   # or None: the environment
    result.instances, result.disagreements, result.configured("tool_call_parser")

Nothing here imports Dynamo; etcd is read over HTTP, Kubernetes with the official client (the
`k8s` extra), imported only when that backend is used.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from ..errors import ProbeError
from .cards import PARSER_SETTINGS, DiscoveryResult, InstanceCard, collect
from .source import SA_DIR, DiscoverySource, from_environment, parse_spec

__all__ = ["PARSER_SETTINGS", "DiscoveryResult", "DiscoverySource", "InstanceCard", "discover",
           "read_source", "resolve_source"]

MDC_PREFIX = "v1/mdc/"


def resolve_source(spec: str | None, environ: Mapping[str, str] = os.environ,
                   sa_dir: str = SA_DIR) -> tuple[DiscoverySource | None, str]:
    """(source, why): from `--discovery` when given, else from the environment."""
    if spec is not None:
        source = parse_spec(spec)
        return source, "--discovery " + spec if source else "--discovery none"
    return from_environment(environ, sa_dir)


def read_source(source: DiscoverySource, model: str, environ: Mapping[str, str] = os.environ,
                kube_client=None, sa_dir: str = SA_DIR) -> DiscoveryResult:
    """The model's cards from one source; a failure is kept in `result.error`, never raised."""
    label = source.describe()
    stale: list[str] = []
    try:
        if source.kind == "file":
            from .file_kv import read_file_kv

            records, stale = read_file_kv(source.location[0])
        elif source.kind == "etcd":
            from .etcd import EtcdGateway

            records = EtcdGateway(source.location, environ).range_prefix(MDC_PREFIX)
        else:
            from .kube import default_namespace, read_worker_metadata

            namespace = source.location[0] if source.location else default_namespace(environ, sa_dir)
            label = f"kubernetes:{namespace}"
            records = read_worker_metadata(namespace, kube_client)
    except ProbeError as exc:
        return DiscoveryResult(label, model, error=str(exc))
    result = collect(label, model, records)
    result.stale = stale
    return result


def discover(spec: str | None, model: str,
             environ: Mapping[str, str] = os.environ) -> tuple[DiscoveryResult | None, str]:
    """(result or None when there is nothing to read, why this source)."""
    source, why = resolve_source(spec, environ)
    if source is None:
        return None, why
    return read_source(source, model, environ), why
