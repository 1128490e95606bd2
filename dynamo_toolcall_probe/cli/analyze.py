"""`dynamo-probe analyze RESPONSE.json`: diagnose a captured response offline."""

from __future__ import annotations

import click

from ..errors import VERDICT_EXIT_CODES


@click.command()
@click.argument("response", type=click.Path(dir_okay=True, path_type=str))
@click.option("--request", "request_path", type=click.Path(path_type=str),
              help="The chat request body that produced RESPONSE (its tools make the checks strict).")
@click.option("--parser", help="The worker's --dyn-tool-call-parser value; 'none' if it had none.")
@click.option("--reasoning-parser", help="The worker's --dyn-reasoning-parser value.")
@click.option("--tokenizer", type=click.Path(exists=False, path_type=str),
              help="tokenizer.json or a model directory: recovers exact text from token ids.")
@click.option("--dynamo-version", help="The deployment's ai-dynamo release (e.g. 1.5.1): the "
              "diagnosis applies that release's measured facts (default: the bundle's metadata).")
@click.option("--parser-version", type=click.Choice(["1", "2", "auto"]),
              help="The deployment's DYN_PARSER_VERSION, if it set one.")
@click.option("--out", type=click.Path(path_type=str), help="Write a bug-report bundle here.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def analyze(response: str, request_path: str | None, parser: str | None,
            reasoning_parser: str | None, tokenizer: str | None, dynamo_version: str | None,
            parser_version: str | None, out: str | None, as_json: bool) -> None:
    """Say whether a broken tool call is the model, the parser configuration or the parser logic.

    RESPONSE is a non-streaming chat completion body captured with "logprobs": true, or a bundle
    directory written earlier.
    """
    from ..analysis import analyze_files
    from .output import print_diagnosis, print_json

    result = analyze_files(response, request_path, parser, reasoning_parser, tokenizer, out,
                           dynamo_version=dynamo_version, parser_version=parser_version)
    if as_json:
        payload = result.diagnosis.to_dict() if result.diagnosis else {"verdict": None}
        payload["bundle"] = str(result.bundle) if result.bundle else None
        print_json(payload)
    else:
        print_diagnosis(result.diagnosis, str(result.bundle) if result.bundle else None)
    raise click.exceptions.Exit(VERDICT_EXIT_CODES[result.diagnosis.verdict])
