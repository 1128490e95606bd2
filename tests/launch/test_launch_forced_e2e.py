"""Forced tool_choice through the real frontend and our replay worker, with the hook recording the
request the worker received: the frontend's JSON constraint is read from it, the replay worker
(like an engine without a grammar backend) ignores it."""

from __future__ import annotations

import json

from test_launch_e2e import Launch, pytestmark, script_file  # noqa: F401 (pytestmark: same skip)

from dynamo_toolcall_probe.capture.repro import example_request
from dynamo_toolcall_probe.errors import EXIT_OK
from dynamo_toolcall_probe.hook.records import load_worker_record

NAMED = {"type": "function", "function": {"name": "get_weather"}}


def _run(tmp_path, tool_choice, *extra: str) -> dict:
    request = tmp_path / "request.json"
    request.write_text(json.dumps({**example_request(), "tool_choice": tool_choice}))
    run = Launch(tmp_path, "--backend", "replay", "--parser", "hermes", "--request", str(request),
                 "--no-replay", "--json", *extra)
    code, out, err = run.finish()
    assert code == EXIT_OK, err
    result = json.loads(out)
    meta = json.loads((run.out / "metadata.json").read_text())
    record = load_worker_record(run.out / "worker_record", meta["request_id"])
    guided = record.request["sampling_options"]["guided_decoding"]
    return {"result": result, "guided": guided}


def test_named_tool_choice_bare_arguments_is_ok(tmp_path):
    script = script_file(tmp_path, text='{"location": "Paris"}')
    got = _run(tmp_path, NAMED, "--replay-script", script)
    result = got["result"]
    # The frontend sent the function's parameters schema and returned the bare object as the call.
    assert got["guided"]["json"]["required"] == ["location"]
    assert result["verdict"] == "ok" and result["observed_tool_calls"] == [
        {"name": "get_weather", "arguments": {"location": "Paris"}}]
    checks = {f["check"]: f for f in result["findings"]}
    assert not checks["forced_call"]["note"]
    assert checks["constraint"]["message"].endswith("the output obeys it")


def test_required_with_an_engine_that_ignores_the_constraint(tmp_path):
    got = _run(tmp_path, "required")  # the default script: hermes text, no JSON array
    result = got["result"]
    assert got["guided"]["json"]["type"] == "array"
    # 1.6.1's hermes parser still returns the call, so the verdict stays ok; the ignored
    # constraint is kept as a note for the report.
    assert result["verdict"] == "ok" and result["observed_tool_calls"]
    ignored = [f for f in result["findings"] if f["check"] == "constraint_not_applied"]
    assert ignored and ignored[0]["note"] and "grammar backend" in ignored[0]["fix"]
