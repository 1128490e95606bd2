"""Printing a diagnosis: a short verdict table for people, one JSON object for machines."""

from __future__ import annotations

import json
from typing import Any

import click

from ..verdicts import Verdict

VERDICT_COLOURS = {Verdict.OK: "green", Verdict.MODEL: "yellow", Verdict.PARSER_CONFIG: "red",
                   Verdict.PARSER_LOGIC: "magenta", Verdict.INCONCLUSIVE: "cyan",
                   Verdict.TEMPLATE: "blue"}


def print_json(obj: Any) -> None:
    click.echo(json.dumps(obj, indent=2, ensure_ascii=False))


def _short(value: Any, limit: int = 120) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def print_diagnosis(diagnosis, bundle_path: str | None = None) -> None:
    from rich.console import Console
    from rich.table import Table

    d = diagnosis.to_dict()
    console = Console(highlight=False, soft_wrap=True)
    colour = VERDICT_COLOURS.get(diagnosis.verdict, "white")
    table = Table(show_header=False, box=None, padding=(0, 1))
    table.add_column(style="bold")
    table.add_column()
    table.add_row("verdict", f"[{colour} bold]{d['verdict']}[/]")
    table.add_row("fix", d["fix"])
    table.add_row("raw output", f"{d['raw_source']} ({'byte-exact' if d['exact'] else 'not exact'})")
    fams = ", ".join(f["family"] for f in d["detected_formats"]) or "no tool-call format found"
    table.add_row("format", fams)
    source = d.get("configured_parser_source")
    parser = d["configured_parser"] or "unknown (pass --parser)"
    if source == "inferred" and d["detected_formats"]:
        parser = f"not a {d['detected_formats'][0]['family']} parser"
    table.add_row("parser", str(parser) + (f" ({source})" if source else ""))
    if d["suggested_parsers"]:
        table.add_row("compatible", ", ".join(d["suggested_parsers"]))
    table.add_row("expected", _short(d["expected_tool_calls"]))
    table.add_row("returned", _short(d["observed_tool_calls"]))
    prompt = d.get("prompt")
    if prompt:
        missing = [t["name"] for t in prompt["tools"] if not t["in_prompt"]]
        shown = f"{len(prompt['tools']) - len(missing)}/{len(prompt['tools'])} tools shown"
        table.add_row("prompt", shown + (f" (missing: {', '.join(missing[:5])})" if missing else ""))
    stream = d.get("stream")
    if stream:
        table.add_row("stream", f"{stream['chunks']} chunk(s)"
                      + (", compared with the non-streaming body" if stream["compared_with_non_streaming"] else ""))
    if bundle_path:
        table.add_row("bundle", bundle_path)
    console.print(table)
    _print_engine_view(console, d.get("engine_view"))
    console.print("[bold]evidence[/]")
    for line in d["evidence"]:
        console.print(f"  - {line}", markup=False)


def _print_engine_view(console, view: dict[str, Any] | None) -> None:
    """At most three lines: the full comparison is in diagnosis.json and REPORT.md."""
    if view is None:
        return
    diffs = view["differences"]
    if not diffs:
        console.print(f"[bold]engine vs frontend[/] {view['summary']}")
        return
    console.print(f"[bold]engine vs frontend[/] {len(diffs)} difference(s)")
    shown = diffs if len(diffs) <= 2 else diffs[:1]
    for diff in shown:
        console.print(f"  - {diff['kind']}: {_short(diff['message'], 160)}", markup=False)
    if len(diffs) > len(shown):
        console.print(f"  - and {len(diffs) - len(shown)} more: "
                      + ", ".join(x["kind"] for x in diffs[len(shown):]), markup=False)


def print_bisect(result) -> None:
    """One row per release: what the parser returned and whether it is the expected calls."""
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    console.print(f"expected with {result.parser}: {_short(result.expected)}", markup=False)
    table = Table()
    for col in ("release", "tool_calls", "content", "finish", "matches", "stream", "s"):
        table.add_column(col, overflow="fold")
    yes_no = {True: "yes", False: "NO", None: "-"}
    for row in result.rows:
        if row.error:
            table.add_row(row.version, f"not replayed: {_short(row.error, 80)}", "", "", "-", "-",
                          str(row.seconds))
            continue
        content = "-" if row.content in (None, "") else _short(row.content, 50)
        table.add_row(row.version, _short(row.tool_calls or "-", 60), content,
                      str(row.finish_reason), yes_no[row.matches_expected],
                      yes_no[row.stream_matches], str(row.seconds))
    console.print(table)
    console.print(result.conclusion, markup=False)
