"""`dynamo-probe bisect BUNDLE`: which Dynamo releases parse this raw output right."""

from __future__ import annotations

import click


def _pythons(items: tuple[str, ...]) -> dict[str, str]:
    from ..errors import BadInput

    out = {}
    for item in items:
        version, sep, path = item.partition("=")
        if not sep or not version or not path:
            raise BadInput(f"--python {item!r}: expected VERSION=PATH (e.g. 1.5.1=/opt/venv/bin/python)")
        out[version.strip()] = path.strip()
    return out


def _versions(versions: str | None, all_releases: bool, pythons: dict[str, str]) -> list[str]:
    from ..errors import BadInput
    from ..release import version_key
    from ..release.knowledge import measured_versions

    known = measured_versions()
    if versions and all_releases:
        raise BadInput("give --versions or --all, not both")
    if all_releases:
        return known
    if versions:
        chosen = [v.strip() for v in versions.split(",") if v.strip()]
        for v in chosen:
            version_key(v)
        return chosen
    if pythons:
        return sorted(pythons, key=version_key)
    latest: dict[tuple[int, int], str] = {}  # default: the newest patch of every minor release
    for v in known:
        latest[version_key(v)[:2]] = v
    return sorted(latest.values(), key=version_key)


@click.command()
@click.argument("source", type=click.Path(path_type=str))
@click.option("--versions", help="Comma-separated ai-dynamo releases, e.g. 1.3.1,1.5.1,1.6.1 "
              "(default: the newest patch of every measured minor release).")
@click.option("--all", "all_releases", is_flag=True, help="Every release the probe has measured.")
@click.option("--parser", help="The tool parser to replay (default: the bundle's configured one).")
@click.option("--reasoning-parser", help="Reasoning parser to serve alongside (default: the bundle's).")
@click.option("--parser-version", type=click.Choice(["1", "2", "auto"]),
              help="DYN_PARSER_VERSION for every release that has it.")
@click.option("--python", "pythons", multiple=True, metavar="VERSION=PATH",
              help="Reuse an existing interpreter for a release instead of the cached one.")
@click.option("--request", "request_path", type=click.Path(path_type=str),
              help="The request body (a bundle has it).")
@click.option("--tokenizer", type=click.Path(path_type=str),
              help="The model's tokenizer, to replay the exact token ids (a bundle has it).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def bisect(source: str, versions: str | None, all_releases: bool, parser: str | None,
           reasoning_parser: str | None, parser_version: str | None, pythons: tuple[str, ...],
           request_path: str | None, tokenizer: str | None, as_json: bool) -> None:
    """Replay SOURCE's raw output through one parser on several Dynamo releases.

    Each release is installed once into a cached environment (uv if present, else pip) under
    ~/.cache/dynamo-toolcall-probe; later runs reuse it.
    """
    from ..diagnose.detect import detect_formats
    from ..diagnose.forced import forced_calls
    from ..errors import BadInput, EnvironmentProblem
    from ..formats.registry import PARSER_FAMILIES
    from ..replay.bisect import bisect as run_bisect
    from ..replay.cli_support import load_replay_input
    from .output import print_bisect, print_json

    chosen_pythons = _pythons(pythons)
    chosen = _versions(versions, all_releases, chosen_pythons)
    loaded = load_replay_input(source, request_path, tokenizer)
    parser = parser or loaded.parser
    if not parser or parser == "none":
        raise BadInput("no tool parser to replay: pass --parser (the bundle records none)")
    tools = (loaded.request or {}).get("tools")
    reasoning = reasoning_parser or loaded.reasoning_parser
    forced = forced_calls(loaded.raw.text, loaded.request, reasoning)
    if forced is not None:  # a forced tool_choice's JSON shape: read as such on every release
        expected = [{"name": c.name, "arguments": c.arguments} for c in forced]
    else:
        detected = detect_formats(loaded.raw.text, tools if isinstance(tools, list) else None,
                                  reasoning, PARSER_FAMILIES.get(parser))
        expected = ([{"name": c.name, "arguments": c.arguments} for c in detected[0].extraction.calls]
                    if detected else [])
    say = (lambda s: None) if as_json else (lambda s: click.echo(f"[bisect] {s}", err=True))
    result = run_bisect(loaded.script, parser, chosen, expected, loaded.request, loaded.model_dir,
                        reasoning_parser or loaded.reasoning_parser, parser_version,
                        chosen_pythons, say)
    if as_json:
        print_json(result.to_dict())
    else:
        print_bisect(result)
    if not any(r.matches_expected is not None for r in result.rows):
        raise EnvironmentProblem("no release could be replayed: " +
                                 "; ".join(f"{r.version}: {r.error}" for r in result.rows))
