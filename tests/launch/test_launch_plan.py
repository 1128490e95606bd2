"""Recipes checked against the installed Dynamo's own flag definitions; conflicts refused."""

import pytest

from dynamo_toolcall_probe.errors import BadInput, EnvironmentProblem
from dynamo_toolcall_probe.launch import LaunchRequest, plan_launch
from dynamo_toolcall_probe.launch.backends import RECIPES
from dynamo_toolcall_probe.launch.spec import HTTP_PORT, RUN_DIR, SYSTEM_PORT

MODEL = "Qwen/Qwen2.5-7B-Instruct"
GATE = "DYN_SGL_ALLOW_TOP_LOGPROBS"


def plan(base_env, backend="sglang", strict=False, **kw):
    kw.setdefault("model", MODEL)
    kw.setdefault("parser", "hermes")
    return plan_launch(LaunchRequest(backend, **kw), base_env=base_env, strict=strict)


@pytest.mark.parametrize("backend", ["vllm", "sglang", "trtllm"])
def test_real_backend_argv_passes_installed_flag_definitions(dynamo_installed, base_env, backend):
    p = plan(base_env, backend, reasoning_parser="qwen3",
             worker_args=("--tensor-parallel-size", "1"), frontend_args=("--migration-limit", "0"))
    recipe = RECIPES[backend]
    argv = list(p.worker.argv)
    assert argv[1:3] == ["-m", recipe.module]
    assert argv[argv.index(recipe.model_flag) + 1] == MODEL
    assert argv[argv.index("--dyn-tool-call-parser") + 1] == "hermes"
    assert argv[argv.index("--dyn-reasoning-parser") + 1] == "qwen3"
    assert argv[-2:] == ["--tensor-parallel-size", "1"]  # pass-through args come last
    assert p.flags is not None and p.flags.validated
    assert p.flags.worker_values["dyn_tool_call_parser"] == "hermes"
    assert p.flags.worker_values["discovery_backend"] == "file"
    assert p.flags.frontend_values["chat_processor"] == "dynamo"
    assert any(g.endswith("DynamoRuntimeArgGroup") for g in p.flags.groups)
    if backend == "trtllm":  # its group imports tensorrt_llm: names read from source, said so
        assert any("imports the engine" in n for n in p.flags.notes)
        assert "--tensor-parallel-size" not in p.flags.engine_args
    else:
        assert any(backend.replace("sglang", "SGLang").replace("vllm", "Vllm") in g
                   for g in p.flags.groups)
        assert "--tensor-parallel-size" in p.flags.engine_args


def test_commands_bind_loopback_and_use_file_tcp(dynamo_installed, base_env):
    p = plan(base_env, "vllm")
    fe, w = list(p.frontend.argv), list(p.worker.argv)
    assert fe[fe.index("--http-host") + 1] == "127.0.0.1" and HTTP_PORT in fe
    for argv in (fe, w):
        assert argv[argv.index("--discovery-backend") + 1] == "file"
        assert argv[argv.index("--request-plane") + 1] == "tcp"
    wenv, fenv = p.worker.env_changes(), p.frontend.env_changes()
    assert wenv["DYN_SYSTEM_PORT"] == SYSTEM_PORT and wenv["DYN_SYSTEM_HOST"] == "127.0.0.1"
    assert fenv["DYN_SYSTEM_PORT"] is None  # removed from the frontend, never set there
    assert wenv["DYN_FILE_KV"] == fenv["DYN_FILE_KV"] == f"{RUN_DIR}/kv"
    assert all(c.reason for c in (*p.worker.env, *p.frontend.env))


def test_resolve_fills_placeholders(dynamo_installed, base_env, tmp_path):
    p = plan(base_env, "vllm").resolve(http_port=18080, system_port=18081, run_dir=str(tmp_path))
    text = " ".join([*p.frontend.argv, *p.worker.argv, *p.frontend.ready_urls, *p.worker.ready_urls,
                     *(c.value or "" for c in (*p.worker.env, *p.frontend.env))])
    assert "<" not in text and "18080" in text and "18081" in text and str(tmp_path) in text
    env = p.worker.environment({"PATH": "/bin", "DYN_SYSTEM_PORT": "1"})
    assert env["DYN_SYSTEM_PORT"] == "18081" and env["PATH"] == "/bin"
    assert "DYN_SYSTEM_PORT" not in p.frontend.environment({"DYN_SYSTEM_PORT": "1"})


