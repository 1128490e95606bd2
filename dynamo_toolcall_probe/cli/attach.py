"""`dynamo-probe attach`: probe a deployment that is already serving."""

from __future__ import annotations

import os

import click

from ..errors import VERDICT_EXIT_CODES
from .options import release_options
from .repeat import repeat_options

EPILOG = """Without --parser the worker's parser settings are read from the deployment's
discovery: --discovery, or what Dynamo itself reads (DYN_DISCOVERY_BACKEND, DYN_FILE_KV,
ETCD_ENDPOINTS and ETCD_AUTH_*, a pod's service account). With nothing to read, the raw output
is replayed through every installed Dynamo parser and the configuration inferred where the
replay proves it. Exit codes: 0 ok, 10 model, 11 parser_config, 12 parser_logic,
13 inconclusive (with --repeat: the worst verdict seen), 2 bad input, 3 environment problem."""


@click.command(epilog=EPILOG)
@click.option("--url", required=True, help="The frontend's base URL, e.g. http://127.0.0.1:8000.")
@click.option("--model", required=True, help="The served model name.")
@click.option("--request", "request_path", type=click.Path(path_type=str),
              help="The failing chat request (default: the built-in weather example).")
@click.option("--parser", help="The worker's --dyn-tool-call-parser ('none' if unset); "
                               "overrides discovery.")
@click.option("--reasoning-parser", help="The worker's --dyn-reasoning-parser; overrides discovery.")
@click.option("--discovery", metavar="SPEC",
              help="Where the workers' model cards are: file:DIR | etcd:URL[,URL] | "
                   "kubernetes[:NAMESPACE] | none (default: from the environment).")
@release_options("it is not exposed over HTTP")
@click.option("--header", "headers", multiple=True,
              help="Extra HTTP header 'Name: value' (repeatable); DYNAMO_PROBE_AUTH sets Authorization.")
@click.option("--no-stream-compare", is_flag=True, help="Skip the streaming request.")
@click.option("--no-replay", is_flag=True,
              help="Do not replay the raw output through the installed Dynamo parsers.")
@repeat_options
@click.option("--out", type=click.Path(path_type=str), help="Write the bundle here.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def attach(url: str, model: str, request_path: str | None, parser: str | None,
           reasoning_parser: str | None, discovery: str | None, dynamo_version: str | None,
           parser_version: str | None, headers: tuple[str, ...], no_stream_compare: bool,
           no_replay: bool, repeat: int, temperature: float | None, out: str | None,
           as_json: bool) -> None:
    """Run the repro against a running frontend, diagnose it and write the bundle."""
    from ..capture.attach import AttachSession, parse_headers
    from ..inputs import load_request
    from .output import print_diagnosis, print_json

    hdrs = parse_headers(list(headers))
    if os.environ.get("DYNAMO_PROBE_AUTH") and "Authorization" not in hdrs:
        hdrs["Authorization"] = os.environ["DYNAMO_PROBE_AUTH"]
    request = load_request(request_path)[0] if request_path else None
    say = (lambda _: None) if as_json else (lambda line: click.echo(line, err=True))
    from ..release import resolve

    release = resolve(dynamo_version, parser_version, None)
    session = AttachSession(url, model, hdrs, parser, reasoning_parser, discovery,
                            replay=not no_replay, say=say, release=release)
    if repeat > 1:
        from ..capture.repeat import run_repeated
        from .repeat import print_repeat

        summary = run_repeated(
            repeat, lambda i, bundle: session.run(request, not no_stream_compare, bundle,
                                                  temperature), out, temperature, say)
        if as_json:
            print_json({"repeat": summary.to_dict(), "discovery": discovery_payload(session),
                        "out": out})
        else:
            print_discovery(session)
            print_repeat(summary, {"out": out} if out else None)
        raise click.exceptions.Exit(summary.exit_code)
    result = session.run(request, not no_stream_compare, out, temperature)
    if as_json:
        payload = result.diagnosis.to_dict()
        payload["bundle"] = str(result.bundle) if result.bundle else None
        payload["discovery"] = discovery_payload(session)
        print_json(payload)
    else:
        print_diagnosis(result.diagnosis, str(result.bundle) if result.bundle else None)
        print_discovery(session)
    raise click.exceptions.Exit(VERDICT_EXIT_CODES[result.diagnosis.verdict])


def discovery_payload(session) -> dict:
    from ..capture.settings import discovery_metadata

    return discovery_metadata(session.settings)


def print_discovery(session) -> None:
    """Every instance's parser settings, with the ones that disagree marked."""
    from rich.console import Console
    from rich.table import Table

    from ..discovery import PARSER_SETTINGS

    console = Console(highlight=False, soft_wrap=True)
    result = session.settings.discovery
    if result is None:
        console.print(f"[bold]discovery[/] none: {session.settings.discovery_why}")
        return
    console.print(result.summary(), markup=False)
    if not result.instances:
        return
    shown = {"tool_call_parser": "tool parser", "reasoning_parser": "reasoning parser",
             "exclude_tools_when_tool_choice_none": "no tools if tool_choice none",
             "structural_tag_mode": "structural tag"}
    differ = result.disagreements
    table = Table(box=None, padding=(0, 1))
    table.add_column("instance")
    for name, title in shown.items():
        table.add_column(title + (" (DIFFERS)" if name in differ else ""),
                         style="red" if name in differ else None)
    for inst in result.instances:
        table.add_row(inst.instance_id or inst.key,
                      *[str(inst.settings.get(n, "-")) for n in shown])
    console.print(table)
    hidden = [n for n in differ if n not in shown and n in PARSER_SETTINGS]
    if hidden:
        console.print("also differ: " + ", ".join(hidden), markup=False)
