"""The hook through the REAL Dynamo frontend: our replay worker started as
`python -m dynamo_toolcall_probe.hook dynamo_toolcall_probe.replay.worker --config F`, reaching the
same seam (`Endpoint.serve_endpoint`) the vLLM/SGLang/TRT-LLM components use."""

from __future__ import annotations

import importlib.util
import tempfile
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dynamo_toolcall_probe.capture.http import send_chat
from dynamo_toolcall_probe.hook import hook_status, load_worker_record, mark_request
from dynamo_toolcall_probe.hook.records import list_records

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(importlib.util.find_spec("dynamo") is None,
                                 reason="ai-dynamo not installed (run scripts/install)")]

HOOK = ["-m", "dynamo_toolcall_probe.hook"]
WEATHER = {"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}}
CALL = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "Zürich 日本 🙂"}}\n</tool_call>'
SCRIPTS = {
    "hermes": {"text": CALL},
    "hermes-think": {"text": "<think>\nThe user wants the weather in Zürich; I'll call get_weather."
                             "\n</think>\n\n" + CALL},
}


def _model_dir() -> Path:
    from dynamo_toolcall_probe.replay import modeldir

    try:
        return modeldir.builtin_model_dir()
    except Exception:  # noqa: BLE001 - e.g. a format family module missing: build a hermes-only one
        target = Path(tempfile.mkdtemp(prefix="hook-e2e-model-"))
        modeldir._build(target, [m for m in modeldir.EXTRA_MARKERS if m.strip()])
        return target


def _start(prefix, record_dir: Path | None, monkeypatch):
    from dynamo_toolcall_probe.replay.stack import ReplayStack, ServedModel

    if record_dir is None:
        monkeypatch.delenv("DYNAMO_PROBE_RECORD_DIR", raising=False)
    else:
        monkeypatch.setenv("DYNAMO_PROBE_RECORD_DIR", str(record_dir))  # inherited by the worker
    stack = ReplayStack([ServedModel("hermes", "hermes"), ServedModel("hermes-think", "hermes", "qwen3")],
                        model_dir=MODEL_DIR[0], worker_prefix=prefix).start()
    for name, script in SCRIPTS.items():
        stack.set_script(name, script)
    return stack


MODEL_DIR: list[Path] = []


@pytest.fixture(scope="module")
def stacks(tmp_path_factory):
    from tests.e2e.conftest import assert_gone

    MODEL_DIR[:] = [_model_dir()]
    record_dir = tmp_path_factory.mktemp("records")
    mp = pytest.MonkeyPatch()
    started = []
    try:
        hooked = _start(HOOK, record_dir, mp)
        started.append(hooked)
        plain = _start(None, None, mp)
        started.append(plain)
        yield hooked, plain, record_dir
    finally:
        mp.undo()
        for st in started:
            pids, port = st.supervisor.pids(), st.port
            st.stop()
            assert_gone(pids, [port])


@pytest.fixture(scope="module")
def tokenizer():
    from tokenizers import Tokenizer

    return Tokenizer.from_file(str(MODEL_DIR[0] / "tokenizer.json"))


def body(model: str) -> dict:
    return {"model": model, "messages": [{"role": "user", "content": "Weather in Zürich?"}],
            "tools": [WEATHER], "tool_choice": "auto", "logprobs": True, "top_logprobs": 1}


def ask(stack, model, stream, rid=None):
    headers = {"x-dynamo-request-id": rid} if rid else {}
    reply = send_chat(stack.base_url, body(model), stream=stream, headers=headers)
    assert reply.ok, reply.body_bytes[:500]
    return reply


def logprob_ids(reply) -> list[int]:
    return [e["token_id"] for e in reply.body["choices"][0]["logprobs"]["content"]]


def message(reply) -> dict:
    return reply.body["choices"][0]["message"]


