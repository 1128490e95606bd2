"""Model-card records -> instance settings, and where discovery is read from (`--discovery` or
the environment Dynamo's own processes read)."""

from __future__ import annotations

import json

import pytest

from dynamo_toolcall_probe.discovery import resolve_source
from dynamo_toolcall_probe.discovery.cards import collect, parse_card
from dynamo_toolcall_probe.discovery.source import from_environment, parse_spec
from dynamo_toolcall_probe.errors import BadInput


def record(model: str, instance: int, **runtime) -> bytes:
    """The shape Dynamo 1.6.1 stores (seen in a real DYN_FILE_KV; see data/README.md)."""
    return json.dumps({"type": "Model", "namespace": "dynamo", "component": "backend",
                       "endpoint": "generate", "instance_id": instance,
                       "card_json": {"display_name": model, "slug": model.lower(),
                                     "runtime_config": {"context_length": 32768, **runtime}}}).encode()


def test_a_card_gives_the_instance_and_its_parser_settings():
    card = parse_card("v1/mdc/dynamo/backend/generate/2a", record(
        "Qwen/Qwen3-8B", 42, tool_call_parser="hermes", reasoning_parser="qwen3",
        exclude_tools_when_tool_choice_none=True, structural_tag_mode="off"))
    assert card.model == "Qwen/Qwen3-8B" and card.instance_id == "2a"
    assert card.endpoint == "dynamo/backend/generate"
    assert card.tool_call_parser == "hermes" and card.reasoning_parser == "qwen3"
    assert card.settings["exclude_tools_when_tool_choice_none"] is True
    assert "context_length" not in card.settings  # only what decides parsing


@pytest.mark.parametrize("value", [b"not json", b"[]", json.dumps({"type": "Endpoint"}).encode(),
                                   json.dumps({"card_json": "x"}).encode()])
def test_records_that_are_not_model_cards_are_skipped(value):
    assert parse_card("k", value) is None


def test_collect_keeps_the_models_cards_and_names_the_others():
    result = collect("file:/kv", "m", [
        ("a", record("m", 1, tool_call_parser="hermes")),
        ("b", record("m", 2, tool_call_parser="hermes")),
        ("c", record("other", 3, tool_call_parser="mistral")),
        ("d", b"garbage")])
    assert [i.instance_id for i in result.instances] == ["1", "2"]
    assert result.other_models == ["other"] and result.unreadable == ["d"]
    assert result.disagreements == {}
    assert result.configured("tool_call_parser") == (True, "hermes")
    assert "2 instance(s) of 'm', tool_call_parser hermes" in result.summary()


def test_instances_that_disagree_are_flagged_and_leave_the_parser_open():
    result = collect("etcd:x", "m", [
        ("a", record("m", 1, tool_call_parser="hermes", structural_tag_mode="off")),
        ("b", record("m", 2, tool_call_parser="qwen3_coder", structural_tag_mode="off")),
        ("c", record("m", 3))])  # a worker launched without a tool parser
    assert result.disagreements == {"tool_call_parser": ["hermes", "qwen3_coder", None],
                                    "structural_tag_mode": ["off", None]}
    assert result.configured("tool_call_parser") == (False, None)
    assert "DISAGREE" in result.summary()
    assert result.to_dict()["agree"] is False


def test_no_card_for_the_model_says_what_is_served():
    result = collect("file:/kv", "m", [("a", record("n", 1))])
    assert not result.instances and "no model card for 'm'; it lists n" in result.summary()


@pytest.mark.parametrize("spec,kind,location", [
    ("file:/var/kv", "file", ("/var/kv",)),
    ("etcd:http://a:2379,b:2379", "etcd", ("http://a:2379", "http://b:2379")),
    ("kubernetes", "kubernetes", ()),
    ("kubernetes:dynamo", "kubernetes", ("dynamo",)),
])
def test_discovery_specs(spec, kind, location):
    source = parse_spec(spec)
    assert (source.kind, source.location) == (kind, location)


