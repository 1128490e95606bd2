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
        console.print(f"worst verdict: [bold]{data['worst']}[/] (exit {data['exit_code']}); "
                      f"fix: {fix}", markup=True)
    for run in data["per_run"]:
        if run["error"]:
            console.print(f"run {run['run']}: error: {run['error']}", markup=False)
    for key, value in (extra or {}).items():
        console.print(f"{key}: {value}", markup=False)
