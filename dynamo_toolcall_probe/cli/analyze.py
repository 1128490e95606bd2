"""`dynamo-probe analyze RESPONSE`: diagnose a captured response offline."""

from __future__ import annotations

import click

from .options import release_options


@click.command()
@click.argument("response", type=click.Path(dir_okay=True, path_type=str))
@click.option("--request", "request_path", type=click.Path(path_type=str),
              help="The chat request body that produced RESPONSE (its tools make the checks strict).")
@click.option("--parser", help="The worker's --dyn-tool-call-parser value; 'none' if it had none.")
@click.option("--reasoning-parser", help="The worker's --dyn-reasoning-parser value.")
@click.option("--tokenizer", type=click.Path(exists=False, path_type=str),
              help="tokenizer.json or a model directory: recovers exact text from token ids; a "
              "directory's chat template is rendered with the request to check the prompt.")
@click.option("--stream", "stream_path", type=click.Path(path_type=str),
              help="The SSE transcript of the same request, beside a non-streaming RESPONSE: "
              "streaming and non-streaming are compared.")
@click.option("--prompt", "prompt_path", type=click.Path(path_type=str),
              help="The prompt the engine saw (text, a JSON list of token ids, or the worker "
              "hook's record): checks that the tools reached the model.")
@release_options("default: the bundle's metadata")
@click.option("--out", type=click.Path(path_type=str), help="Write a bug-report bundle here.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def analyze(response: str, request_path: str | None, parser: str | None,
            reasoning_parser: str | None, tokenizer: str | None, stream_path: str | None,
            prompt_path: str | None, dynamo_version: str | None, parser_version: str | None,
            out: str | None, as_json: bool) -> None:
    """Say whether a broken tool call is the model, the parser configuration, the parser logic
    or the prompt (template).

    RESPONSE is a chat completion body captured with "logprobs": true, an SSE transcript of a
    streamed one (the `data: {...}` lines as curl or a proxy saved them), or a bundle directory
    written earlier.
    """
    from ..analysis import analyze_files
    from .output import print_diagnosis, print_json

    result = analyze_files(response, request_path, parser, reasoning_parser, tokenizer, out,
                           dynamo_version=dynamo_version, parser_version=parser_version,
                           stream_path=stream_path, prompt_path=prompt_path)
    if as_json:
        payload = result.diagnosis.to_dict()
        payload["bundle"] = str(result.bundle) if result.bundle else None
        print_json(payload)
    else:
        print_diagnosis(result.diagnosis, str(result.bundle) if result.bundle else None)
    raise click.exceptions.Exit(result.diagnosis.verdict.exit_code)
