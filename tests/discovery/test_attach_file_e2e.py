"""`dynamo-probe attach` WITHOUT --parser against a stack started outside the tool (the real
Dynamo 1.6.1 frontend and our replay worker, file discovery): the parser settings come from the
deployment's model cards when its environment is there, are inferred from a replay when it is
not, and `--repeat` gives a verdict table."""

from __future__ import annotations

import json
import sys
import time

import pytest
from click.testing import CliRunner

from dynamo_toolcall_probe.capture.http import send_chat
from dynamo_toolcall_probe.cli.main import cli
from dynamo_toolcall_probe.launch.run import default_replay_script
from dynamo_toolcall_probe.replay.stack import ReplayStack, ServedModel, loopback_env
from dynamo_toolcall_probe.replay.supervisor import ProcessSpec
from tests.e2e.conftest import assert_gone, needs_dynamo

pytestmark = [pytest.mark.e2e, needs_dynamo]

NO_DISCOVERY_ENV = {"DYN_DISCOVERY_BACKEND": None, "DYN_FILE_KV": None, "ETCD_ENDPOINTS": None,
                    "KUBERNETES_SERVICE_HOST": None}
# `roll` first: the replay worker names components by index, so the second worker's only model
# registers on the same endpoint (replay/m0/generate) as a new instance of it.
SERVED = [ServedModel("roll", "hermes"), ServedModel("coder", "qwen3_coder"),
          ServedModel("hermes", "hermes"), ServedModel("noparser", None)]


@pytest.fixture(scope="module")
def deployment():
    """A deployment the probe did not start, plus a second worker that joins `roll` with another
    parser, as a rolling update does."""
    stack = ReplayStack(SERVED).start()
    try:
        stack.set_script(None, default_replay_script())  # a hermes call from a Qwen-style model
        config = json.loads((stack.run_dir / "worker.json").read_text())
        config["models"] = [dict(config["models"][0], tool_call_parser="qwen3_coder")]
        (stack.run_dir / "worker-new.json").write_text(json.dumps(config))
        stack.supervisor.start(ProcessSpec("worker-new", [
            sys.executable, "-m", "dynamo_toolcall_probe.replay.worker",
            "--config", str(stack.run_dir / "worker-new.json")],
            {**loopback_env(stack.run_dir)[0], "DYN_DISCOVERY_BACKEND": "file"}))
        deadline = time.monotonic() + 30
        while len(list((stack.run_dir / "kv" / "v1" / "mdc").glob("*"))) < len(SERVED) + 1:
            stack.supervisor.check_alive("the second worker's registration")
            assert time.monotonic() < deadline, "the second worker never registered"
            time.sleep(0.05)
        yield stack
    finally:
        pids, port = stack.supervisor.pids(), stack.port
        stack.stop()
        assert_gone(pids, [port])


def deployment_env(stack) -> dict:
    """What the deployment's own processes have (and a user copies into their shell)."""
    return {**NO_DISCOVERY_ENV, "DYN_DISCOVERY_BACKEND": "file",
            "DYN_FILE_KV": str(stack.run_dir / "kv")}


def attach(stack, model: str, env: dict, *extra: str):
    res = CliRunner().invoke(cli, ["attach", "--url", stack.base_url, "--model", model, "--json",
                                   *extra], env=env)
    return res, json.loads(res.stdout) if res.stdout.strip().startswith("{") else None


@pytest.mark.parametrize("model,parser,verdict,code", [
    ("coder", "qwen3_coder", "parser_config", 11),
    ("hermes", "hermes", "ok", 0),
    ("noparser", "none", "parser_config", 11),
])
def test_attach_reads_the_configured_parser_from_file_discovery(deployment, model, parser,
                                                                verdict, code):
    res, data = attach(deployment, model, deployment_env(deployment))
    assert res.exit_code == code, res.output
    assert data["verdict"] == verdict
    assert data["configured_parser"] == parser
    assert data["configured_parser_source"] == "discovery"
    disc = data["discovery"]
    assert disc["source"] == f"file:{deployment.run_dir / 'kv'}" and disc["agree"]
    assert [i["tool_call_parser"] for i in disc["instances"]] == [None if parser == "none" else parser]
    assert "coder" in disc["other_models"] + [disc["model"]]
    if verdict == "parser_config":
        assert "--dyn-tool-call-parser hermes" in data["fix"]


def test_the_bundle_records_where_the_parser_came_from(deployment, tmp_path):
    out = tmp_path / "bundle"
    res, _ = attach(deployment, "coder", deployment_env(deployment), "--out", str(out))
    assert res.exit_code == 11, res.output
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["configured_parser"] == "qwen3_coder"
    assert meta["configured_parser_source"] == "discovery"
    assert meta["discovery"]["instances"][0]["exclude_tools_when_tool_choice_none"] is True
    diagnosis = json.loads((out / "diagnosis.json").read_text())
    assert diagnosis["configured_parser_source"] == "discovery"
    assert (out / "replay.json").exists()  # the proof: what every installed parser returns


