"""deploy/ validates against Dynamo's DynamoGraphDeployment CRD, and uses only real CLI flags."""

from __future__ import annotations

import importlib
import re
import shlex
from pathlib import Path

import click
import jsonschema
import pytest
import yaml

from dynamo_toolcall_probe.cli.main import SUBCOMMANDS

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
CRD = ROOT.parent / "shared" / "deploy" / "nvidia.com_dynamographdeployments.yaml"
# The CRD's openAPIV3Schema, kept in the tests' data so CI validates without ../shared
# (see data/README.md for its source).
SCHEMA_COPY = Path(__file__).parent / "data" / "dgd-v1alpha1-schema.json.gz"


def strict(schema):
    """The schema with unknown fields rejected wherever it lists properties."""
    if isinstance(schema, dict):
        out = {k: strict(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out and \
                not out.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


def _crd_schema() -> dict:
    crd = yaml.safe_load(CRD.read_text())
    return crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]


def _copied_schema() -> dict:
    import gzip
    import json

    return json.loads(gzip.decompress(SCHEMA_COPY.read_bytes()))["openAPIV3Schema"]


@pytest.fixture(scope="module")
def dgd_schema():
    return _crd_schema() if CRD.exists() else _copied_schema()


@pytest.mark.skipif(not CRD.exists(), reason="the CRD is not beside the repo: nothing to compare")
def test_the_schema_copy_is_the_crds():
    assert _copied_schema() == _crd_schema()


def test_dgd_validates_against_the_crd_also_strictly(dgd_schema):
    doc = yaml.safe_load((DEPLOY / "dgd-vllm-hook.yaml").read_text())
    assert doc["kind"] == "DynamoGraphDeployment"
    jsonschema.validate(doc, dgd_schema)
    jsonschema.validate(doc, strict(dgd_schema))


def test_a_broken_dgd_is_rejected(dgd_schema):
    doc = yaml.safe_load((DEPLOY / "dgd-vllm-hook.yaml").read_text())
    doc["spec"]["services"]["worker"]["replicass"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, strict(dgd_schema))


def test_dgd_worker_runs_through_the_hook_with_the_backend_unchanged():
    doc = yaml.safe_load((DEPLOY / "dgd-vllm-hook.yaml").read_text())
    main = doc["spec"]["services"]["worker"]["extraPodSpec"]["mainContainer"]
    assert main["command"][:4] == ["python3", "-m", "dynamo_toolcall_probe.hook", "dynamo.vllm"]
    assert importlib.util.find_spec("dynamo_toolcall_probe.hook") is not None
    assert "--dyn-tool-call-parser" in main["args"]


def attach_manifests() -> dict[str, dict]:
    """kind -> document of deploy/probe-attach-job.yaml (ServiceAccount, Role, RoleBinding, Job)."""
    docs = [d for d in yaml.safe_load_all((DEPLOY / "probe-attach-job.yaml").read_text()) if d]
    kinds = [d["kind"] for d in docs]
    assert len(kinds) == len(set(kinds)), kinds
    return {d["kind"]: d for d in docs}


def test_job_basics():
    job = attach_manifests()["Job"]
    assert job["apiVersion"] == "batch/v1" and job["kind"] == "Job"
    spec = job["spec"]["template"]["spec"]
    assert spec["restartPolicy"] in ("Never", "OnFailure")
    mounts = {m["name"] for c in spec["containers"] for m in c.get("volumeMounts", [])}
    assert mounts <= {v["name"] for v in spec["volumes"]}


def probe_commands() -> list[list[str]]:
    """Every dynamo-probe invocation written in deploy/ files."""
    found = []
    for path in DEPLOY.iterdir():
        text = path.read_text()
        for match in re.finditer(r"dynamo-probe\s+([^;\n]*(?:\n\s+--[^;\n]*)*)", text):
            words = shlex.split(match.group(1).replace("\n", " "))
            if words and not words[0].startswith("-"):
                found.append(words)
    return found


def test_every_command_and_flag_in_deploy_exists():
    commands = probe_commands()
    assert commands, "deploy/ should run dynamo-probe somewhere"
    for words in commands:
        name = words[0]
        assert name in SUBCOMMANDS, f"no subcommand {name!r}"
        module, attr = SUBCOMMANDS[name].split(":")
        command: click.Command = getattr(importlib.import_module(module), attr)
        flags = {opt for p in command.params for opt in p.opts + p.secondary_opts}
        for word in words[1:]:
            if word.startswith("--"):
                assert word.split("=")[0] in flags, f"{name} has no {word}"


def test_dockerfile_never_reinstalls_dynamo_or_an_engine():
    text = (DEPLOY / "Dockerfile").read_text()
    installs = " ".join(line for line in text.splitlines() if "pip install" in line)
    for pkg in ("ai-dynamo", "vllm", "sglang", "tensorrt", "torch"):
        assert pkg not in installs
    assert "--no-deps" in text
