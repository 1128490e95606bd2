"""Property test: whatever a mangled response looks like, analyze answers with a verdict or a
one-line bad-input error, never a traceback."""

import json

from click.testing import CliRunner
from helpers import chunks, logprobs_for, response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynamo_toolcall_probe.cli.main import cli
from dynamo_toolcall_probe.errors import EXIT_BAD_INPUT, VERDICT_EXIT_CODES

HERMES = '<tool_call>\n{"name": "get_weather", "arguments": {"location": "NYC"}}\n</tool_call>'
BASE = response(HERMES, logprobs=logprobs_for(chunks(HERMES)))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.floats(allow_nan=False),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10)
PATHS = [(), ("choices",), ("choices", 0), ("choices", 0, "message"),
         ("choices", 0, "message", "tool_calls"), ("choices", 0, "message", "content"),
         ("choices", 0, "logprobs"), ("choices", 0, "logprobs", "content"),
         ("choices", 0, "logprobs", "content", 0), ("choices", 0, "logprobs", "content", 0, "bytes"),
         ("choices", 0, "finish_reason"), ("usage",)]


def mangle(body, path, value):
    body = json.loads(json.dumps(body))
    if not path:
        return value
    node = body
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return body


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(PATHS), value=json_values, cut=st.integers(0, 400), truncate=st.booleans())
def test_mangled_response_never_crashes(tmp_path, path, value, cut, truncate):
    data = json.dumps(mangle(BASE, path, value)).encode()
    if truncate:
        data = data[:cut]
    p = tmp_path / "r.json"
    p.write_bytes(data)
    res = CliRunner().invoke(cli, ["analyze", str(p), "--parser", "hermes", "--json"])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert res.exit_code in set(VERDICT_EXIT_CODES.values()) | {EXIT_BAD_INPUT}, res.output
    if res.exit_code == EXIT_BAD_INPUT:
        assert len(res.output.strip().splitlines()) == 1
    else:
        assert json.loads(res.output)["verdict"] in VERDICT_EXIT_CODES
