"""`dynamo-probe`: a click group whose subcommands load lazily, so `--help` stays light."""

from __future__ import annotations

import importlib

import click

from .. import __version__

#: command name -> "module:function"; a new command adds one line here.
SUBCOMMANDS = {
    "analyze": "dynamo_toolcall_probe.cli.analyze:analyze",
    "replay": "dynamo_toolcall_probe.cli.replay:replay",
    "demo": "dynamo_toolcall_probe.cli.demo:demo",
    "attach": "dynamo_toolcall_probe.cli.attach:attach",
    "bisect": "dynamo_toolcall_probe.cli.bisect:bisect",
}

EPILOG = """To start a Dynamo frontend and worker on the serving node and probe them in one
go: probe-launch --help.

Exit codes: 0 ok, 10 model, 11 parser_config, 12 parser_logic, 13 inconclusive,
2 bad input, 3 environment problem, 4 a started process failed, 130 interrupted."""


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)

    def invoke(self, ctx: click.Context):
        from .errors import guarded

        return guarded(lambda: super(LazyGroup, self).invoke(ctx))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help without importing every command module.
        rows = [(name, SHORT_HELP.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


SHORT_HELP = {
    "analyze": "Diagnose a captured response (and request): model, parser config or parser logic.",
    "replay": "Re-run a raw output through Dynamo's real parsers and compare them.",
    "attach": "Probe a running deployment's frontend and write the bundle.",
    "demo": "Run the whole probe on a built-in example with the real Dynamo frontend.",
    "bisect": "Replay a bundle's raw output through one parser on several Dynamo releases.",
}


@click.group(cls=LazyGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dynamo-probe")
def cli() -> None:
    """Find out why a tool call on NVIDIA Dynamo came back wrong."""


def main() -> None:
    cli(prog_name="dynamo-probe")
