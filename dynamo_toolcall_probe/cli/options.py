"""Options more than one command takes, defined once."""

from __future__ import annotations

import click


def release_options(default: str):
    """--dynamo-version and --parser-version: the deployment's release and parser generation,
    whose measured facts the diagnosis applies. `default` says what applies without them."""
    def decorate(command):
        command = click.option(
            "--parser-version", type=click.Choice(["1", "2", "auto"]),
            help="The deployment's DYN_PARSER_VERSION, if it set one.")(command)
        return click.option(
            "--dynamo-version", help="The deployment's ai-dynamo release (e.g. 1.5.1): the "
            f"diagnosis applies that release's measured facts ({default}).")(command)
    return decorate