@pytest.mark.parametrize("spec", ["file", "file:", "etcd:", "etcd:ftp://x", "consul:x", "none:x"])
def test_bad_discovery_specs_are_one_line_errors(spec):
    with pytest.raises(BadInput):
        parse_spec(spec)


def test_none_turns_discovery_off_even_with_an_environment():
    source, why = resolve_source("none", {"DYN_DISCOVERY_BACKEND": "file", "DYN_FILE_KV": "/kv"})
    assert source is None and why == "--discovery none"


@pytest.mark.parametrize("env,kind,location", [
    ({"DYN_DISCOVERY_BACKEND": "file", "DYN_FILE_KV": "/kv"}, "file", ("/kv",)),
    ({"DYN_DISCOVERY_BACKEND": "file", "TMPDIR": "/scratch"}, "file", ("/scratch/dynamo_store_kv",)),
    ({"DYN_FILE_KV": "/kv"}, "file", ("/kv",)),
    ({"DYN_DISCOVERY_BACKEND": "etcd"}, "etcd", ("http://localhost:2379",)),
    ({"DYN_DISCOVERY_BACKEND": "etcd", "ETCD_ENDPOINTS": "http://e1:2379,http://e2:2379"}, "etcd",
     ("http://e1:2379", "http://e2:2379")),
    ({"ETCD_ENDPOINTS": "e1:2379"}, "etcd", ("http://e1:2379",)),
    ({"DYN_DISCOVERY_BACKEND": "kubernetes"}, "kubernetes", ()),
])
def test_the_environment_dynamo_reads_picks_the_source(env, kind, location, tmp_path):
    source, why = from_environment(env, sa_dir=str(tmp_path / "no-sa"))
    assert (source.kind, source.location, source.origin) == (kind, location, "environment")
    assert why


def test_a_pod_with_a_service_account_reads_kubernetes(tmp_path):
    (tmp_path / "token").write_text("t")
    source, why = from_environment({"KUBERNETES_SERVICE_HOST": "10.0.0.1"}, sa_dir=str(tmp_path))
    assert source.kind == "kubernetes" and "service account" in why


@pytest.mark.parametrize("env,says", [({}, "pass --discovery"),
                                      ({"DYN_DISCOVERY_BACKEND": "mem"}, "one process"),
                                      ({"DYN_DISCOVERY_BACKEND": "zookeeper"}, "not a backend")])
def test_nothing_to_read_says_why(env, says, tmp_path):
    source, why = from_environment(env, sa_dir=str(tmp_path))
    assert source is None and says in why


def test_a_dead_workers_card_in_the_file_store_is_stale_not_an_instance(tmp_path):
    import os
    import time

    from dynamo_toolcall_probe.discovery import read_source
    from dynamo_toolcall_probe.discovery.source import DiscoverySource

    mdc = tmp_path / "v1" / "mdc"
    mdc.mkdir(parents=True)
    (mdc / "dynamo%2Fbackend%2Fgenerate%2F1").write_bytes(record("m", 1, tool_call_parser="hermes"))
    dead = mdc / "dynamo%2Fbackend%2Fgenerate%2F2"
    dead.write_bytes(record("m", 2, tool_call_parser="qwen3_coder"))
    old = time.time() - 60
    os.utime(dead, (old, old))  # its worker stopped touching it a minute ago
    result = read_source(DiscoverySource("file", (str(tmp_path),)), "m", environ={})
    assert [i.key for i in result.instances] == ["v1/mdc/dynamo/backend/generate/1"]
    assert result.stale == ["v1/mdc/dynamo/backend/generate/2"] and result.disagreements == {}


def test_a_missing_file_store_is_reported(tmp_path):
    from dynamo_toolcall_probe.discovery import read_source
    from dynamo_toolcall_probe.discovery.source import DiscoverySource

    result = read_source(DiscoverySource("file", (str(tmp_path / "nope"),)), "m", environ={})
    assert "does not exist" in result.error and not result.instances
