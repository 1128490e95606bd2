"""`dynamo-probe replay`: what every Dynamo parser makes of a captured raw output."""

from __future__ import annotations

import click


@click.command()
@click.argument("source", type=click.Path(path_type=str))
@click.option("--parser", "parsers", multiple=True, help="A parser to replay with (repeatable).")
@click.option("--all-parsers", is_flag=True, help="Every tool parser of the installed Dynamo (default).")
@click.option("--stream/--no-stream", default=True, show_default=True,
              help="Also replay streaming and compare with non-streaming.")
@click.option("--request", "request_path", type=click.Path(path_type=str),
              help="The request body (its tools matter to some parsers); a bundle has it.")
@click.option("--tokenizer", type=click.Path(path_type=str),
              help="The model's tokenizer, to replay the exact token ids (a bundle has it).")
@click.option("--reasoning-parser", help="Reasoning parser to serve alongside.")
@click.option("--chunk-size", default=2, show_default=True, help="Tokens per worker yield.")
@click.option("--dynamo-version", help="Replay on this ai-dynamo release (a cached environment, "
              "installed the first time) instead of the installed one.")
@click.option("--python", help="Replay with the ai-dynamo of this interpreter.")
@click.option("--parser-version", type=click.Choice(["1", "2", "auto"]),
              help="DYN_PARSER_VERSION for the replay, where the release has it.")
@click.option("--split-sweep", "split_sweep", type=click.IntRange(0, 1000), is_flag=False,
              flag_value=20, default=None, metavar="[N]",
              help="Stream the exact tokens under many chunkings (1 token per chunk, every size up "
                   "to 8, and N seeded random 1-4 splits, default 20) through one parser and "
                   "report each chunking whose result differs from non-streaming.")
@click.option("--seed", default=0, show_default=True, help="Seed of the random splits.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def replay(source: str, parsers: tuple[str, ...], all_parsers: bool, stream: bool,
           request_path: str | None, tokenizer: str | None, reasoning_parser: str | None,
           chunk_size: int, dynamo_version: str | None, python: str | None,
           parser_version: str | None, split_sweep: int | None, seed: int, as_json: bool) -> None:
    """Re-run the raw output of SOURCE (a bundle or a response.json) through Dynamo's real parsers."""
    import sys

    from ..replay.cli_support import load_replay_input, print_replay_table, run_replay
    from .output import print_json

    if parsers and all_parsers:
        raise click.UsageError("give --parser or --all-parsers, not both")
    if dynamo_version and python:
        raise click.UsageError("give --dynamo-version or --python, not both")
    if dynamo_version:
        from ..release.envs import ensure_release

        python = ensure_release(dynamo_version, lambda s: click.echo(f"[replay] {s}", err=True))
    loaded = load_replay_input(source, request_path, tokenizer)
    if split_sweep is not None:
        from ..replay.cli_support import print_sweep, run_sweep

        sweep = run_sweep(loaded, parsers, all_parsers, reasoning_parser or loaded.reasoning_parser,
                          split_sweep, seed, python or sys.executable, parser_version)
        if as_json:
            print_json({"raw_output": loaded.raw.text, "script": loaded.script_kind,
                        "split_sweep": sweep.to_dict()})
        else:
            print_sweep(sweep)
        return
    results, release = run_replay(loaded, list(parsers), stream,
                                  reasoning_parser or loaded.reasoning_parser, chunk_size,
                                  python or sys.executable, parser_version)
    if as_json:
        print_json({"raw_output": loaded.raw.text, "raw_source": loaded.raw.source,
                    "script": loaded.script_kind, "configured_parser": loaded.parser,
                    "release": release.to_dict(), "results": results})
    else:
        click.echo(f"replayed on {release.label}" + (f", DYN_PARSER_VERSION={parser_version}"
                                                      if parser_version else ""))
        print_replay_table(loaded, results, stream)