def test_bad_parser_name_lists_valid_names(dynamo_installed, base_env):
    with pytest.raises(BadInput) as err:
        plan(base_env, parser="hermess")
    msg = str(err.value)
    assert "unknown tool-call parser 'hermess'" in msg and "did you mean hermes" in msg
    assert "qwen3_coder" in msg and "\n" not in msg
    with pytest.raises(BadInput, match="did you mean qwen3_coder"):
        plan(base_env, parser="qwen3-coder")
    with pytest.raises(BadInput, match="unknown reasoning parser 'qwen'"):
        plan(base_env, reasoning_parser="qwen")


@pytest.mark.parametrize("backend,kw,match", [
    ("sglang", {"worker_args": ("--tool-call-parser", "qwen25")}, "both set"),
    ("vllm", {"worker_args": ("--tool-call-parser=hermes",)}, "both set"),
    ("sglang", {"parser": None, "worker_args": ("--tool-call-parser", "qwen25")}, "use --parser"),
    ("vllm", {"frontend_args": ("--dyn-chat-processor", "vllm")}, "bypassing --dyn-tool-call-parser"),
    ("sglang", {"frontend_args": ("--dyn-chat-processor=sglang",)}, "bypassing"),
    ("vllm", {"worker_args": ("--use-vllm-tokenizer",)}, "bypasses Dynamo's preprocessor"),
    ("sglang", {"worker_args": ("--use-sglang-tokenizer",)}, "bypasses Dynamo's preprocessor"),
    ("sglang", {"worker_args": ("--dyn-tool-call-parser", "mistral")}, "probe-launch sets it"),
    ("vllm", {"worker_args": ("--model", "other")}, "probe-launch sets it"),
    ("vllm", {"frontend_args": ("--http-host", "0.0.0.0")}, "probe-launch sets it"),
])
def test_conflicts_refused(base_env, backend, kw, match):
    with pytest.raises(BadInput, match=match):
        plan(base_env, backend, **kw)


def test_chat_processor_from_environment_refused(base_env):
    with pytest.raises(BadInput, match="DYN_CHAT_PROCESSOR"):
        plan({**base_env, "DYN_CHAT_PROCESSOR": "vllm"}, "vllm")
    with pytest.raises(BadInput, match="DYN_VLLM_USE_TOKENIZER"):
        plan({**base_env, "DYN_VLLM_USE_TOKENIZER": "true"}, "vllm")


def test_dynamo_flag_checks_use_the_installed_definitions(dynamo_installed, base_env):
    with pytest.raises(BadInput, match="did you mean --dyn-reasoning-parser"):
        plan(base_env, "vllm", worker_args=("--dyn-reasoning-parsr", "qwen3"))
    with pytest.raises(BadInput, match="invalid choice"):
        plan(base_env, "sglang", worker_args=("--dyn-default-thinking-mode", "sometimes"))
    with pytest.raises(BadInput, match="frontend flag --no-such-flag"):
        plan(base_env, "vllm", frontend_args=("--no-such-flag",))
    off = plan(base_env, "vllm", worker_args=("--dyn-structural-tag", "false"))
    assert off.structural_tag["enabled"] is False
    on = plan(base_env, "vllm")
    assert on.structural_tag["mode"] == "default_on" and on.structural_tag["enabled"] is True


def test_missing_engine_is_an_environment_problem(dynamo_installed, base_env):
    if RECIPES["vllm"].engine_module and __import__("importlib.util").util.find_spec("vllm"):
        pytest.skip("vllm is installed here")
    with pytest.raises(EnvironmentProblem, match=r"needs the vllm package.*ai-dynamo\[vllm\]"):
        plan(base_env, "vllm", strict=True)
    assert any("needs the vllm package" in w for w in plan(base_env, "vllm").warnings)


