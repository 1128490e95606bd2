"""The prompt as a suspect (issue 11, verdict `template`): the recorded prompt, a saved one, or the
model's chat template rendered as Hugging Face does."""

import json
import shutil

import pytest
from click.testing import CliRunner
from helpers import WEATHER_TOOL, chunks, logprobs_for, request, response

from dynamo_toolcall_probe.cli.main import cli
from dynamo_toolcall_probe.diagnose import Prompt, diagnose
from dynamo_toolcall_probe.diagnose.chat_template import TemplateError, pick_template, render
from dynamo_toolcall_probe.diagnose.prompt import PROMPT_FILE, PROMPT_RENDERED
from dynamo_toolcall_probe.verdicts import Verdict

PROSE = "It is sunny."
HERMES = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "NYC"}}\n</tool_call>'
SEARCH = {"type": "function", "function": {"name": "search", "parameters": {
    "type": "object", "properties": {"query": {"type": "string"}}}}}
WITH_TOOLS = ('<|im_start|>system\n<tools>\n{"type": "function", "function": {"name": "get_weather", '
              '"parameters": {"properties": {"location": {}, "unit": {}}}}}\n</tools><|im_end|>\n'
              '<|im_start|>user\nWhat is the weather in NYC?<|im_end|>\n<|im_start|>assistant\n')
WITHOUT_TOOLS = "<|im_start|>user\nWhat is the weather in NYC?<|im_end|>\n<|im_start|>assistant\n"


def resp(raw, **kw):
    return response(kw.pop("content", raw), logprobs=logprobs_for(chunks(raw)), **kw)


def test_tools_that_never_reached_the_model_are_the_verdict_template():
    d = diagnose(resp(PROSE), request(), "hermes", prompt=Prompt(WITHOUT_TOOLS, PROMPT_FILE))
    assert d.verdict == Verdict.TEMPLATE and d.verdict.exit_code == 14
    assert d.findings[-1].check == "tools_missing_from_prompt" and not d.findings[-1].note
    assert "chat template" in d.fix and "--dyn-chat-processor" in d.fix
    assert d.to_dict()["prompt"]["tools"] == [
        {"name": "get_weather", "in_prompt": False, "missing_parameters": ["location", "unit"]}]


def test_tools_in_the_prompt_leave_the_model_as_the_suspect():
    d = diagnose(resp(PROSE), request(), "hermes", prompt=Prompt(WITH_TOOLS, PROMPT_FILE))
    assert d.verdict == "model" and any(f.check == "tools_in_prompt" and f.note for f in d.findings)


def test_a_tool_named_only_in_the_users_message_did_not_reach_the_model():
    req = request(tools=[SEARCH], messages=[{"role": "user", "content": "search the web for x"}])
    prompt = "<|im_start|>user\nsearch the web for x<|im_end|>\n<|im_start|>assistant\n"
    assert diagnose(resp(PROSE), req, "hermes", prompt=Prompt(prompt, PROMPT_FILE)).verdict == "template"


@pytest.mark.parametrize("raw,extra", [(HERMES, {}), (PROSE, {"tool_choice": "none"})],
                         ids=["model-called-anyway", "tool_choice-none"])
def test_missing_tools_are_a_note_when_they_cannot_explain_the_outcome(raw, extra):
    r = resp(raw, content=None if raw == HERMES else raw,
             tool_calls=[("get_weather", {"location": "NYC"})] if raw == HERMES else None,
             finish_reason="tool_calls" if raw == HERMES else "stop")
    d = diagnose(r, request(**extra), "hermes", prompt=Prompt(WITHOUT_TOOLS, PROMPT_FILE))
    assert d.verdict == "ok"
    assert all(f.note for f in d.findings if f.verdict == "template")


HISTORY = [{"role": "user", "content": "Weather in NYC?"},
           {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
            "function": {"name": "get_weather", "arguments": '{"location": "NYC"}'}}]},
           {"role": "tool", "tool_call_id": "c1", "content": "sunny, 22 C"},
           {"role": "user", "content": "And in Paris?"}]
#: ai-dynamo/dynamo#4161: the arguments string rendered with `tojson` a second time
DOUBLE = WITH_TOOLS + ('{"name": "get_weather", "parameters": "{\\"location\\": \\"NYC\\"}"}\n'
                       "sunny, 22 C\n")


def test_double_encoded_history_decides_when_the_model_then_errs():
    # ai-dynamo/dynamo PR #10577: the model imitates the mis-rendered history and wraps its
    # arguments once more, breaking the tool's schema
    wrapped = {"arguments": {"location": "Paris"}}
    bad = HERMES.replace('{"location": "NYC"}', json.dumps(wrapped))
    r = resp(bad, content=None, tool_calls=[("get_weather", wrapped)], finish_reason="tool_calls")
    d = diagnose(r, request(messages=HISTORY), "hermes", prompt=Prompt(DOUBLE, PROMPT_FILE))
    assert d.verdict == "template"
    decider = next(f for f in d.findings if not f.note and f.verdict == "template")
    assert decider.check == "history_rendering" and "#4161" in decider.message


