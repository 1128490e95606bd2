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
