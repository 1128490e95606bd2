"""The same with etcd discovery: a REAL etcd server, the real Dynamo frontend and our replay
worker registering there (`--discovery-backend etcd`, ETCD_ENDPOINTS), and `attach` reading the
model cards over etcd's JSON gateway from the deployment's environment or `--discovery`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dynamo_toolcall_probe.cli.main import cli
from dynamo_toolcall_probe.launch.run import default_replay_script
from dynamo_toolcall_probe.replay.stack import ReplayStack, ServedModel
from tests.e2e.conftest import assert_gone, needs_dynamo

pytestmark = [pytest.mark.e2e, needs_dynamo]

NO_DISCOVERY_ENV = {"DYN_DISCOVERY_BACKEND": None, "DYN_FILE_KV": None, "ETCD_ENDPOINTS": None,
                    "KUBERNETES_SERVICE_HOST": None}


@pytest.fixture(scope="module")
def deployment(etcd):
    stack = ReplayStack([ServedModel("coder", "qwen3_coder"), ServedModel("hermes", "hermes",
                                                                          "qwen3")],
                        discovery_backend="etcd", env={"ETCD_ENDPOINTS": etcd.url}).start()
    try:
        stack.set_script(None, default_replay_script())
        yield stack
    finally:
        pids, port = stack.supervisor.pids(), stack.port
        stack.stop()
        assert_gone(pids, [port])


def test_the_stack_really_registered_in_etcd_and_not_in_a_file_store(deployment, etcd):
    from dynamo_toolcall_probe.discovery.etcd import EtcdGateway

    keys = [k for k, _ in EtcdGateway([etcd.url]).range_prefix("v1/")]
    assert sum(k.startswith("v1/mdc/replay/") for k in keys) == 2
    assert any(k.startswith("v1/instances/replay/") for k in keys)
    assert not (deployment.run_dir / "kv" / "v1").exists()


@pytest.mark.parametrize("model,parser,reasoning,verdict,code", [
    ("coder", "qwen3_coder", None, "parser_config", 11),
    ("hermes", "hermes", "qwen3", "ok", 0),
])
def test_attach_with_the_deployments_etcd_environment(deployment, etcd, model, parser, reasoning,
                                                      verdict, code):
    env = {**NO_DISCOVERY_ENV, "DYN_DISCOVERY_BACKEND": "etcd", "ETCD_ENDPOINTS": etcd.url}
    res = CliRunner().invoke(cli, ["attach", "--url", deployment.base_url, "--model", model,
                                   "--json", "--no-stream-compare"], env=env)
    assert res.exit_code == code, res.output
    data = json.loads(res.stdout)
    assert (data["verdict"], data["configured_parser"]) == (verdict, parser)
    assert data["reasoning_parser"] == reasoning
    assert data["configured_parser_source"] == "discovery"
    assert data["discovery"]["source"] == f"etcd:{etcd.url}"
    assert data["discovery"]["why"] == "DYN_DISCOVERY_BACKEND=etcd"


def test_attach_with_an_explicit_etcd_discovery_and_a_dead_endpoint_first(deployment, etcd):
    from dynamo_toolcall_probe.replay.supervisor import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    res = CliRunner().invoke(cli, [
        "attach", "--url", deployment.base_url, "--model", "coder", "--json",
        "--no-stream-compare", "--discovery", f"etcd:{dead},{etcd.url}"], env=NO_DISCOVERY_ENV)
    assert res.exit_code == 11, res.output
    data = json.loads(res.stdout)
    assert data["configured_parser"] == "qwen3_coder"
    assert data["configured_parser_source"] == "discovery"


def test_an_unreachable_etcd_is_reported_and_the_probe_goes_on(deployment):
    from dynamo_toolcall_probe.replay.supervisor import free_port

    res = CliRunner().invoke(cli, [
        "attach", "--url", deployment.base_url, "--model", "coder", "--json",
        "--no-stream-compare", "--discovery", f"etcd:127.0.0.1:{free_port()}"],
        env=NO_DISCOVERY_ENV)
    data = json.loads(res.stdout)
    assert "cannot reach etcd" in data["discovery"]["error"]
    assert res.exit_code == 11 and data["configured_parser_source"] == "inferred"
