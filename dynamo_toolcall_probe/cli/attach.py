"""`dynamo-probe attach`: probe a deployment that is already serving."""

from __future__ import annotations

import os

import click

from ..errors import VERDICT_EXIT_CODES


@click.command()
@click.option("--url", required=True, help="The frontend's base URL, e.g. http://127.0.0.1:8000.")
@click.option("--model", required=True, help="The served model name.")
@click.option("--request", "request_path", type=click.Path(path_type=str),
              help="The failing chat request (default: the built-in weather example).")
@click.option("--parser", help="The worker's --dyn-tool-call-parser ('none' if unset).")
@click.option("--reasoning-parser", help="The worker's --dyn-reasoning-parser.")
@click.option("--header", "headers", multiple=True,
              help="Extra HTTP header 'Name: value' (repeatable); DYNAMO_PROBE_AUTH sets Authorization.")
@click.option("--no-stream-compare", is_flag=True, help="Skip the streaming request.")
@click.option("--out", type=click.Path(path_type=str), help="Write the bundle here.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def attach(url: str, model: str, request_path: str | None, parser: str | None,
           reasoning_parser: str | None, headers: tuple[str, ...], no_stream_compare: bool,
           out: str | None, as_json: bool) -> None:
    """Run the repro against a running frontend, diagnose it and write the bundle."""
    from ..capture.attach import parse_headers, run_attach
    from ..inputs import load_request
    from .output import print_diagnosis, print_json

    hdrs = parse_headers(list(headers))
    if os.environ.get("DYNAMO_PROBE_AUTH") and "Authorization" not in hdrs:
        hdrs["Authorization"] = os.environ["DYNAMO_PROBE_AUTH"]
    request = load_request(request_path)[0] if request_path else None
    result = run_attach(url, model, request, parser, reasoning_parser, hdrs,
                        not no_stream_compare, out)
    if as_json:
        payload = result.diagnosis.to_dict()
        payload["bundle"] = str(result.bundle) if result.bundle else None
        print_json(payload)
    else:
        print_diagnosis(result.diagnosis, str(result.bundle) if result.bundle else None)
    raise click.exceptions.Exit(VERDICT_EXIT_CODES[result.diagnosis.verdict])
