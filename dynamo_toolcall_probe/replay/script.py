"""What the scripted "model" says: a replay script, and how it becomes per-token output.

A script is JSON: `{"text": "..."}` or `{"token_ids": [...]}`, plus optional `finish_reason`
("stop"), `chunk_size` (tokens per yield, 1..n; the streaming jail depends on it) and
`chunk_sizes` (an explicit list, cycled) and `delay_s` (seconds before each chunk: a slow engine). Scripts live in a directory, one file per served name
(`<name>.json`, name made file-safe) with `default.json` as fallback, and are re-read on every
request so tests can change what the model says without restarting the stack.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any


def script_file(scripts_dir: Path, served_name: str) -> Path:
    return Path(scripts_dir) / (re.sub(r"[^A-Za-z0-9._-]", "_", served_name) + ".json")


def write_script(scripts_dir: Path, served_name: str | None, script: dict[str, Any]) -> Path:
    """Write atomically, so a request in flight never reads half a script."""
    target = Path(scripts_dir) / "default.json" if served_name is None else script_file(scripts_dir, served_name)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text(json.dumps(script, ensure_ascii=False))
    tmp.replace(target)
    return target


def read_script(scripts_dir: Path, served_name: str) -> dict[str, Any]:
    for path in (script_file(scripts_dir, served_name), Path(scripts_dir) / "default.json"):
        if path.exists():
            return json.loads(path.read_text())
    return {"text": "", "finish_reason": "stop"}


def _byte_decoder() -> dict[str, int]:
    """The inverse of GPT-2's byte-to-unicode table used by byte-level BPE vocabularies."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {chr(c): b for b, c in zip(bs, cs)}


class TokenBytes:
    """Exact raw bytes of each token id (what an engine reports in top_logprobs `bytes`)."""

    def __init__(self, tokenizer) -> None:
        self.tok = tokenizer
        self.decoder = _byte_decoder()
        self.added = {t.content for t in tokenizer.get_added_tokens_decoder().values()}

    def __call__(self, token_id: int) -> tuple[str, list[int]]:
        piece = self.tok.id_to_token(token_id)
        if piece is None:
            return "", []
        if piece in self.added or any(ch not in self.decoder for ch in piece):
            data = piece.encode()
        else:
            data = bytes(self.decoder[ch] for ch in piece)
        return data.decode("utf-8", errors="replace"), list(data)


def token_ids_of(script: dict[str, Any], tokenizer) -> list[int]:
    if "token_ids" in script:
        return [int(i) for i in script["token_ids"]]
    return tokenizer.encode(script.get("text", ""), add_special_tokens=False).ids


def chunked(ids: list[int], script: dict[str, Any]) -> list[list[int]]:
    sizes = script.get("chunk_sizes") or [max(1, int(script.get("chunk_size", 1)))]
    out, pos, i = [], 0, 0
    while pos < len(ids):
        size = max(1, int(sizes[i % len(sizes)]))
        out.append(ids[pos:pos + size])
        pos += size
        i += 1
    return out


def check_script(script: Any, where: str = "replay script") -> dict[str, Any]:
    """The script, or BadInput saying what is wrong with it (before any process starts)."""
    from ..errors import BadInput

    if not isinstance(script, dict):
        raise BadInput(f"{where}: expected a JSON object")
    text, ids = script.get("text"), script.get("token_ids")
    if (text is None) == (ids is None):
        raise BadInput(f"{where}: give exactly one of \"text\" (a string) or \"token_ids\"")
    if text is not None and not isinstance(text, str):
        raise BadInput(f"{where}: \"text\" must be a string")
    if ids is not None and not (isinstance(ids, list) and all(
            isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in ids)):
        raise BadInput(f"{where}: \"token_ids\" must be a list of non-negative integers")
    for key in ("chunk_size",):
        if key in script and not (isinstance(script[key], int) and script[key] >= 1):
            raise BadInput(f"{where}: \"{key}\" must be an integer >= 1")
    sizes = script.get("chunk_sizes")
    if sizes is not None and not (isinstance(sizes, list) and sizes and all(
            isinstance(n, int) and n >= 1 for n in sizes)):
        raise BadInput(f"{where}: \"chunk_sizes\" must be a non-empty list of integers >= 1")
    if "finish_reason" in script and not isinstance(script["finish_reason"], str):
        raise BadInput(f"{where}: \"finish_reason\" must be a string")
    delay = script.get("delay_s", 0)
    if not isinstance(delay, (int, float)) or isinstance(delay, bool) or delay < 0:
        raise BadInput(f"{where}: \"delay_s\" must be a number >= 0")
    return script
