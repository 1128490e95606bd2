"""`dynamo-probe attach --help` and importing the discovery package load nothing heavy: the
Kubernetes client and httpx are imported only when a backend is read."""

from tests.unit.test_light_import import loaded_after

HEAVY_HERE = ("kubernetes", "httpx", "urllib3")


def test_attach_help_is_light():
    stmt = ("from dynamo_toolcall_probe.cli.main import cli\n"
            "try:\n    cli(['attach', '--help'])\nexcept SystemExit:\n    pass\n"
            "import sys\nassert not [m for m in %r if m in sys.modules], 'heavy'" % (HEAVY_HERE,))
    assert loaded_after(stmt) == []


def test_discovery_import_is_light():
    stmt = ("import dynamo_toolcall_probe.discovery, sys\n"
            "assert not [m for m in %r if m in sys.modules], 'heavy'" % (HEAVY_HERE,))
    assert loaded_after(stmt) == []
