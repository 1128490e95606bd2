"""Secrets planted in env, argv, headers and JSON never survive; harmless 'token' words do."""

import json

from dynamo_toolcall_probe.redact import (REDACTED, is_secret_name, redact_argv, redact_env,
                                          redact_headers, redact_json, redact_text, scrub_host)

SECRET = "hf_PlantedSecretValue0123456789abcd"


def test_secret_names():
    for name in ("HF_TOKEN", "api_key", "--api-key", "apiKey", "X-Api-Key", "Authorization",
                 "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD", "GOOGLE_APPLICATION_CREDENTIALS_JSON",
                 "NGC_API_KEY", "authToken", "Cookie"):
        assert is_secret_name(name), name
    for name in ("max_tokens", "token_ids", "tokenizer", "prompt_tokens", "eos_token", "bos_token",
                 "DYN_TCP_TLS_KEY_PATH", "keyboard", "author", "top_logprobs", "monkey",
                 "--dyn-tool-call-parser", "completion_tokens_details"):
        assert not is_secret_name(name), name


def test_env():
    env = {"HF_TOKEN": SECRET, "NGC_API_KEY": "nvapi-abcdefghijklmnopqrstuv", "PATH": "/usr/bin",
           "MY_URL": "https://user:pa55word@example.com/x", "GONE": None}
    out = redact_env(env)
    assert out["HF_TOKEN"] == out["NGC_API_KEY"] == REDACTED
    assert out["PATH"] == "/usr/bin" and out["GONE"] is None
    assert "pa55word" not in out["MY_URL"] and "user:" in out["MY_URL"]


def test_argv():
    argv = ["python", "-m", "dynamo.vllm", "--api-key", "s3cr3t-value", "--hf-token=" + SECRET,
            "--model", "Qwen/Qwen2.5-7B-Instruct", "--use-auth", "--max-tokens", "100",
            "HF_TOKEN=" + SECRET, "-H", "Authorization: Bearer abcdefghijklmnop"]
    out = redact_argv(argv)
    text = " ".join(out)
    assert "s3cr3t-value" not in text and SECRET not in text and "abcdefghijklmnop" not in text
    assert out[3:5] == ["--api-key", REDACTED]
    assert "--hf-token=" + REDACTED in out
    assert out[6:8] == ["--model", "Qwen/Qwen2.5-7B-Instruct"]
    assert out[8:11] == ["--use-auth", "--max-tokens", "100"]  # a boolean flag keeps the next arg
    assert "HF_TOKEN=" + REDACTED in out


def test_headers():
    headers = {"Authorization": "Bearer sk-abcdefghijklmnopqrstuvwx", "Content-Type": "application/json",
               "x-api-key": "k", "Cookie": "session=abc", "x-dynamo-request-id": "1234"}
    out = redact_headers(headers)
    assert out["Authorization"] == out["x-api-key"] == out["Cookie"] == REDACTED
    assert out["Content-Type"] == "application/json" and out["x-dynamo-request-id"] == "1234"
    pairs = redact_headers([("authorization", "Bearer x"), ("accept", "*/*")])
    assert pairs == [("authorization", REDACTED), ("accept", "*/*")]


def test_json_keeps_chat_data():
    doc = {
        "model": "m", "max_tokens": 64, "api_key": SECRET,
        "headers": {"Authorization": "Bearer abcdefghijklmnop"},
        "environment": {"HF_TOKEN": SECRET, "DYN_NAMESPACE": "dynamo"},
        "choices": [{"logprobs": {"content": [
            {"token": "<tool_call>", "logprob": -0.1, "bytes": [60], "token_id": 7,
             "top_logprobs": [{"token": "<tool_call>", "logprob": -0.1}]}]}}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5},
        "tokenizer_config": {"eos_token": "<|im_end|>", "bos_token": None},
        "secrets": ["a", "b"],
    }
    out = redact_json(doc)
    text = json.dumps(out)
    assert SECRET not in text and "abcdefghijklmnop" not in text
    assert out["api_key"] == REDACTED and out["environment"]["HF_TOKEN"] == REDACTED
    assert out["secrets"] == [REDACTED, REDACTED]
    entry = out["choices"][0]["logprobs"]["content"][0]
    assert entry["token"] == "<tool_call>" and entry["top_logprobs"][0]["token"] == "<tool_call>"
    assert out["max_tokens"] == 64 and out["usage"] == doc["usage"]
    assert out["tokenizer_config"]["eos_token"] == "<|im_end|>"


def test_free_text():
    line = f"loading with token {SECRET} and password=hunter2 from https://u:p4ss@host/x"
    out = redact_text(line)
    assert SECRET not in out and "hunter2" not in out and "p4ss" not in out


def test_scrub_host():
    doc = {"system_info": {"hostname": "gpu-node-17", "os_name": "Linux"},
           "environment": {"HOSTNAME": "gpu-node-17", "ETCD_ENDPOINTS": "http://10.1.2.3:2379"},
           "gpus": [{"name": "H100", "uuid": "GPU-1234"}], "http_host": "127.0.0.1",
           "packages": {"nvidia-cudnn-cu12": "9.1.0.70"}}
    out = scrub_host(doc)
    text = json.dumps(out)
    assert "gpu-node-17" not in text and "10.1.2.3" not in text and "GPU-1234" not in text
    assert out["http_host"] == "127.0.0.1" and out["packages"]["nvidia-cudnn-cu12"] == "9.1.0.70"