def test_gate_variable_only_on_the_sglang_worker(dynamo_installed, base_env, gated_tree):
    for backend in ("vllm", "trtllm"):
        p = plan(base_env, backend, dynamo_sources=str(gated_tree), keep_serving=True)
        assert GATE not in p.worker.env_changes() and GATE not in p.frontend.env_changes()
        assert p.gate.status == "not_applicable" and p.worker_after_repro is None
    p = plan(base_env, "sglang", dynamo_sources=str(gated_tree))
    assert p.gate.status == "gated" and p.worker.env_changes()[GATE] == "1"
    assert GATE not in p.frontend.env_changes()
    kept = plan(base_env, "sglang", dynamo_sources=str(gated_tree), keep_serving=True)
    assert GATE not in kept.worker_after_repro.env_changes()
    assert kept.worker_after_repro.argv == kept.worker.argv
    refused = plan(base_env, "sglang", dynamo_sources=str(gated_tree), allow_top_logprobs=False)
    assert GATE not in refused.worker.env_changes()
    assert any('"top_logprobs": 0' in w for w in refused.warnings)
    installed = plan(base_env, "sglang")  # 1.6.x: no gate, nothing set
    assert installed.gate.status == "not_gated" and GATE not in installed.worker.env_changes()


def test_replay_recipe(dynamo_installed, base_env, tmp_path):
    cfg = tmp_path / "replay.yaml"
    p = plan(base_env, "replay", model=None, replay_config=str(cfg), strict=True)
    assert list(p.worker.argv[1:]) == ["-m", "dynamo_toolcall_probe.replay.worker", "--config", str(cfg)]
    env = p.worker.env_changes()
    assert env["HF_HUB_OFFLINE"] == "1" and env["HOME"].startswith(RUN_DIR)
    assert p.structural_tag["mode"] == "not_applicable"
    with pytest.raises(BadInput, match="replay_config"):
        plan(base_env, "replay", model=None)


def test_unknown_backend_and_mem_discovery(base_env):
    with pytest.raises(BadInput, match="unknown backend 'tgi'"):
        plan(base_env, "tgi")
    with pytest.raises(BadInput, match="mem discovery"):
        plan(base_env, "vllm", discovery_backend="mem")


def test_with_the_hook_the_gate_variable_is_never_set(dynamo_installed, base_env, gated_tree):
    # The hook scopes the SGLang gate to the marked request, so nothing opens it process-wide.
    from dynamo_toolcall_probe.launch.gate import GATE_ENV

    req = LaunchRequest(backend="sglang", model="Qwen/Qwen2.5-7B-Instruct", parser="hermes",
                        dynamo_sources=str(gated_tree), hook=True, keep_serving=True)
    p = plan_launch(req, base_env=base_env, strict=False)
    assert p.gate.status == "gated"
    assert GATE_ENV not in p.worker.env_changes()
    assert p.worker_after_repro is None  # nothing repro-only to take back
    assert any("hook allows them" in w for w in p.warnings)
    assert p.worker.argv[2:4] == ("dynamo_toolcall_probe.hook", "dynamo.sglang")


def test_a_worker_interpreter_without_the_probe_runs_the_hook_from_this_install(base_env, tmp_path,
                                                                             monkeypatch):
    # A bare venv: no ai-dynamo and no probe there. The hook (standard library only) still runs
    # there, from this installation, through a PYTHONPATH that exposes only this package.
    # (Outside the checkout: `python -m` would import the package from the current directory.)
    import os
    import subprocess
    import sys

    monkeypatch.chdir(tmp_path)
    venv = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    req = LaunchRequest(backend="vllm", model="Qwen/Qwen2.5-7B-Instruct", parser="hermes",
                        python=python, hook=True)
    p = plan_launch(req, base_env=base_env, strict=False)
    assert p.request.hook is True and "dynamo_toolcall_probe.hook" in p.worker.argv
    assert any("cannot import dynamo_toolcall_probe" in w for w in p.warnings)
    path = p.worker.env_changes()["PYTHONPATH"]
    assert "PYTHONPATH" not in p.frontend.env_changes()
    assert os.listdir(path.split(os.pathsep)[0]) == ["dynamo_toolcall_probe"]  # nothing else leaks in
    ran = subprocess.run([python, "-c", "import dynamo_toolcall_probe.hook.seam as s; print(s.__name__)"],
                         env={"PYTHONPATH": path}, capture_output=True, text=True)
    assert ran.returncode == 0, ran.stderr
