"""The attach Job's ServiceAccount, Role and RoleBinding: valid Kubernetes objects (checked
strictly against the official client's models, generated from Kubernetes' OpenAPI schema:
unknown fields rejected, required ones enforced), and exactly the read access that Kubernetes
discovery needs (dynamo_toolcall_probe.discovery.kube)."""

from __future__ import annotations

import json

import pytest

from dynamo_toolcall_probe.discovery import kube

from .test_manifests import attach_manifests

k8s = pytest.importorskip("kubernetes.client")

MODELS = {"ServiceAccount": "V1ServiceAccount", "Role": "V1Role", "RoleBinding": "V1RoleBinding",
          "Job": "V1Job"}
PRIMITIVES = {"str": str, "int": int, "bool": bool, "float": (int, float), "object": object,
              "datetime": str, "date": str}


def schema_errors(value, type_name: str, path: str = "") -> list[str]:
    """Every place `value` breaks the client's model `type_name`."""
    if type_name.startswith("list["):
        if not isinstance(value, list):
            return [f"{path}: expected a list"]
        return [e for i, v in enumerate(value) for e in schema_errors(v, type_name[5:-1], f"{path}[{i}]")]
    if type_name.startswith("dict("):
        if not isinstance(value, dict):
            return [f"{path}: expected a mapping"]
        inner = type_name[5:-1].split(", ", 1)[1]
        return [e for k, v in value.items() for e in schema_errors(v, inner, f"{path}.{k}")]
    if type_name in PRIMITIVES:
        ok = isinstance(value, PRIMITIVES[type_name]) and not (
            type_name == "int" and isinstance(value, bool))
        return [] if ok else [f"{path}: expected {type_name}, got {value!r}"]
    model = getattr(k8s, type_name)
    if not hasattr(model, "attribute_map"):
        pytest.skip("this kubernetes client's models have no attribute_map to check against")
    if not isinstance(value, dict):
        return [f"{path}: expected a {type_name} object"]
    by_json = {j: a for a, j in model.attribute_map.items()}
    errors = [f"{path}.{k}: not a field of {type_name}" for k in value if k not in by_json]
    for key, item in value.items():
        if key in by_json:
            errors += schema_errors(item, model.openapi_types[by_json[key]], f"{path}.{key}")
    return errors


def deserialize(doc: dict, type_name: str):
    """Through the client's own deserialization, which enforces required fields."""
    class Reply:
        data = json.dumps(doc)

    return k8s.ApiClient().deserialize(Reply(), type_name)


@pytest.mark.parametrize("kind", sorted(MODELS))
def test_each_object_is_a_valid_kubernetes_object(kind):
    doc = attach_manifests()[kind]
    assert schema_errors(doc, MODELS[kind], kind) == []
    assert deserialize(doc, MODELS[kind]).kind == kind


def test_a_broken_role_is_rejected():
    role = attach_manifests()["Role"]
    role["rules"][0]["verb"] = role["rules"][0].pop("verbs")
    assert any("verb: not a field" in e for e in schema_errors(role, "V1Role", "Role"))
    with pytest.raises(ValueError):
        deserialize(role, "V1Role")  # verbs is required


def test_the_role_grants_exactly_what_kubernetes_discovery_reads():
    docs = attach_manifests()
    (rule,) = docs["Role"]["rules"]
    assert rule["apiGroups"] == [kube.GROUP] and rule["resources"] == [kube.PLURAL]
    assert sorted(rule["verbs"]) == ["get", "list"]  # read only, nothing else
    assert "*" not in json.dumps(docs["Role"])


def test_the_job_runs_as_the_bound_service_account():
    docs = attach_manifests()
    account = docs["ServiceAccount"]["metadata"]["name"]
    binding = docs["RoleBinding"]
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                  "name": docs["Role"]["metadata"]["name"]}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account}]
    pod = docs["Job"]["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == account
    assert pod.get("automountServiceAccountToken", True)  # attach reads the token in the pod
    command = " ".join(pod["containers"][0]["args"])
    assert "--parser" not in command  # the parser settings come from discovery
