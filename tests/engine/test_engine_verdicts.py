"""Verdicts from the real vLLM engine's own tokens, with the grammar off
(`--dyn-structural-tag false`, tool_choice auto), so that the model's text reaches the parser as
it was emitted:
hermes text under a qwen3_coder worker is `parser_config` (fix: hermes, proven by replay through
Dynamo's parsers), and a call cut off inside its arguments is `model`."""

from __future__ import annotations

import json

import pytest
from tokenizers import Tokenizer

from dynamo_toolcall_probe.errors import VERDICT_EXIT_CODES
from dynamo_toolcall_probe.hook.records import load_worker_record
from engine.launching import SCRIPTS, WORKER_ARGS, EngineLaunch
from engine.tiny_model import script_ids

# A launch takes ~40-90 s here, minutes on a loaded shared machine: a wider per-test limit.
pytestmark = [pytest.mark.engine, pytest.mark.timeout(900)]
GRAMMAR_OFF = ("--dyn-structural-tag", "false")


def _launch(tmp_path, model, parser, request):
    launch = EngineLaunch(tmp_path / "bundle", "--backend", "vllm", "--model", str(model),
                          "--parser", parser, "--request", str(request), "--json",
                          "--", *GRAMMAR_OFF, *WORKER_ARGS)
    code, out, err = launch.finish(timeout=800)
    launch.assert_nothing_left()
    assert launch.vllm_seen(), launch.titles  # the engine's own processes were there, and are gone
    meta = json.loads((launch.out / "metadata.json").read_text())
    record = load_worker_record(launch.out / "worker_record", meta["request_id"])
    return code, json.loads(out), err, meta, record


def _from_the_engine(model, name, verdict, code, result, err, record) -> None:
    """The verdict, read from exactly the tokens the engine emitted for the script."""
    assert code == VERDICT_EXIT_CODES[verdict], err
    assert result["verdict"] == verdict and result["raw_source"] == "worker_token_ids"
    assert result["raw_output"] == SCRIPTS[name].text + "<|im_end|>"
    tok = Tokenizer.from_file(str(model / "tokenizer.json"))
    assert record.token_ids == script_ids(tok, SCRIPTS[name]) + [tok.token_to_id("<|im_end|>")]


def test_hermes_text_under_qwen3_coder_is_parser_config(engine_python, tiny_models,
                                                         auto_request, tmp_path):
    model = tiny_models["hermes"]
    code, result, err, meta, record = _launch(tmp_path, model, "qwen3_coder", auto_request)
    _from_the_engine(model, "hermes", "parser_config", code, result, err, record)
    assert "hermes" in result["suggested_parsers"] and "--dyn-tool-call-parser hermes" in result["fix"]
    assert "replay confirmed: hermes" in result["fix"]  # Dynamo's own hermes parser extracts it
    assert meta["structural_tag"]["enabled"] is False
    assert record.request["sampling_options"].get("guided_decoding") is None  # no grammar at all


def test_a_call_cut_off_in_its_arguments_is_the_model(engine_python, tiny_models,
                                                      auto_request, tmp_path):
    model = tiny_models["truncated"]
    code, result, err, meta, record = _launch(tmp_path, model, "hermes", auto_request)
    _from_the_engine(model, "truncated", "model", code, result, err, record)
