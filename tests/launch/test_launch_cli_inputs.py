"""Bad input to `probe-launch` is refused with one line and exit 2, before anything starts."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from dynamo_toolcall_probe.cli.launch import probe_launch
from dynamo_toolcall_probe.errors import BadInput
from dynamo_toolcall_probe.replay.script import check_script


@pytest.mark.parametrize("script,message", [
    ([1], "expected a JSON object"),
    ({}, "exactly one of"),
    ({"text": "a", "token_ids": [1]}, "exactly one of"),
    ({"text": 5}, '"text" must be a string'),
    ({"token_ids": [1, -2]}, "non-negative integers"),
    ({"token_ids": [True]}, "non-negative integers"),
    ({"text": "a", "chunk_size": 0}, '"chunk_size" must be'),
    ({"text": "a", "chunk_sizes": []}, '"chunk_sizes" must be'),
    ({"text": "a", "finish_reason": 1}, '"finish_reason" must be'),
    ({"text": "a", "delay_s": -1}, '"delay_s" must be'),
])
def test_bad_replay_scripts(script, message):
    with pytest.raises(BadInput, match=message):
        check_script(script)


def test_good_replay_scripts_pass_unchanged():
    for script in ({"text": "<tool_call>"}, {"token_ids": [1, 2], "chunk_sizes": [1, 3],
                                             "finish_reason": "length", "delay_s": 0.5}):
        assert check_script(script) is script


@pytest.mark.parametrize("args,message", [
    (["--timeout", "-5"], "--timeout"),
    (["--http-port", "70000"], "--http-port"),
    (["--request", "/nonexistent/request.json"], "not found"),
    (["--replay-script", "SCRIPT"], '"text" must be a string'),
    (["--backend", "nope"], "--backend"),
])
def test_cli_refuses_bad_input_in_one_line(tmp_path, args, message):
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"text": 5}))
    args = [str(script) if a == "SCRIPT" else a for a in args]
    if "--backend" not in args:
        args = ["--backend", "replay", *args]
    result = CliRunner().invoke(probe_launch, [*args, "--quiet", "--out", str(tmp_path / "b")])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "b").exists()  # nothing started, nothing written
