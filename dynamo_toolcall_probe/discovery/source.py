"""Where to read the model cards: `--discovery` or, by default, what Dynamo itself reads.

    file:DIR                      a DYN_FILE_KV directory
    etcd:URL[,URL]                etcd endpoints (ETCD_AUTH_* from the environment)
    kubernetes[:NAMESPACE]        DynamoWorkerMetadata resources (in-cluster or kubeconfig)
    none                          no discovery

Without `--discovery`: DYN_DISCOVERY_BACKEND picks the backend as it does for Dynamo's own
processes (file: DYN_FILE_KV or $TMPDIR/dynamo_store_kv; etcd: ETCD_ENDPOINTS or
http://localhost:2379; kubernetes: the pod's service account). When it is unset, a set
DYN_FILE_KV or ETCD_ENDPOINTS, or a service account inside a pod, says which deployment this
environment belongs to; with none of them there is nothing to read (Dynamo's own default, an
etcd on localhost, is not guessed at).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import BadInput

KINDS = ("file", "etcd", "kubernetes")
DEFAULT_ETCD = "http://localhost:2379"  # Dynamo's default when ETCD_ENDPOINTS is unset
SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"


@dataclass
class DiscoverySource:
    kind: str  # file | etcd | kubernetes
    location: tuple[str, ...] = ()  # file: (dir,); etcd: endpoints; kubernetes: (namespace,) or ()
    origin: str = "option"  # "option" (--discovery) or "environment"
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        where = ",".join(self.location)
        return f"{self.kind}:{where}" if where else self.kind


def parse_spec(spec: str) -> DiscoverySource | None:
    """`--discovery VALUE` -> a source; None for `none`. BadInput for anything else."""
    kind, _, rest = spec.strip().partition(":")
    kind = kind.lower()
    if kind == "none" and not rest:
        return None
    if kind == "file":
        if not rest:
            raise BadInput("--discovery file:DIR needs the directory (the workers' DYN_FILE_KV)")
        return DiscoverySource("file", (rest,))
    if kind == "etcd":
        urls = tuple(normalize_endpoint(u) for u in rest.split(",") if u.strip())
        if not urls:
            raise BadInput("--discovery etcd:URL[,URL] needs at least one endpoint")
        return DiscoverySource("etcd", urls)
    if kind in ("kubernetes", "k8s"):
        return DiscoverySource("kubernetes", (rest,) if rest else ())
    raise BadInput(f"--discovery must be file:DIR, etcd:URL[,URL], kubernetes[:NAMESPACE] or "
                   f"none, got {spec!r}")


def normalize_endpoint(url: str) -> str:
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = "http://" + url  # etcd endpoints are often written host:port
    if not url.startswith(("http://", "https://")):
        raise BadInput(f"an etcd endpoint must be http:// or https://, got {url!r}")
    return url


def in_cluster(environ: Mapping[str, str], sa_dir: str = SA_DIR) -> bool:
    return bool(environ.get("KUBERNETES_SERVICE_HOST")) and os.path.isfile(
        os.path.join(sa_dir, "token"))


def from_environment(environ: Mapping[str, str] = os.environ,
                     sa_dir: str = SA_DIR) -> tuple[DiscoverySource | None, str]:
    """(source, why) from the variables Dynamo's processes read."""
    backend = (environ.get("DYN_DISCOVERY_BACKEND") or "").strip().lower()
    if backend in ("kv_store",):  # an older spelling of the etcd backend
        backend = "etcd"
    if backend == "file" or (not backend and environ.get("DYN_FILE_KV")):
        path = environ.get("DYN_FILE_KV") or os.path.join(
            environ.get("TMPDIR") or tempfile.gettempdir(), "dynamo_store_kv")
        why = "DYN_DISCOVERY_BACKEND=file" if backend else "DYN_FILE_KV is set"
        return DiscoverySource("file", (path,), "environment"), why
    if backend == "etcd" or (not backend and environ.get("ETCD_ENDPOINTS")):
        raw = environ.get("ETCD_ENDPOINTS") or DEFAULT_ETCD
        urls = tuple(normalize_endpoint(u) for u in raw.split(",") if u.strip())
        why = "DYN_DISCOVERY_BACKEND=etcd" if backend else "ETCD_ENDPOINTS is set"
        return DiscoverySource("etcd", urls, "environment"), why
    if backend == "kubernetes" or (not backend and in_cluster(environ, sa_dir)):
        why = ("DYN_DISCOVERY_BACKEND=kubernetes" if backend
               else "running in a pod with a service account")
        return DiscoverySource("kubernetes", (), "environment"), why
    if backend == "mem":
        return None, "DYN_DISCOVERY_BACKEND=mem lives inside one process: nothing to read"
    if backend:
        return None, f"DYN_DISCOVERY_BACKEND={backend!r} is not a backend the probe can read"
    return None, ("no discovery settings in the environment (DYN_DISCOVERY_BACKEND, DYN_FILE_KV, "
                  "ETCD_ENDPOINTS, a pod's service account): pass --discovery")
