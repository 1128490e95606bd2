"""The hook's wrapper around a fake async-generator handler (no Dynamo needed)."""

from __future__ import annotations

import asyncio
import inspect
import json
import uuid

import pytest

from dynamo_toolcall_probe.hook import load_worker_record, mark_request
from dynamo_toolcall_probe.hook.recorder import Recorder
from dynamo_toolcall_probe.hook.seam import MARKED, wrap_handler

CHUNKS = [{"token_ids": [i, i + 1], "index": 0, "log_probs": [-0.5, -0.25],
           "top_logprobs": [[{"rank": 1, "token_id": i, "token": "a", "logprob": -0.5,
                              "bytes": [97]}], [{"rank": 1, "token_id": i + 1, "token": "ü",
                                                "logprob": -0.25, "bytes": [195, 188]}]]}
          for i in range(0, 10, 2)] + [{"token_ids": [], "index": 0, "finish_reason": "stop",
                                        "completion_usage": {"prompt_tokens": 3}}]
REQUEST = {"token_ids": [1, 2, 3], "sampling_options": {"temperature": 0.0},
           "stop_conditions": {"max_tokens": 50}, "output_options": {"logprobs": 1},
           "eos_token_ids": [0], "annotations": []}


class Ctx:
    def __init__(self, rid: str) -> None:
        self._id = rid

    def id(self) -> str:
        return self._id


class Handler:
    """`handler.generate` as the backends have it; remembers whether it was closed."""

    def __init__(self, delay: float = 0.0) -> None:
        self.closed = False
        self.finished = False
        self.delay = delay
        self.saw_marked: list[bool] = []

    async def generate(self, request, context):
        try:
            for chunk in CHUNKS:
                self.saw_marked.append(MARKED.get())
                if self.delay:
                    await asyncio.sleep(self.delay)
                yield json.loads(json.dumps(chunk))
            self.finished = True
        finally:
            self.closed = True


async def collect(gen) -> list:
    return [item async for item in gen]


def run(coro):
    return asyncio.run(coro)


@pytest.fixture
def recorder(tmp_path):
    rec = Recorder(str(tmp_path))
    yield rec
    rec.close()


def test_signature_is_exactly_request_context_and_nothing_wrapped(recorder):
    wrapper = wrap_handler(Handler().generate, recorder)
    assert list(inspect.signature(wrapper).parameters) == ["request", "context"]
    assert not hasattr(wrapper, "__wrapped__")
    assert inspect.isasyncgenfunction(wrapper)
    assert "response_sender" not in inspect.signature(wrapper).parameters


@pytest.mark.parametrize("marked", [False, True])
def test_output_identical_with_and_without_the_hook(recorder, tmp_path, marked):
    rid = str(uuid.uuid4())
    if marked:
        mark_request(tmp_path, rid)
    plain = run(collect(Handler().generate(dict(REQUEST), Ctx(rid))))
    hooked = run(collect(wrap_handler(Handler().generate, recorder)(dict(REQUEST), Ctx(rid))))
    assert hooked == plain == CHUNKS
    recorder.close()
    record = load_worker_record(tmp_path, rid)
    if not marked:
        assert record is None
        return
    assert record.status == "complete"
    assert record.token_ids == [t for c in CHUNKS for t in c["token_ids"]]
    assert record.prompt_token_ids == [1, 2, 3]
    assert record.request["output_options"] == {"logprobs": 1}
    assert record.request["sampling_options"] == {"temperature": 0.0}
    assert record.request["stop_conditions"] == {"max_tokens": 50}
    assert record.finish_reason == "stop"
    assert record.errors == []
    assert [c["item"] for c in record.chunks] == CHUNKS
    assert [c["seq"] for c in record.chunks] == list(range(len(CHUNKS)))
    assert record.top_logprobs[1][0]["bytes"] == [195, 188]


def test_marked_by_env_ids_list(tmp_path):
    rid = str(uuid.uuid4())
    rec = Recorder(str(tmp_path), ids=f"other, {rid}")
    run(collect(wrap_handler(Handler().generate, rec)(dict(REQUEST), Ctx(rid))))
    rec.close()
    assert load_worker_record(tmp_path, rid).status == "complete"


