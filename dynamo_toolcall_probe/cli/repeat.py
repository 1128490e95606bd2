"""`--repeat N [--temperature T]` for attach and probe-launch: the options and the verdict table."""

from __future__ import annotations

from typing import Any

import click


def repeat_options(func):
    func = click.option("--temperature", type=click.FloatRange(0.0, 2.0),
                        help="Sampling temperature of every repro (default: the request's own).")(func)
    return click.option("--repeat", type=click.IntRange(1, 1000), default=1, show_default=True,
                        help="Run the repro N times and print a verdict table; the bundle of "
                             "the first run of each verdict is kept (OUT/run-<i>-<verdict>/), "
                             "the exit code is the worst verdict's.")(func)


def print_repeat(summary, extra: dict[str, Any] | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    data = summary.to_dict()
    console = Console(highlight=False, soft_wrap=True)
    temp = f" at temperature {data['temperature']}" if data["temperature"] is not None else ""
    table = Table(title=f"{data['runs']} runs{temp}", title_justify="left")
    table.add_column("verdict", style="bold")
    table.add_column("runs", justify="right")
    table.add_column("rate", justify="right")
    table.add_column("kept bundle")
    for row in data["table"]:
        table.add_row(row["verdict"], f"{row['count']}/{data['runs']}", f"{row['rate']:.0%}",
                      data["bundles"].get(row["verdict"]) or "")
    console.print(table)
    if data["worst"]:
        fix = next(r["fix"] for r in data["per_run"] if r["verdict"] == data["worst"])
        console.print(f"worst verdict: {data['worst']} (exit {data['exit_code']}); fix: {fix}",
                      markup=False)
    for run in data["per_run"]:
        if run["error"]:
            console.print(f"run {run['run']}: error: {run['error']}", markup=False)
    for key, value in (extra or {}).items():
        console.print(f"{key}: {value}", markup=False)


def launch_repeated(request, options, repeat: int, temperature, as_json: bool) -> None:
    """Each repeat is a whole launch (a fresh stack, the same flags); for engines with long
    loads, `--keep-serving` once and then `dynamo-probe attach --repeat N` is faster."""
    import dataclasses

    from ..capture.repeat import run_repeated
    from ..errors import BadInput
    from ..launch.run import run_launch
    from .output import print_json

    if request.keep_serving:
        raise BadInput("--repeat and --keep-serving do not go together: keep it serving once, "
                       "then run `dynamo-probe attach --repeat N` against it")
    say = (lambda _: None) if as_json else (lambda line: click.echo(line, err=True))
    summary = run_repeated(repeat, lambda i, bundle: run_launch(
        request, dataclasses.replace(options, out=bundle)), options.out, temperature, say)
    if as_json:
        print_json({"repeat": summary.to_dict(), "out": options.out})
    else:
        print_repeat(summary, {"out": options.out})
    raise click.exceptions.Exit(summary.exit_code)
