"""The release as one value: parsing, where it comes from, what an installed release has (read
from a capability answer), and the commands and environment that follow from it."""

import pytest

from dynamo_toolcall_probe.errors import BadInput, EnvironmentProblem
from dynamo_toolcall_probe.release import (Release, from_metadata, from_option, resolve,
                                           version_key)
from dynamo_toolcall_probe.release.capabilities import from_answer
from dynamo_toolcall_probe.release.commands import INTERFACE, stack_settings


def test_versions_sort_as_releases():
    versions = ["1.10.0", "1.2.0.post1", "1.2.1", "1.2.0", "0.9.1", "1.6.1"]
    assert sorted(versions, key=version_key) == ["0.9.1", "1.2.0", "1.2.0.post1", "1.2.1",
                                                  "1.6.1", "1.10.0"]
    with pytest.raises(BadInput, match="not an ai-dynamo version"):
        version_key("latest")


def test_the_option_beats_the_metadata_and_the_parser_version_overrides():
    meta = {"release": {"version": "1.6.1", "parser_version": "2"}}
    assert from_metadata(meta) == Release("1.6.1", "metadata", None, "2")
    assert resolve("1.5.1", None, meta) == Release("1.5.1", "option")
    assert resolve(None, "auto", meta).parser_version == "auto"
    assert resolve(None, None, {"packages": {"ai-dynamo": "1.4.2"}}).version == "1.4.2"
    assert resolve(None, None, None).known is False
    assert from_option("1.3.1").label == "Dynamo 1.3.1"


def answer(**over):
    base = {"ai_dynamo": "1.5.1", "ai_dynamo_runtime": "1.5.1",
            "parsers": {"tool": ["hermes", "qwen3_coder"], "reasoning": ["qwen3"]},
            "frontend": {"options": ["--discovery-backend", "--request-plane", "--http-host",
                                     "--event-plane", "--dump-config-to"],
                         "defaults": {"event_plane": None}, "choices": {}},
            "worker_api": {"register": "register_model", "runtime_config": True},
            "runtime_env": ["DYN_TCP_RPC_HOST", "DYN_TCP_RESPONSE_STREAM_HOST", "DYN_SYSTEM_",
                            "DYN_ENABLE_EXPERIMENTAL_PARSERS_V2"]}
    base.update(over)
    return base


def test_the_parser_generation_follows_the_variable_the_runtime_reads():
    legacy = from_answer(answer())
    assert legacy.parser_version_choices == ("1", "2")
    assert legacy.parser_version_env_change("2") == ("DYN_ENABLE_EXPERIMENTAL_PARSERS_V2", "1")
    with pytest.raises(EnvironmentProblem, match="no parser generation 'auto'"):
        legacy.parser_version_env_change("auto")
    new = from_answer(answer(runtime_env=["DYN_PARSER_VERSION"]))
    assert new.parser_version_env_change("auto") == ("DYN_PARSER_VERSION", "auto")
    none = from_answer(answer(runtime_env=[]))
    assert none.parser_version_choices == () and none.parser_version_env_change(None) is None
    with pytest.raises(EnvironmentProblem, match="choices: none"):
        none.parser_version_env_change("2")
    # A prefix the runtime reads a group by counts for every member of the group.
    assert legacy.reads("DYN_SYSTEM_HOST") and not legacy.reads("DYN_EVENT_PLANE_HOST")


def test_a_release_without_file_discovery_or_a_worker_api_is_refused_with_the_reason():
    caps = from_answer(answer(ai_dynamo="0.3.0", frontend={
        "options": ["--discovery-backend", "--http-host"], "defaults": {},
        "choices": {"discovery_backend": ["etcd", "mem"]}},
        worker_api={"register": None, "runtime_config": False}))
    problems = caps.problems()
    assert any("no file discovery" in p for p in problems)
    assert any("no --request-plane" in p for p in problems)
    assert any("register_model" in p for p in problems)
    with pytest.raises(EnvironmentProblem, match=r"cannot drive ai-dynamo 0\.3\.0: "):
        caps.require_drivable()
    broken = from_answer(answer(frontend={"error": "ImportError: no frontend_args"}))
    assert broken.problems() == ["frontend: ImportError: no frontend_args"]
    assert from_answer(answer()).problems() == []


def test_stack_settings_follow_what_the_release_reads_and_means():
    nats = from_answer(answer(frontend={"options": ["--discovery-backend", "--request-plane",
                                                    "--event-plane"],
                                        "defaults": {"event_plane": "nats"},
                                        "choices": {"event_plane": ["nats", "zmq"]}},
                              runtime_env=["DYN_TCP_RPC_HOST"]))
    s = stack_settings(nats, "127.0.0.1", {}, dump_config_to="/r/f.json")
    assert s.frontend_flags == ["--event-plane", "zmq"]  # and no --dump-config-to: not an option
    assert [e.name for e in s.env] == ["DYN_TCP_RPC_HOST"]
    assert any("reads no DYN_TCP_RESPONSE_STREAM_HOST" in w for w in s.warnings)
    iface = stack_settings(from_answer(answer()), "127.0.0.1",
                           {"DYN_TCP_RESPONSE_STREAM_HOST": INTERFACE}, dump_config_to="/r/f.json")
    env = {e.name: e.value for e in iface.env}
    assert env["DYN_TCP_RESPONSE_STREAM_HOST"] == "lo" and env["DYN_TCP_RPC_HOST"] == "127.0.0.1"
    assert iface.frontend_flags == ["--dump-config-to", "/r/f.json"] and not iface.warnings
