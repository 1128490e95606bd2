"""Split-invariance sweep: the same tokens, streamed through the real frontend in many chunkings.

A streaming parser must give the same calls whatever chunks the engine's tokens arrive in. One
chunking proves little: Dynamo 1.6.1's pythonic parser loses a call only when the first chunk
carries 3 tokens, and SGLang reports 71-91% loss on random 1-4 token splits (#31915); vLLM now
tests split invariance (PR #55079). The sweep replays the exact tokens once non-streaming (the
reference) and then streaming under one token per chunk, every uniform size up to 8, and N
seeded random 1-4 splits, all against one frontend and one served model, and reports each
chunking whose assembled result differs, with the chunk boundaries it used.
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

UNIFORM = range(1, 9)
RANDOM_SIZES = (1, 4)


@dataclass
class Chunking:
    label: str
    sizes: list[int]  # tokens per chunk, in order (the last chunk may hold fewer)


def chunkings(token_count: int, random_runs: int, seed: int = 0) -> list[Chunking]:
    out = [Chunking("1 token per chunk" if n == 1 else f"{n} tokens per chunk", [n])
           for n in UNIFORM]
    rng = random.Random(seed)
    for run in range(random_runs):
        sizes, total = [], 0
        while total < max(token_count, 1):
            sizes.append(rng.randint(*RANDOM_SIZES))
            total += sizes[-1]
        out.append(Chunking(f"random 1-4 #{run + 1} (seed {seed})", sizes))
    return out


@dataclass
class SweepResult:
    parser: str
    tried: int
    reference: dict[str, Any]  # the non-streaming summary (tool_calls, content, finish_reason)
    diverged: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"parser": self.parser, "tried": self.tried, "reference": self.reference,
                "diverged": self.diverged}

    @property
    def summary(self) -> str:
        if not self.diverged:
            return f"split sweep with {self.parser}: all {self.tried} chunkings agree with non-streaming"
        shown = ", ".join(d["chunking"] for d in self.diverged[:4])
        more = f" and {len(self.diverged) - 4} more" if len(self.diverged) > 4 else ""
        return (f"split sweep with {self.parser}: {len(self.diverged)} of {self.tried} chunkings "
                f"differ from non-streaming ({shown}{more})")


def _difference(reference: dict[str, Any], streamed: dict[str, Any]) -> str:
    from .run import _norm

    parts = []
    for key in ("tool_calls", "content", "finish_reason"):
        if _norm(reference.get(key)) != _norm(streamed.get(key)):
            parts.append(f"{key}: non-streaming {_short(reference.get(key))}, streamed "
                         f"{_short(streamed.get(key))}")
    return "; ".join(parts)


def _short(value: Any, limit: int = 120) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def split_sweep(script: dict[str, Any], parser: str, request: dict[str, Any] | None,
                model_dir: Path | None = None, reasoning_parser: str | None = None,
                random_runs: int = 20, seed: int = 0, python: str = sys.executable,
                parser_version: str | None = None, timeout: float = 60.0) -> SweepResult:
    """Replay `script` (text or token ids) through `parser` under every chunking."""
    from tokenizers import Tokenizer

    from ..capture.http import send_chat
    from .run import _summary, replay_request, same_result
    from .script import chunked, token_ids_of
    from .stack import ReplayStack, ServedModel

    name = f"sweep-{parser}"
    with ReplayStack([ServedModel(name, parser, reasoning_parser)], model_dir=model_dir,
                     timeout=timeout, python=python, parser_version=parser_version) as stack:
        tokenizer = Tokenizer.from_file(str(stack.model_dir / "tokenizer.json"))
        ids = token_ids_of(script, tokenizer)
        decode = lambda part: tokenizer.decode(part, skip_special_tokens=False)  # noqa: E731
        body = replay_request(request, name)
        finish = script.get("finish_reason", "stop")
        stack.set_script(name, {"token_ids": ids, "chunk_size": 1, "finish_reason": finish})
        plain = send_chat(stack.base_url, body, stream=False)
        reference = _summary(plain.body) if plain.ok else {"error": f"HTTP {plain.status}"}
        tried = chunkings(len(ids), random_runs, seed)
        result = SweepResult(parser, len(tried), reference)
        for chunking in tried:
            stack.set_script(name, {"token_ids": ids, "chunk_sizes": chunking.sizes,
                                    "finish_reason": finish})
            streamed = send_chat(stack.base_url, body, stream=True)
            got = _summary(streamed.body) if streamed.ok else {"error": f"HTTP {streamed.status}"}
            if not same_result(reference, got):
                # the text of each chunk, cut as the replay worker yields them
                pieces = [decode(part) for part in chunked(ids, {"chunk_sizes": chunking.sizes})]
                result.diverged.append({
                    "chunking": chunking.label, "chunk_sizes": chunking.sizes[:64],
                    "difference": _difference(reference, got),
                    "first_chunks": pieces[:6],
                    "boundaries": _boundaries(pieces)[:64]})
    return result


def _boundaries(pieces: list[str]) -> list[int]:
    """Character offsets in the raw output where one chunk ends and the next begins."""
    out, pos = [], 0
    for piece in pieces[:-1]:
        pos += len(piece)
        out.append(pos)
    return out
