"""Proof for a launch's verdict: the raw output replayed through every installed Dynamo parser.

A `parser_config` verdict then names the parsers that really extract the calls, and a
`parser_logic` verdict says whether the configured parser reproduces the bad response. Replay
runs on CPU with this interpreter's ai-dynamo (the replay worker emits the exact token ids when
the model's tokenizer is at hand). It is best effort: without it the verdict still stands on the
strict parse, and the bundle says why the proof is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ProbeError
from ..verdicts import Verdict

PROVABLE = (Verdict.PARSER_CONFIG, Verdict.PARSER_LOGIC)


def replay_proof(diagnosis, request: dict[str, Any], tokenizer_dir: Path | None,
                 say: Callable[[str], None], python: str | None = None,
                 parser_version: str | None = None, force: bool = False,
                 ) -> tuple[list[dict[str, Any]] | None, str | None]:
    """(replay results, None), or (None, why there is no proof). `python`: the interpreter
    whose ai-dynamo the deployment runs (the launch's), so the proof replays that release.
    `force`: replay whatever the verdict (attach infers an unknown parser configuration)."""
    import sys

    python = python or sys.executable
    if not force and diagnosis.verdict not in PROVABLE:
        return None, None
    from ..replay.run import installed_parser_names, replay_parsers
    from ..replay.stack import require_dynamo

    try:
        require_dynamo(python)
    except ProbeError as exc:
        return None, (f"replay proof: {exc} (or run `dynamo-probe replay BUNDLE --all-parsers` "
                      "where ai-dynamo is installed)")

    raw = diagnosis.raw
    exact_ids = raw.token_ids is not None and tokenizer_dir is not None and \
        (tokenizer_dir / "tokenizer.json").exists()
    script: dict[str, Any] = {"token_ids": raw.token_ids} if exact_ids else {"text": raw.text}
    script["chunk_size"] = 2
    try:
        parsers = installed_parser_names(python)
        say(f"replaying the raw output through all {len(parsers)} Dynamo tool parsers "
            f"({'exact token ids' if exact_ids else 'text, built-in tokenizer'})")
        return replay_parsers(script, parsers, request,
                              model_dir=tokenizer_dir if exact_ids else None,
                              reasoning_parser=diagnosis.reasoning_parser, python=python,
                              parser_version=parser_version), None
    except ProbeError as exc:
        return None, f"replay proof: {exc}"


STREAM_DIFFERENCES = ("stream_divergence",)
SHORT_SWEEP = 6  # random splits on top of the 8 uniform ones: a few seconds on a loaded CPU


def sweep_proof(diagnosis, request: dict[str, Any], tokenizer_dir: Path | None,
                say: Callable[[str], None], python: str | None = None,
                parser_version: str | None = None,
                random_runs: int = SHORT_SWEEP) -> tuple[dict[str, Any] | None, str | None]:
    """When the streamed reply differed from the non-streaming one: the split sweep of the
    configured parser on the exact tokens. (sweep, None), (None, why not), or (None, None)."""
    import sys

    parser = diagnosis.configured_parser
    if not any(f.check in STREAM_DIFFERENCES for f in diagnosis.findings):
        return None, None
    if not parser or parser == "none":
        return None, "split sweep: no configured parser to sweep"
    from ..replay.sweep import split_sweep

    raw = diagnosis.raw
    exact_ids = raw.token_ids is not None and tokenizer_dir is not None and \
        (tokenizer_dir / "tokenizer.json").exists()
    script: dict[str, Any] = {"token_ids": raw.token_ids} if exact_ids else {"text": raw.text}
    say(f"streaming differed: sweeping {parser} over many chunkings of the same tokens")
    try:
        return split_sweep(script, parser, request, tokenizer_dir if exact_ids else None,
                           diagnosis.reasoning_parser, random_runs,
                           python=python or sys.executable,
                           parser_version=parser_version).to_dict(), None
    except ProbeError as exc:
        return None, f"split sweep: {exc}"


def prove_with_replays(diagnosis, request: dict[str, Any], tokenizer_dir: Path | None,
                       say: Callable[[str], None], python: str | None = None,
                       parser_version: str | None = None, force: bool = False,
                       ) -> tuple[list[dict[str, Any]] | None, str | None]:
    """Both proofs a verdict can have: every parser on the raw output (a parser verdict), and
    the split sweep of the configured parser (a streaming difference), which is merged into the
    diagnosis here. (replay results, why a proof is missing)."""
    replay, no_proof = replay_proof(diagnosis, request, tokenizer_dir, say, python,
                                    parser_version, force)
    sweep, no_sweep = sweep_proof(diagnosis, request, tokenizer_dir, say, python, parser_version)
    if sweep is not None:
        diagnosis.add_split_sweep(sweep)
    return replay, "; ".join(w for w in (no_proof, no_sweep) if w) or None
