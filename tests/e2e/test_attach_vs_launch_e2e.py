"""`dynamo-probe attach` against a stack started outside the tool gives the same verdict as
`probe-launch` for the same case (issue 6): same model output, same parser, two entry points."""

from __future__ import annotations

import pytest

from dynamo_toolcall_probe.capture.attach import run_attach
from dynamo_toolcall_probe.launch.run import (REPLAY_MODEL, LaunchOptions, default_replay_script,
                                              run_launch)
from dynamo_toolcall_probe.launch.spec import LaunchRequest
from dynamo_toolcall_probe.replay.stack import ReplayStack, ServedModel

from .conftest import assert_gone, needs_dynamo

pytestmark = needs_dynamo


@pytest.mark.parametrize("parser,verdict", [("qwen3_coder", "parser_config"), ("hermes", "ok")])
def test_attach_and_launch_agree(tmp_path, parser, verdict):
    script = default_replay_script()
    stack = ReplayStack([ServedModel(REPLAY_MODEL, parser)]).start()
    try:
        stack.set_script(REPLAY_MODEL, script)
        attached = run_attach(stack.base_url, REPLAY_MODEL, None, parser, None, {}, True,
                              str(tmp_path / "attach"))
    finally:
        pids, port = stack.supervisor.pids(), stack.port
        stack.stop()
        assert_gone(pids, [port])
    launched = run_launch(LaunchRequest(backend="replay", parser=parser, hook=True),
                          LaunchOptions(out=str(tmp_path / "launch"), replay_script=script,
                                        quiet=True))
    assert attached.diagnosis.verdict == launched.diagnosis.verdict == verdict
    assert attached.diagnosis.to_dict()["expected_tool_calls"] == \
        launched.diagnosis.to_dict()["expected_tool_calls"]
    # launch knows more: the worker's own tokens are the raw source there
    assert launched.diagnosis.raw.source == "worker_token_ids"
