"""Loading what `dynamo-probe replay` replays, and printing its table."""

from __future__ import annotations

import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BadInput, ProbeError
from ..inputs import check_response, load_request, parse_json, read_bytes
from ..reconstruct import RawOutput, logprob_entries, reconstruct, tokenizer_decoder


@dataclass
class ReplayInput:
    raw: RawOutput
    script: dict[str, Any]
    script_kind: str  # "token_ids" (exact, the model's own tokenizer) or "text"
    request: dict[str, Any] | None
    model_dir: Path | None
    parser: str | None
    reasoning_parser: str | None


def load_replay_input(source: str, request_path: str | None, tokenizer: str | None) -> ReplayInput:
    path = Path(source)
    meta: dict[str, Any] = {}
    if path.is_dir():
        if not (path / "response.json").exists():
            raise BadInput(f"{path} is not a bundle (no response.json)")
        if (path / "metadata.json").exists():
            meta = json.loads((path / "metadata.json").read_text())
        if request_path is None and (path / "request.json").exists():
            request_path = str(path / "request.json")
        if tokenizer is None and (path / "tokenizer" / "tokenizer.json").exists():
            tokenizer = str(path / "tokenizer")
        path = path / "response.json"
    response = parse_json(read_bytes(path, "response"), "response")
    check_response(response)
    request = load_request(request_path)[0] if request_path else None
    decode = tokenizer_decoder(tokenizer) if tokenizer else None
    raw = reconstruct(response, decode)
    if not raw.text:
        raise BadInput("no raw output to replay: the response has neither logprobs nor content")
    model_dir = None
    script: dict[str, Any] = {"text": raw.text, "finish_reason": _finish(response)}
    kind = "text"
    entries = logprob_entries(response) or []
    ids = [e.get("token_id") for e in entries]
    if tokenizer and ids and all(isinstance(i, int) for i in ids):
        from .modeldir import model_dir_from_files

        model_dir = model_dir_from_files(tokenizer, Path(tempfile.mkdtemp(prefix="probe-model-")))
        script = {"token_ids": ids, "finish_reason": _finish(response)}
        kind = "token_ids"
    return ReplayInput(raw, script, kind, request, model_dir, meta.get("configured_parser"),
                       meta.get("reasoning_parser"))


def _finish(response: dict[str, Any]) -> str:
    finish = (response.get("choices") or [{}])[0].get("finish_reason")
    return finish if finish in ("stop", "length") else "stop"


def run_replay(loaded: ReplayInput, parsers: list[str], stream: bool,
               reasoning_parser: str | None, chunk_size: int, python: str = sys.executable,
               parser_version: str | None = None):
    """(results, release): every parser asked for (default: all the release has) on the
    ai-dynamo of `python`."""
    from ..release.capabilities import installed_capabilities
    from .run import installed_parser_names, replay_parsers

    known = installed_parser_names(python)
    caps = installed_capabilities(python, parser_version)
    unknown = [p for p in parsers if p not in known]
    if unknown:
        raise BadInput(f"unknown tool parser(s) for ai-dynamo {caps.release.version}: "
                       f"{', '.join(unknown)}; valid: {', '.join(known)}")
    if parser_version is not None:
        try:
            caps.parser_version_env_change(parser_version)
        except ProbeError as exc:
            raise BadInput(str(exc)) from None
    script = dict(loaded.script, chunk_size=max(1, chunk_size))
    return replay_parsers(script, parsers or known, loaded.request, loaded.model_dir, stream,
                          reasoning_parser, python=python, parser_version=parser_version), caps.release


def _calls_text(calls: list[dict[str, Any]] | None) -> str:
    if not calls:
        return "-"
    return "; ".join(f"{c.get('name')}({c.get('arguments')})" for c in calls)


def print_replay_table(loaded: ReplayInput, results: list[dict[str, Any]], stream: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    console.print(f"raw output ({loaded.raw.source}, replayed as {loaded.script_kind}):",
                  markup=False)
    console.print(loaded.raw.text, markup=False)
    table = Table(show_lines=False)
    for col in ("parser", "tool_calls", "content", "finish"):
        table.add_column(col, overflow="fold")
    if stream:
        table.add_column("stream = non-stream")
    for r in results:
        mark = "*" if r["parser"] == loaded.parser else ""
        if r.get("error"):
            row = [r["parser"] + mark, f"error: {r['error'][:80]}", "", ""]
        else:
            content = r.get("content")
            row = [r["parser"] + mark, _calls_text(r.get("tool_calls")),
                   "-" if content in (None, "") else json.dumps(content, ensure_ascii=False)[:60],
                   str(r.get("finish_reason"))]
        if stream:
            row.append("" if r.get("error") else ("yes" if r.get("agree") else "NO"))
        table.add_row(*row)
    console.print(table)
    if loaded.parser:
        console.print(f"* the configured parser ({loaded.parser})", markup=False)


def run_sweep(loaded: ReplayInput, parsers: tuple[str, ...] | list[str], all_parsers: bool,
              reasoning_parser: str | None, random_runs: int, seed: int, python: str,
              parser_version: str | None):
    """The split sweep of one parser: --parser P, else the bundle's configured parser."""
    from .run import installed_parser_names
    from .sweep import split_sweep

    if all_parsers or len(parsers) > 1:
        raise BadInput("--split-sweep replays one parser: give one --parser")
    parser = parsers[0] if parsers else loaded.parser
    if not parser or parser == "none":
        raise BadInput("--split-sweep needs a parser: give --parser (the source records none)")
    known = installed_parser_names(python)
    if parser not in known:
        raise BadInput(f"unknown tool parser {parser!r}; valid: {', '.join(known)}")
    return split_sweep(loaded.script, parser, loaded.request, loaded.model_dir, reasoning_parser,
                       random_runs, seed, python, parser_version)


def print_sweep(sweep) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    console.print(sweep.summary, markup=False)
    if not sweep.diverged:
        return
    table = Table()
    for col in ("chunking", "difference", "first chunks"):
        table.add_column(col, overflow="fold")
    for d in sweep.diverged:
        table.add_row(d["chunking"], d["difference"], " | ".join(map(repr, d["first_chunks"][:4])))
    console.print(table)