def test_unmarked_requests_are_not_recorded(recorder, tmp_path):
    mark_request(tmp_path, "the-marked-one")
    wrapper = wrap_handler(Handler().generate, recorder)

    async def many():
        return await asyncio.gather(*(collect(wrapper(dict(REQUEST), Ctx(str(uuid.uuid4()))))
                                      for _ in range(20)))

    results = run(many())
    assert all(r == CHUNKS for r in results)
    recorder.close()
    assert list(tmp_path.glob("*.jsonl")) == []


def test_unsafe_ids_are_never_marked(recorder, tmp_path):
    (tmp_path / "x").mkdir()
    assert not recorder.is_marked("../x")
    assert not recorder.is_marked("marks/../../x")
    assert not recorder.is_marked(None)


class Raising(Recorder):
    def __init__(self, *args, where: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.where = where

    def begin(self, rid, request, handler_name):
        if "begin" in self.where:
            raise RuntimeError("begin exploded")
        session = super().begin(rid, request, handler_name)
        where = self.where

        class S:
            def chunk(self, item):
                if "chunk" in where:
                    raise RuntimeError("chunk exploded")
                session.chunk(item)

            def error(self, w, exc):
                if "error" in where:
                    raise RuntimeError("error exploded")
                session.error(w, exc)

            def handler_exception(self, exc):
                session.handler_exception(exc)

            def end(self, status):
                if "end" in where:
                    raise RuntimeError("end exploded")
                session.end(status)

        return S()


@pytest.mark.parametrize("where", [{"chunk"}, {"begin"}, {"chunk", "error", "end"}])
def test_a_recorder_that_raises_does_not_disturb_the_stream(tmp_path, where):
    rid = str(uuid.uuid4())
    rec = Raising(str(tmp_path), ids=rid, where=where)
    handler = Handler()
    out = run(collect(wrap_handler(handler.generate, rec)(dict(REQUEST), Ctx(rid))))
    rec.close()
    assert out == CHUNKS and handler.finished
    if where == {"chunk"}:  # errors are written into the record instead
        record = load_worker_record(tmp_path, rid)
        assert record.status == "complete"
        assert len(record.errors) == len(CHUNKS)
        assert "chunk exploded" in record.errors[0]


def test_marked_flag_is_set_only_inside_the_marked_handler(tmp_path):
    marked, other = str(uuid.uuid4()), str(uuid.uuid4())
    rec = Recorder(str(tmp_path), ids=marked)
    h_marked, h_other = Handler(delay=0.001), Handler(delay=0.001)

    async def both():
        seen_outside = []

        async def consume(gen):
            out = []
            async for item in gen:
                seen_outside.append(MARKED.get())
                out.append(item)
            return out

        await asyncio.gather(consume(wrap_handler(h_marked.generate, rec)(dict(REQUEST), Ctx(marked))),
                             consume(wrap_handler(h_other.generate, rec)(dict(REQUEST), Ctx(other))))
        return seen_outside

    seen_outside = run(both())
    rec.close()
    assert h_marked.saw_marked == [True] * len(CHUNKS)
    assert h_other.saw_marked == [False] * len(CHUNKS)
    assert not any(seen_outside), "the flag leaked into the consumer"


@pytest.mark.parametrize("marked", [False, True])
def test_aclose_closes_the_inner_generator(tmp_path, marked):
    rid = str(uuid.uuid4())
    rec = Recorder(str(tmp_path), ids=rid if marked else None)
    handler = Handler()

    async def partial():
        gen = wrap_handler(handler.generate, rec)(dict(REQUEST), Ctx(rid))
        first = await gen.__anext__()
        await gen.aclose()
        return first

    assert run(partial()) == CHUNKS[0]
    rec.close()
    assert handler.closed and not handler.finished
    if marked:
        record = load_worker_record(tmp_path, rid)
        assert record.status == "cancelled" and record.token_ids == CHUNKS[0]["token_ids"]


@pytest.mark.parametrize("marked", [False, True])
def test_task_cancellation_closes_the_inner_generator(tmp_path, marked):
    rid = str(uuid.uuid4())
    rec = Recorder(str(tmp_path), ids=rid if marked else None)
    handler = Handler(delay=10)

    async def cancel():
        gen = wrap_handler(handler.generate, rec)(dict(REQUEST), Ctx(rid))
        task = asyncio.ensure_future(gen.__anext__())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await gen.aclose()

    run(cancel())
    rec.close()
    assert handler.closed and not handler.finished
    if marked:
        assert load_worker_record(tmp_path, rid).status == "cancelled"


def test_handler_exception_passes_through_unchanged_and_is_recorded(tmp_path):
    rid = str(uuid.uuid4())
    rec = Recorder(str(tmp_path), ids=rid)

    async def generate(request, context):
        yield {"token_ids": [5]}
        raise ValueError("engine failed")

    async def go():
        out = []
        with pytest.raises(ValueError, match="engine failed"):
            async for item in wrap_handler(generate, rec)(dict(REQUEST), Ctx(rid)):
                out.append(item)
        return out

    assert run(go()) == [{"token_ids": [5]}]
    rec.close()
    record = load_worker_record(tmp_path, rid)
    assert record.status == "exception" and "engine failed" in record.errors[0]


def test_context_keyword_only_and_no_context_handlers(tmp_path):
    rec = Recorder(str(tmp_path))

    async def kw_only(request, *, context):
        yield {"id": context.id()}

    async def no_context(request):
        yield {"ok": True}

    def plain_def(request, context=None, response_sender=None):  # TRT-LLM's push_egress shape
        return kw_only(request, context=context)

    assert run(collect(wrap_handler(kw_only, rec)({}, Ctx("a")))) == [{"id": "a"}]
    assert run(collect(wrap_handler(no_context, rec)({}, Ctx("a")))) == [{"ok": True}]
    assert run(collect(wrap_handler(plain_def, rec)({}, Ctx("a")))) == [{"id": "a"}]
    rec.close()


def test_install_without_record_dir_is_inactive_and_says_why(monkeypatch):
    import dynamo_toolcall_probe.hook.seam as seam

    monkeypatch.setattr(seam, "_installed", {})
    status = seam.install(component="x", environ={})
    assert status["active"] is False and "DYNAMO_PROBE_RECORD_DIR" in status["reason"]


def test_no_seam_means_inactive_with_reason_in_status_file(monkeypatch, tmp_path):
    import sys

    import dynamo_toolcall_probe.hook.seam as seam
    from dynamo_toolcall_probe.hook import hook_status

    monkeypatch.setattr(seam, "_installed", {})
    monkeypatch.setitem(sys.modules, "dynamo._core", None)  # import fails
    before = list(sys.meta_path)
    try:
        status = seam.install(component="x", environ={"DYNAMO_PROBE_RECORD_DIR": str(tmp_path)})
    finally:
        sys.meta_path[:] = before
    assert status["active"] is False and "serve_endpoint" in status["reason"]
    on_disk = hook_status(tmp_path)
    assert on_disk["active"] is False and on_disk["pid"] > 0 and on_disk["reason"]


def test_main_runs_the_component_as_main_with_its_exact_argv(tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "fakecomp.py").write_text(
        "import sys, json\nprint(json.dumps({'name': __name__, 'argv': sys.argv}))\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), *sys.path]),
               DYNAMO_PROBE_RECORD_DIR=str(tmp_path / "rec"))
    out = subprocess.run([sys.executable, "-m", "dynamo_toolcall_probe.hook", "fakecomp",
                          "--model", "m", "-x"], env=env, capture_output=True, text=True,
                         timeout=60, check=True)
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen == {"name": "__main__", "argv": [str(tmp_path / "fakecomp.py"), "--model", "m", "-x"]}
    direct = subprocess.run([sys.executable, "-m", "fakecomp", "--model", "m", "-x"], env=env,
                            capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(direct.stdout.strip().splitlines()[-1]) == seen


def test_drain_returns_once_everything_queued_is_written(tmp_path):
    from dynamo_toolcall_probe.hook.recorder import Recorder

    rec = Recorder(str(tmp_path))
    session = rec.begin("drain-1", {"token_ids": [1, 2]}, "generate")
    for i in range(2000):
        session.chunk({"token_ids": [i], "index": 0})
    session.end("complete")
    assert rec.drain(30)
    lines = (tmp_path / "drain-1.jsonl").read_text().splitlines()
    assert len(lines) == 2002  # request + every chunk + end, nothing still in the queue
    rec.close()
