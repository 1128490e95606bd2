"""`import dynamo_toolcall_probe` and `dynamo-probe --help` must not load heavy modules."""

import subprocess
import sys

HEAVY = ("dynamo", "torch", "transformers", "vllm", "sglang", "tensorrt_llm", "tokenizers",
         "jsonschema", "httpx", "rich")

CHECK = """
import sys
{stmt}
heavy = [m for m in {heavy!r} if m in sys.modules]
print("HEAVY:" + ",".join(heavy))
"""


def loaded_after(stmt: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", CHECK.format(stmt=stmt, heavy=HEAVY)],
                         capture_output=True, text=True, check=True).stdout
    line = [ln for ln in out.splitlines() if ln.startswith("HEAVY:")][-1]
    return [m for m in line[len("HEAVY:"):].split(",") if m]


def test_import_package_is_light():
    assert loaded_after("import dynamo_toolcall_probe") == []


def test_help_is_light():
    stmt = ("from dynamo_toolcall_probe.cli.main import cli\n"
            "try:\n    cli(['--help'])\nexcept SystemExit:\n    pass")
    assert loaded_after(stmt) == []


def test_analyze_help_is_light():
    stmt = ("from dynamo_toolcall_probe.cli.main import cli\n"
            "try:\n    cli(['analyze', '--help'])\nexcept SystemExit:\n    pass")
    assert loaded_after(stmt) == []


def test_probe_launch_help_is_light():
    stmt = ("from dynamo_toolcall_probe.cli.launch import probe_launch\n"
            "try:\n    probe_launch(['--help'])\nexcept SystemExit:\n    pass")
    assert loaded_after(stmt) == []