def test_double_encoded_history_is_a_note_when_the_call_came_back_right():
    r = resp(HERMES, content=None, tool_calls=[("get_weather", {"location": "NYC"})],
             finish_reason="tool_calls")
    d = diagnose(r, request(messages=HISTORY), "hermes", prompt=Prompt(DOUBLE, PROMPT_FILE))
    assert d.verdict == "ok" and any(f.check == "history_rendering" and f.note for f in d.findings)


# --- rendering the model's own chat template ------------------------------------------------------

TOOL_TEMPLATE = ("{% if tools %}TOOLS:{% for t in tools %}{{ t.function.name }}({{ t.function.parameters"
                 ".properties | list | join(',') }}) {% endfor %}\n{% endif %}"
                 "{% for m in messages %}{{ m.role }}: {% if m.tool_calls %}{% for c in m.tool_calls %}"
                 "{{ c.function.arguments | tojson }}{% endfor %}{% else %}{{ m.content }}{% endif %}\n"
                 "{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}")


def test_render_is_hf_like_and_shapes_arguments_as_dynamo_does():
    text = render(TOOL_TEMPLATE, request(messages=HISTORY))
    assert "TOOLS:get_weather(location,unit)" in text and text.endswith("assistant:")
    assert '{"location": "NYC"}' in text  # an object, not a JSON string encoded twice
    verbatim = TOOL_TEMPLATE + "{% if 'x' is string %}{% endif %}{# arguments is string #}"
    assert '"{\\"location\\": \\"NYC\\"}"' in render(verbatim, request(messages=HISTORY))


def test_render_errors_are_template_errors():
    with pytest.raises(TemplateError, match="no tools here"):
        render("{{ raise_exception('no tools here') }}", request())
    with pytest.raises(TemplateError):
        render("{% for %}", request())


def test_named_templates_pick_tool_use_when_tools_are_sent():
    config = {"chat_template": [{"name": "default", "template": "A"},
                                {"name": "tool_use", "template": "B"}]}
    assert pick_template(config, tools=True) == "B" and pick_template(config, tools=False) == "A"


def _model_dir(tmp_path, template):
    from dynamo_toolcall_probe.replay.modeldir import builtin_model_dir

    target = tmp_path / "model"
    shutil.copytree(builtin_model_dir(), target)
    config = json.loads((target / "tokenizer_config.json").read_text())
    config["chat_template"] = template
    (target / "tokenizer_config.json").write_text(json.dumps(config))
    return target


def _files(tmp_path, raw=PROSE):
    (tmp_path / "request.json").write_text(json.dumps(request()))
    (tmp_path / "response.json").write_text(json.dumps(resp(raw)))
    return ["analyze", str(tmp_path / "response.json"), "--request", str(tmp_path / "request.json"),
            "--parser", "hermes", "--json"]


def test_analyze_with_a_tokenizer_renders_the_models_template(tmp_path):
    args = _files(tmp_path)
    dropping = _model_dir(tmp_path, "{% for m in messages %}{{ m.content }}{% endfor %}")
    res = CliRunner().invoke(cli, [*args, "--tokenizer", str(dropping)])
    out = json.loads(res.stdout)
    assert res.exit_code == 14 and out["verdict"] == "template"
    assert out["prompt"]["source"] == PROMPT_RENDERED
    shutil.rmtree(tmp_path / "model")
    keeping = _model_dir(tmp_path, TOOL_TEMPLATE)
    out = json.loads(CliRunner().invoke(cli, [*args, "--tokenizer", str(keeping)]).stdout)
    assert out["verdict"] == "model" and out["prompt"]["tools"][0]["in_prompt"]


def test_a_template_that_cannot_render_is_said_not_fatal(tmp_path):
    args = _files(tmp_path)
    broken = _model_dir(tmp_path, "{{ raise_exception('system message required') }}")
    res = CliRunner().invoke(cli, [*args, "--tokenizer", str(broken), "--out", str(tmp_path / "b")])
    assert json.loads(res.stdout)["verdict"] == "model"
    meta = json.loads((tmp_path / "b" / "metadata.json").read_text())
    assert any("system message required" in m for m in meta["missing"])


def test_analyze_prompt_file_as_text_or_token_ids(tmp_path):
    from dynamo_toolcall_probe.replay.modeldir import builtin_model_dir
    from tokenizers import Tokenizer

    args = _files(tmp_path)
    (tmp_path / "prompt.txt").write_text(WITHOUT_TOOLS)
    res = CliRunner().invoke(cli, [*args, "--prompt", str(tmp_path / "prompt.txt")])
    assert json.loads(res.stdout)["verdict"] == "template"
    tok = Tokenizer.from_file(str(builtin_model_dir() / "tokenizer.json"))
    (tmp_path / "prompt.json").write_text(json.dumps(tok.encode(WITH_TOOLS).ids))
    no_tok = CliRunner().invoke(cli, [*args, "--prompt", str(tmp_path / "prompt.json")])
    assert no_tok.exit_code == 2 and "--tokenizer" in no_tok.output
    res = CliRunner().invoke(cli, [*args, "--prompt", str(tmp_path / "prompt.json"),
                                   "--tokenizer", str(builtin_model_dir())])
    assert json.loads(res.stdout)["verdict"] == "model"
