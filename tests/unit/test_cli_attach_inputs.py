"""`dynamo-probe attach` input errors: one line, the right exit code, no traceback."""

import socket

import pytest
from click.testing import CliRunner

from dynamo_toolcall_probe.cli.main import cli


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends


@pytest.mark.parametrize("args,code,message", [
    (["--url", "notaurl", "--model", "m"], 2, "http:// or https://"),
    (["--url", "http://127.0.0.1:PORT", "--model", "m"], 3, "cannot reach the frontend"),
    (["--url", "http://127.0.0.1:PORT", "--model", "m", "--header", "NoColon"], 2, "Name: value"),
])
def test_attach_bad_input(args, code, message):
    args = [a.replace("PORT", str(closed_port())) for a in args]
    result = CliRunner().invoke(cli, ["attach", *args])
    assert result.exit_code == code, result.output
    assert message in result.output and "Traceback" not in result.output
