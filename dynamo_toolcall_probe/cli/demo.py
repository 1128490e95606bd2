"""`dynamo-probe demo`: the whole probe on a built-in example with the real Dynamo frontend."""

from __future__ import annotations

import click


@click.command()
@click.option("--out", type=click.Path(path_type=str),
              help="Bundle directory (default: probe-bundles/demo-<time>).")
@click.option("--parser", default="qwen3_coder", show_default=True,
              help="The (wrong) parser the demo worker is launched with.")
@click.option("--no-replay", is_flag=True, help="Skip replaying through all Dynamo parsers.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def demo(out: str | None, parser: str, no_replay: bool, as_json: bool) -> None:
    """Serve a hermes tool call under the wrong parser, probe it, print the verdict and bundle."""
    from ..demo import run_demo
    from .output import print_diagnosis, print_json

    say = (lambda s: None) if as_json else (lambda s: click.echo(f"[demo] {s}", err=True))
    result = run_demo(out, parser, not no_replay, say)
    if as_json:
        payload = result.diagnosis.to_dict()
        payload["bundle"] = str(result.bundle)
        print_json(payload)
    else:
        print_diagnosis(result.diagnosis, str(result.bundle))
    raise click.exceptions.Exit(result.diagnosis.verdict.exit_code)