def test_status_says_active_on_the_serve_endpoint_seam(stacks):
    _, _, record_dir = stacks
    status = hook_status(record_dir)
    assert status["active"] is True, status
    assert status["seams"] == ["dynamo._core.Endpoint.serve_endpoint"]
    assert len(status["wrapped"]) == 2  # one generate per served model
    assert status["dynamo_version"] and status["pid"] > 0
    assert status["component"] == "dynamo_toolcall_probe.replay.worker"


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
@pytest.mark.parametrize("model", ["hermes", "hermes-think"])
def test_marked_request_recorded_exactly(stacks, tokenizer, model, stream):
    hooked, _, record_dir = stacks
    rid = str(uuid.uuid4())
    mark_request(record_dir, rid)
    reply = ask(hooked, model, stream, rid)
    ids = [c["id"] for c in reply.chunks] if stream else [reply.body["id"]]
    assert set(ids) == {f"chatcmpl-{rid}"}, "context.id() must be the x-dynamo-request-id"
    record = load_worker_record(record_dir, rid, timeout=5)
    assert record is not None and record.status == "complete" and record.errors == []
    assert record.request_id == rid
    assert record.prompt_token_ids and record.request["output_options"]["logprobs"] == 1
    # the ids the worker emitted are the ids the frontend reported, EOS entry aside
    emitted = logprob_ids(reply)
    assert record.token_ids == emitted[:len(record.token_ids)]
    raw = tokenizer.decode(record.token_ids, skip_special_tokens=False)
    assert raw == SCRIPTS[model]["text"]  # the exact engine text, multi-byte characters intact
    msg = message(reply)
    assert msg["tool_calls"] and msg["tool_calls"][0]["function"]["name"] == "get_weather"
    if model == "hermes-think":  # the parsed response does not hold the whole text
        shown = (msg.get("reasoning_content") or "") + (msg.get("content") or "")
        assert "<think>" not in shown and "</think>" not in shown
        assert "<think>" in raw and "I'll call get_weather" in raw
        assert "I'll call get_weather" in (msg.get("reasoning_content") or "")
    assert record.finish_reason == "stop"


def test_concurrent_unmarked_requests_are_not_recorded(stacks):
    hooked, _, record_dir = stacks
    before = set(list_records(record_dir))
    rid = str(uuid.uuid4())
    mark_request(record_dir, rid)
    jobs = [(None, i % 2 == 0) for i in range(12)] + [(rid, False)]
    with ThreadPoolExecutor(6) as pool:
        replies = list(pool.map(lambda j: ask(hooked, "hermes", j[1], j[0]), jobs))
    assert all(r.ok for r in replies)
    assert load_worker_record(record_dir, rid, timeout=5).status == "complete"
    assert set(list_records(record_dir)) - before == {rid}


@pytest.mark.parametrize("stream", [False, True], ids=["nonstream", "stream"])
@pytest.mark.parametrize("model", ["hermes", "hermes-think"])
@pytest.mark.parametrize("marked", [False, True], ids=["unmarked", "marked"])
def test_responses_identical_with_and_without_the_hook(stacks, model, stream, marked):
    hooked, plain, record_dir = stacks
    rid = str(uuid.uuid4())
    if marked:
        mark_request(record_dir, rid)
    a, b = ask(hooked, model, stream, rid), ask(plain, model, stream, rid)

    def view(reply):
        msg = message(reply)
        calls = [(c["function"]["name"], c["function"]["arguments"]) for c in msg.get("tool_calls") or []]
        lp = [(e["token_id"], e["token"], e["bytes"], e["logprob"])
              for e in reply.body["choices"][0]["logprobs"]["content"]]
        return (msg.get("content"), msg.get("reasoning_content"), calls, lp,
                reply.body["choices"][0]["finish_reason"],
                reply.chunks[0]["id"] if reply.chunks else reply.body["id"])

    assert view(a) == view(b)
    if stream:
        assert len(a.chunks) == len(b.chunks)
