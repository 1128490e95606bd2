"""The prompt as a suspect (issue 11, `template`), end to end through the real `probe-launch` CLI:
the real 1.6.1 frontend renders the model directory's chat template, the worker hook records the
prompt token ids the engine received, and the diagnosis decodes them with the model's tokenizer.

A chat template that drops the tools and a model that answers in prose: the model could not have
called a tool it never saw, so the verdict is `template` (exit 14). The same run with the model's
normal template is the model's choice not to call (`model`, exit 10)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from test_launch_e2e import Launch, script_file

from dynamo_toolcall_probe.verdicts import Verdict

pytestmark = pytest.mark.skipif(
    __import__("importlib").util.find_spec("dynamo") is None,
    reason="ai-dynamo not installed (run scripts/install)")

PROSE = "It is sunny in Paris today."
#: the built-in model's template with its tools block cut out: messages only, as a template
#: written for a model without tool support renders them
NO_TOOLS_TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n"
                     "{% if m['content'] is string %}{{ m['content'] }}{% endif %}<|im_end|>\n"
                     "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def model_dir(tmp_path: Path, drop_tools: bool) -> Path:
    from dynamo_toolcall_probe.replay.modeldir import builtin_model_dir

    target = tmp_path / ("model-no-tools" if drop_tools else "model")
    shutil.copytree(builtin_model_dir(), target)
    if drop_tools:
        config = json.loads((target / "tokenizer_config.json").read_text())
        assert "tools" in config["chat_template"]  # the normal template renders them
        config["chat_template"] = NO_TOOLS_TEMPLATE
        (target / "tokenizer_config.json").write_text(json.dumps(config, indent=1))
    return target


def launch(tmp_path: Path, drop_tools: bool) -> tuple[int, dict, str]:
    run = Launch(tmp_path, "--backend", "replay", "--model", str(model_dir(tmp_path, drop_tools)),
                 "--parser", "hermes", "--no-replay", "--json",
                 "--replay-script", script_file(tmp_path, text=PROSE, chunk_size=2))
    code, out, err = run.finish()
    return code, json.loads(out), err


def test_a_template_that_drops_the_tools_is_the_verdict_template(tmp_path):
    code, result, err = launch(tmp_path, drop_tools=True)
    assert code == Verdict.TEMPLATE.exit_code == 14, err
    assert result["verdict"] == "template"
    decider = next(f for f in result["findings"] if not f["note"] and f["verdict"] == "template")
    assert decider["check"] == "tools_missing_from_prompt" and "get_weather" in decider["message"]
    assert "engine prompt tokens" in decider["message"]
    assert "chat template" in result["fix"] and "--dyn-chat-processor" in result["fix"]
    prompt = result["prompt"]
    assert prompt["tools"] and not any(t["in_prompt"] for t in prompt["tools"])
    assert "<|im_start|>user" in prompt["text"] and "<tools>" not in prompt["text"]


def test_the_normal_template_shows_the_tools_and_prose_is_the_model(tmp_path):
    code, result, err = launch(tmp_path, drop_tools=False)
    assert code == Verdict.MODEL.exit_code, err
    assert result["verdict"] == "model"
    assert {f["check"] for f in result["findings"]} >= {"no_call", "tools_in_prompt"}
    assert all(t["in_prompt"] and not t["missing_parameters"] for t in result["prompt"]["tools"])
    assert "<tools>" in result["prompt"]["text"]