@pytest.mark.parametrize("model", ["coder", "noparser"])
def test_without_discovery_a_wrong_parser_is_inferred_not_inconclusive(deployment, model):
    res, data = attach(deployment, model, NO_DISCOVERY_ENV)
    assert res.exit_code == 11, res.output
    assert data["verdict"] == "parser_config"
    assert data["configured_parser"] is None
    assert data["configured_parser_source"] == "inferred"
    assert data["discovery"]["source"] is None and "pass --discovery" in data["discovery"]["why"]
    checks = {f["check"] for f in data["findings"]}
    assert {"inference", "would_be_parser_logic"} <= checks and "parser_unknown" not in checks
    logic = next(f["message"] for f in data["findings"] if f["check"] == "would_be_parser_logic")
    assert "parser_logic instead" in logic and "hermes" in logic
    assert "--dyn-tool-call-parser hermes" in data["fix"]


def test_without_discovery_a_right_response_stays_ok(deployment):
    res, data = attach(deployment, "hermes", NO_DISCOVERY_ENV)
    assert res.exit_code == 0 and data["verdict"] == "ok"
    assert data["configured_parser_source"] is None


def test_instances_that_disagree_are_flagged_and_the_replay_names_the_one_in_use(deployment):
    res, data = attach(deployment, "roll", deployment_env(deployment))
    disc = data["discovery"]
    assert not disc["agree"] and len(disc["instances"]) == 2
    assert sorted(disc["disagreements"]["tool_call_parser"]) == ["hermes", "qwen3_coder"]
    # The frontend parses every request for `roll` with ONE card's settings, whichever instance
    # serves it; ask it directly which (hermes returns the call, qwen3_coder does not).
    from dynamo_toolcall_probe.capture.attach import AttachSession

    replies = [send_chat(deployment.base_url, AttachSession(
        deployment.base_url, "roll", {}, discovery="none").body(None)) for _ in range(4)]
    parsed = {bool(r.body["choices"][0]["message"].get("tool_calls")) for r in replies}
    assert len(parsed) == 1, "the frontend parsed requests for one model differently"
    in_use = "hermes" if parsed == {True} else "qwen3_coder"
    assert data["configured_parser"] == in_use and data["configured_parser_source"] == "discovery"
    assert data["verdict"] == ("ok" if in_use == "hermes" else "parser_config")
    flagged = next(f for f in data["findings"] if f["check"] == "discovery_disagree")
    assert "rolling update" in flagged["message"] and f"parses with {in_use}" in flagged["message"]


def test_repeat_prints_the_verdict_table_and_keeps_one_bundle_per_verdict(deployment, tmp_path):
    out = tmp_path / "runs"
    res = CliRunner().invoke(cli, ["attach", "--url", deployment.base_url, "--model", "coder",
                                   "--repeat", "5", "--temperature", "0.8", "--out", str(out)],
                             env=deployment_env(deployment))
    assert res.exit_code == 11, res.output
    assert "5 runs at temperature 0.8" in res.stdout
    assert "parser_config" in res.stdout and "5/5" in res.stdout and "100%" in res.stdout
    assert sorted(p.name for p in out.iterdir()) == ["repeat.json", "run-1-parser_config"]
    summary = json.loads((out / "repeat.json").read_text())
    assert summary["table"] == [{"verdict": "parser_config", "count": 5, "rate": 1.0}]
    assert summary["worst"] == "parser_config" and summary["exit_code"] == 11
    sent = json.loads((out / "run-1-parser_config" / "request.json").read_text())
    assert sent["temperature"] == 0.8


def test_repeat_json_gives_the_table(deployment):
    res, data = attach(deployment, "hermes", deployment_env(deployment), "--repeat", "2",
                       "--no-stream-compare")
    assert res.exit_code == 0, res.output
    assert data["repeat"]["table"] == [{"verdict": "ok", "count": 2, "rate": 1.0}]
    assert [r["verdict"] for r in data["repeat"]["per_run"]] == ["ok", "ok"]
    assert data["discovery"]["instances"][0]["tool_call_parser"] == "hermes"


def test_the_human_output_shows_every_instance_and_the_disagreement(deployment):
    res = CliRunner().invoke(cli, ["attach", "--url", deployment.base_url, "--model", "roll",
                                   "--no-replay", "--no-stream-compare"],
                             env=deployment_env(deployment))
    assert "2 instance(s) of 'roll'" in res.stdout and "DISAGREE on tool_call_parser" in res.stdout
    table = res.stdout[res.stdout.index("instance"):]
    assert "hermes" in table and "qwen3_coder" in table
    assert "Traceback" not in res.output
