"""The SGLang top-logprobs gate is read from code: the installed 1.6.1, fake layouts, real wheels."""

import pytest
from launch_layouts import (HANDLER_LAYOUT, MENTION_ONLY_LAYOUT, NO_LOGPROBS_LAYOUT, SHARED_HELPER_LAYOUT,
                      UNUSED_HELPER_LAYOUT, write_tree)

from dynamo_toolcall_probe.launch import gate


def test_installed_dynamo_is_not_gated(dynamo_installed):
    d = gate.installed_sglang_gate()
    assert d.dynamo_version, d
    if d.dynamo_version.startswith("1.6"):
        assert d.status == gate.NOT_GATED, d.reason
        assert d.table_agrees is True
    assert d.status == gate.expected_from_version(d.dynamo_version) or d.table_agrees is None


@pytest.mark.parametrize("layout,status", [
    (SHARED_HELPER_LAYOUT, gate.GATED),
    (HANDLER_LAYOUT, gate.GATED),
    (MENTION_ONLY_LAYOUT, gate.NOT_GATED),
    (UNUSED_HELPER_LAYOUT, gate.NOT_GATED),
    (NO_LOGPROBS_LAYOUT, gate.NO_LOGPROBS),
])
def test_fake_layouts(tmp_path, layout, status):
    root = write_tree(tmp_path, layout, "1.4.0")
    d = gate.detect_sglang_gate(root)
    assert d.status == status, d.reason
    assert d.dynamo_version == "1.4.0" and d.sources_root == str(tmp_path)
    if status == gate.GATED:
        assert d.evidence and d.evidence[0].file.startswith("dynamo/")
        assert "DYN_SGL_ALLOW_TOP_LOGPROBS" in d.reason
    else:
        assert not d.evidence


def test_shared_helper_evidence_names_the_caller(gated_tree):
    d = gate.detect_sglang_gate(gated_tree / "dynamo")  # the package dir itself is accepted too
    files = [e.file for e in d.evidence]
    assert files[0] == "dynamo/common/backend/logprobs.py"
    assert "dynamo/sglang/request_handlers/llm/decode_handler.py" in files
    assert d.table_agrees is True


def test_code_wins_over_the_measured_knowledge(tmp_path):
    d = gate.detect_sglang_gate(write_tree(tmp_path, HANDLER_LAYOUT, "1.6.1"))
    assert d.status == gate.GATED and d.table_expectation == gate.NOT_GATED
    assert d.table_agrees is False and any("installed code wins" in n for n in d.notes)


def test_no_sglang_and_no_dynamo(tmp_path):
    (tmp_path / "dynamo" / "common").mkdir(parents=True)
    assert gate.detect_sglang_gate(tmp_path).status == gate.NO_SGLANG
    assert gate.detect_sglang_gate(tmp_path / "nothing").status == gate.UNKNOWN


def test_measured_knowledge_of_each_release():
    # Measured from each release's own sources by scripts/release_knowledge.py; 1.2.0 is not a
    # release on the index (1.2.0.post1 is), so there is nothing to expect of it.
    t = gate.expected_from_version
    assert t("1.0.2") == gate.NO_LOGPROBS and t("1.1.1") == gate.NOT_GATED
    assert t("1.2.0") is None and t("1.2.0.post1") == gate.GATED and t("1.5.1") == gate.GATED
    assert t("1.6.0") == gate.NOT_GATED and t("garbage") is None


def test_env_only_for_gated_sglang(gated_tree):
    from dynamo_toolcall_probe.launch.backends import RECIPES

    d = gate.detect_sglang_gate(gated_tree)
    (change,) = gate.gate_env(RECIPES["sglang"].logprobs_gate, d, allow=True)
    assert change.name == "DYN_SGL_ALLOW_TOP_LOGPROBS" and change.value == "1" and change.repro_only
    assert "1.5.1" in change.reason and "logprobs.py" in change.reason
    assert gate.gate_env(RECIPES["vllm"].logprobs_gate, d, allow=True) == ()
    assert gate.gate_env(RECIPES["trtllm"].logprobs_gate, d, allow=True) == ()
    assert gate.gate_env(RECIPES["sglang"].logprobs_gate, d, allow=False) == ()


@pytest.mark.parametrize("version,where", [
    ("1.5.1", "dynamo/common/backend/logprobs.py"),
    ("1.2.1", "dynamo/sglang/request_handlers/llm/decode_handler.py"),
])
def test_real_gated_wheels(wheel_sources, version, where):
    d = gate.detect_sglang_gate(wheel_sources(version))
    assert d.status == gate.GATED and d.dynamo_version == version
    assert d.evidence[0].file == where and d.table_agrees is True
