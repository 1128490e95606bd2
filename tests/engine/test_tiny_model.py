"""The tiny scripted model: its plan, and its weights run through Qwen2's equations in plain Python
(fast, no engine). That the real vLLM engine emits exactly the scripted tokens is proven by the
launch tests, from the tokens the hook records inside the worker."""

from __future__ import annotations

import json

import pytest
from tokenizers import Tokenizer

from engine.launching import SCRIPTS
from engine.qwen2_reference import generate
from engine.tiny_model import Script, best_theta, build, plan, rope_margin, script_ids

PROMPT = "<|im_start|>user\nWhat is the weather in Paris?<|im_end|>\n<|im_start|>assistant\n"


@pytest.fixture(scope="module")
def tokenizer():
    from dynamo_toolcall_probe.replay.modeldir import builtin_model_dir

    return Tokenizer.from_file(str(builtin_model_dir() / "tokenizer.json"))


def _prompt(tok) -> list[int]:
    return tok.encode(PROMPT, add_special_tokens=False).ids


def test_context_is_the_smallest_that_makes_every_step_unique(tokenizer):
    tail = _prompt(tokenizer)[-3:]
    # Two `\n` with different successors, and `" ` before each JSON value: a bigram cannot.
    layout, _ = plan(tokenizer, SCRIPTS["hermes"], tail)
    assert layout.context == 2
    assert plan(tokenizer, Script("sunny"), tail)[0].context == 0
    with pytest.raises(ValueError, match="no context up to"):
        plan(tokenizer, Script("a" + " a" * 9 + " b"), tail)


def test_rope_singles_out_the_distance_each_head_looks_back():
    theta, margin = best_theta(32, 2)
    assert margin > 0.5 and rope_margin(32, theta, 1) >= margin and rope_margin(32, theta, 2) >= margin


@pytest.mark.parametrize("name", ["hermes", "truncated"])
def test_reference_forward_pass_emits_the_script(tiny_models, tokenizer, name):
    """The weights, run through Qwen2's equations in plain Python: exactly the script, then EOS."""
    eos = tokenizer.token_to_id("<|im_end|>")
    ids = script_ids(tokenizer, SCRIPTS[name])
    assert generate(tiny_models[name], _prompt(tokenizer), len(ids) + 3, eos) == ids + [eos]


def test_a_cycle_repeats_without_end(tiny_models, tokenizer):
    ids = script_ids(tokenizer, SCRIPTS["cyclic"])
    eos = tokenizer.token_to_id("<|im_end|>")
    assert generate(tiny_models["cyclic"], _prompt(tokenizer), 2 * len(ids) + 2, eos) == \
        (ids * 3)[: 2 * len(ids) + 2]


def test_build_writes_a_servable_directory(tmp_path):
    model = build(SCRIPTS["hermes"], tmp_path / "m")
    config = json.loads((model / "config.json").read_text())
    assert config["architectures"] == ["Qwen2ForCausalLM"]
    assert config["head_dim"] in (32, 64, 128, 256)  # vLLM's CPU attention sizes
    assert config["hidden_size"] == config["num_attention_heads"] * config["head_dim"]
    assert {"tokenizer.json", "tokenizer_config.json", "model.safetensors",
            "generation_config.json"} <= {p.name for p in model.iterdir()}
