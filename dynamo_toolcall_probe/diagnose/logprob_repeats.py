"""Logprob entries a release reports twice: undo the repeat before the raw output is rebuilt.

Measured (scripts/release_knowledge.py): with a tool parser that holds a call back until it is
complete (the `<tool_call>` parsers), releases 1.2 to 1.5 return the logprob entries of the chunk
that ends a call twice when the engine yields several tokens per chunk (55 entries for 53 tokens
at 2 tokens per chunk, `</tool_call>\n` twice; none at 1 token per chunk). Joined as Dynamo's
troubleshooting page says, that puts a second end marker into the "raw output" and a strict parse
then sees text the model never wrote.

Only for a release whose measured logprobs hold more entries than tokens: an adjacent run of
entries (at most one chunk) that repeats exactly, token ids included, and holds a tool-call end
marker, is taken once. The raw output is then marked not byte-exact, with a note saying what was
dropped and why, since the repair is an inference from the release's measured behaviour.
"""

from __future__ import annotations

import copy
from typing import Any

from ..formats import registry
from ..reconstruct import first_choice, logprob_entries

MAX_CHUNK = 8  # tokens per engine chunk considered


def _end_markers() -> tuple[str, ...]:
    return tuple(m for m in {registry.get_spec(f).end_marker for f in registry.family_names()} if m)


def _key(entry: dict[str, Any]) -> tuple:
    return (entry.get("token_id"), entry.get("token"), tuple(entry.get("bytes") or ()))


def repeats_chunks(knowledge) -> bool:
    facts = knowledge.logprobs() if knowledge is not None else {}
    got, tokens = facts.get("entries_with_tool_parser"), facts.get("tokens")
    return isinstance(got, int) and isinstance(tokens, int) and got > tokens


def drop_repeated_chunks(response: dict[str, Any], knowledge,
                         configured_parser: str | None) -> tuple[dict[str, Any], str | None]:
    """(response with the repeats dropped, a note), or (response, None) when nothing applies."""
    entries = logprob_entries(response)
    if not entries or not configured_parser or configured_parser == "none" \
            or not repeats_chunks(knowledge):
        return response, None
    markers, keys = _end_markers(), [_key(e) for e in entries]
    kept, dropped, i = [], [], 0
    while i < len(entries):
        for size in range(1, MAX_CHUNK + 1):
            run = keys[i:i + size]
            text = "".join(str(e.get("token") or "") for e in entries[i:i + size])
            if len(run) == size and keys[i + size:i + 2 * size] == run and \
                    any(m in text for m in markers):
                kept += entries[i:i + size]
                dropped.append(text)
                i += 2 * size
                break
        else:
            kept.append(entries[i])
            i += 1
    if not dropped:
        return response, None
    repaired = copy.deepcopy(response)
    first_choice(repaired)["logprobs"]["content"] = kept
    shown = ", ".join(repr(t) for t in dropped[:3])
    return repaired, (f"dropped {len(entries) - len(kept)} logprob entries that repeat the chunk "
                      f"ending a call ({shown}): {knowledge.label} reports that chunk twice with "
                      "a tool parser (measured); the raw output is rebuilt without the repeat")
