"""Raw model output from a chat-completion response: which bytes the engine really produced.

Dynamo's recipe joins `logprobs.content[].bytes`. That is exact unless a token holds part of a
multi-byte character (the frontend decodes one token at a time, so such a token comes back as
U+FFFD, bytes [239,191,189]) or an entry has `bytes: null` (special tokens such as EOS). We join
the bytes first, decode UTF-8 once, and where entries are lossy recover the exact text from, in
order of trust: token ids recorded inside the worker (the hook), `top_logprobs[0].bytes` when it
is the chosen token, the entries' `token_id`s decoded with the model's tokenizer, and
`nvext.completion_token_ids`. Without logprobs we fall back to `message.content` and say so.

Pure: callers pass a `decode` function (token ids -> text) when a tokenizer is available.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

REPLACEMENT_BYTES = [239, 191, 189]  # U+FFFD as UTF-8

# Where the raw text came from, most trusted first.
SOURCE_WORKER = "worker_token_ids"
SOURCE_LOGPROBS = "logprobs_bytes"
SOURCE_TOP_LOGPROBS = "logprobs_bytes+top_logprobs"
SOURCE_TOKEN_IDS = "logprobs_token_ids"
SOURCE_NVEXT = "nvext_completion_token_ids"
SOURCE_CONTENT = "message_content"
SOURCE_NONE = "none"

Decode = Callable[[list[int]], str]


@dataclass
class RawOutput:
    text: str
    source: str
    exact: bool
    notes: list[str] = field(default_factory=list)
    token_count: int = 0
    lossy_tokens: list[int] = field(default_factory=list)  # indexes of lossy logprob entries
    token_ids: list[int] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "source": self.source, "exact": self.exact, "notes": self.notes,
                "token_count": self.token_count, "lossy_tokens": self.lossy_tokens}


def first_choice(response: dict[str, Any]) -> dict[str, Any]:
    choices = response.get("choices") or []
    return choices[0] if choices and isinstance(choices[0], dict) else {}


def logprob_entries(response: dict[str, Any]) -> list[dict[str, Any]] | None:
    """`choices[0].logprobs.content`, or None when the response carries no logprobs."""
    logprobs = first_choice(response).get("logprobs")
    if not isinstance(logprobs, dict):
        return None
    content = logprobs.get("content")
    if not isinstance(content, list):
        return None
    return [e for e in content if isinstance(e, dict)]


def _entry_bytes(entry: dict[str, Any]) -> list[int] | None:
    data = entry.get("bytes")
    if isinstance(data, list) and all(isinstance(b, int) and 0 <= b < 256 for b in data):
        return data
    return None


def _is_lossy(data: list[int] | None) -> bool:
    if data is None:
        return True
    return any(data[i:i + 3] == REPLACEMENT_BYTES for i in range(len(data) - 2))


def _top_choice_bytes(entry: dict[str, Any]) -> list[int] | None:
    """`top_logprobs[0].bytes` when that alternative is the chosen token and is not lossy."""
    tops = entry.get("top_logprobs")
    if not isinstance(tops, list) or not tops or not isinstance(tops[0], dict):
        return None
    top = tops[0]
    if "token_id" in top and "token_id" in entry:
        same = top["token_id"] == entry["token_id"]
    else:
        # Dynamo 1.6.1 sends no token_id in top_logprobs. A lossy token shows as U+FFFD on both
        # sides, so the text alone cannot tell two partial tokens apart: require the same logprob.
        same = top.get("token") == entry.get("token") and top.get("logprob") == entry.get("logprob")
    data = _entry_bytes(top)
    if same and data is not None and data != REPLACEMENT_BYTES:
        return data
    return None


def _entry_token_ids(entries: list[dict[str, Any]]) -> list[int] | None:
    ids = [e.get("token_id") for e in entries]
    return ids if ids and all(isinstance(i, int) for i in ids) else None  # type: ignore[return-value]


def nvext_token_ids(response: dict[str, Any]) -> list[int] | None:
    """`completion_token_ids` from nvext, wherever this Dynamo version put it."""
    for holder in (response.get("nvext"), first_choice(response).get("nvext")):
        if isinstance(holder, dict):
            ids = holder.get("completion_token_ids")
            if isinstance(ids, list) and all(isinstance(i, int) for i in ids):
                return ids
    return None


def _usage_tokens(response: dict[str, Any]) -> int | None:
    usage = response.get("usage")
    if isinstance(usage, dict) and isinstance(usage.get("completion_tokens"), int):
        return usage["completion_tokens"]
    return None


def reconstruct(response: dict[str, Any], decode: Decode | None = None,
                worker_token_ids: list[int] | None = None) -> RawOutput:
    """The raw completion text of `choices[0]`, its source, and whether it is byte-exact."""
    if worker_token_ids is not None and decode is not None:
        return RawOutput(decode(worker_token_ids), SOURCE_WORKER, True,
                         ["decoded from the token ids the engine yielded inside the worker"],
                         len(worker_token_ids), token_ids=list(worker_token_ids))

    entries = logprob_entries(response)
    if not entries:
        return _without_logprobs(response, decode, entries is not None)

    notes: list[str] = []
    joined = bytearray()
    lossy: list[int] = []
    patched = False
    for i, entry in enumerate(entries):
        data = _entry_bytes(entry)
        if _is_lossy(data):
            better = _top_choice_bytes(entry)
            if better is not None:
                data, patched = better, True
            elif data is None and entry.get("token", "") == "":
                # bytes:null with an empty token: a special token (EOS) the frontend blanks out.
                notes.append(f"token {i} has bytes:null and no text (a special token such as EOS)")
                lossy.append(i)
                continue
            else:
                lossy.append(i)
                if data is None and isinstance(entry.get("token"), str):
                    data = list(entry["token"].encode())  # best effort; not exact
        joined.extend(data or b"")
    text = joined.decode("utf-8", errors="replace")
    count = len(entries)
    usage = _usage_tokens(response)
    if usage is not None and usage > count + 1:
        # Dynamo 1.0-1.1 with a tool parser kept only the last token in logprobs.
        notes.append(f"logprobs hold {count} tokens but usage.completion_tokens is {usage}: "
                     "the frontend dropped entries (seen on Dynamo 1.0-1.1 with a tool parser); "
                     "use the worker hook's record")
        return RawOutput(text, SOURCE_LOGPROBS, False, notes, count, lossy)

    real_lossy = [i for i in lossy if _entry_bytes(entries[i]) is not None or entries[i].get("token")]
    if not real_lossy:
        src = SOURCE_TOP_LOGPROBS if patched else SOURCE_LOGPROBS
        if patched:
            notes.append("split multi-byte characters recovered from top_logprobs[0].bytes")
        return RawOutput(text, src, True, notes, count, lossy)

    notes.append(f"{len(real_lossy)} logprob entries are lossy (U+FFFD or bytes:null): "
                 "a multi-byte character was split across tokens")
    ids = _entry_token_ids(entries)
    if ids is not None and decode is not None:
        notes.append("recovered by decoding the entries' token_id with the model's tokenizer")
        return RawOutput(decode(ids), SOURCE_TOKEN_IDS, True, notes, count, lossy, ids)
    nv = nvext_token_ids(response)
    if nv is not None and decode is not None:
        notes.append("recovered by decoding nvext completion_token_ids with the model's tokenizer")
        return RawOutput(decode(nv), SOURCE_NVEXT, True, notes, count, lossy, nv)
    if decode is None and (ids is not None or nv is not None):
        notes.append("token ids are present: pass --tokenizer to recover the exact text")
    return RawOutput(text, SOURCE_LOGPROBS, False, notes, count, lossy)


def _without_logprobs(response: dict[str, Any], decode: Decode | None, empty: bool) -> RawOutput:
    nv = nvext_token_ids(response)
    if nv is not None and decode is not None:
        return RawOutput(decode(nv), SOURCE_NVEXT, True,
                         ["no logprobs; decoded nvext completion_token_ids"], len(nv), token_ids=nv)
    message = first_choice(response).get("message") or {}
    content = message.get("content") if isinstance(message, dict) else None
    why = ("logprobs.content is empty" if empty else
           "the response has no logprobs (send the request with \"logprobs\": true)")
    if isinstance(content, str) and content:
        return RawOutput(content, SOURCE_CONTENT, False,
                         [why, "fell back to message.content: a parser may already have consumed "
                               "tool-call markers, so this is not the raw model output"])
    return RawOutput("", SOURCE_NONE, False, [why, "message.content is empty too: no raw output"])


def tokenizer_decoder(path: str) -> Decode:
    """A decode function from a tokenizer.json (or a directory holding one)."""
    from pathlib import Path

    from tokenizers import Tokenizer  # lazy: not needed unless token ids must be decoded

    p = Path(path)
    if p.is_dir():
        p = p / "tokenizer.json"
    tok = Tokenizer.from_file(str(p))
    return lambda ids: tok.decode(ids, skip_special_tokens=False)
