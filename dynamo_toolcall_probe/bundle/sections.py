"""The tables of report.html beside the token view, as plain rows for the template: expected vs
returned calls (non-streaming and streaming), the streamed chunks, engine vs frontend tokens, and
replay through Dynamo's parsers. Every cell is data; the template escapes it."""

from __future__ import annotations

import json
from difflib import SequenceMatcher
from typing import Any

from .stream import Stream

MAX_ROWS = 300  # per table: past it the rest is summarised (the bundle's files hold all of it)
MISSING = object()


CELL_LIMIT = 2000  # characters of one value shown in a table cell


def _show(value: Any) -> str:
    """A value as JSON, long ones cut in the middle (the bundle's files hold them whole)."""
    text = json.dumps(value, ensure_ascii=False)
    if len(text) <= CELL_LIMIT:
        return text
    head, tail = text[: CELL_LIMIT * 3 // 4], text[-CELL_LIMIT // 4:]
    return f"{head} … [{len(text) - len(head) - len(tail):,} characters left out] … {tail}"


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    return a == b


def _cell(value: Any, reference: Any, is_reference: bool) -> dict[str, Any]:
    if value is MISSING:
        return {"text": "(absent)", "cls": "" if is_reference or reference is MISSING else "diff"}
    cls = "" if is_reference or (reference is not MISSING and _same(value, reference)) else "diff"
    return {"text": _show(value), "cls": cls}


def _fields(call: dict[str, Any] | None) -> dict[str, Any]:
    """name and one row per argument key (arguments that are not an object: one raw row)."""
    if call is None:
        return {}
    out: dict[str, Any] = {"name": call.get("name")}
    args = call.get("arguments")
    if isinstance(args, dict):
        out.update({f"arguments.{k}": v for k, v in args.items()})
    else:
        out["arguments (not a JSON object)"] = args
    return out


def compare_calls(expected: list[dict[str, Any]], columns: list[tuple[str, dict[str, Any]]],
                  expected_text: str, expected_finish: str) -> dict[str, Any]:
    """Rows of the side-by-side table; every column is compared with the expected one."""
    heads = ["expected (strict parse of the raw output)"] + [name for name, _ in columns]
    count = max([len(expected)] + [len(obs.get("tool_calls") or []) for _, obs in columns])
    rows: list[dict[str, Any]] = []
    for i in range(count):
        sides = [expected[i] if i < len(expected) else None] + [
            (obs.get("tool_calls") or [])[i] if i < len(obs.get("tool_calls") or []) else None
            for _, obs in columns]
        fields = [_fields(s) for s in sides]
        keys = list(dict.fromkeys(k for f in fields for k in f))
        if not keys:
            continue
        for k in keys:
            ref = fields[0].get(k, MISSING)
            rows.append({"label": f"call {i}: {k}", "cells": [
                _cell(f.get(k, MISSING), ref, n == 0) for n, f in enumerate(fields)]})
    ref_text = expected_text if expected_text.strip() else None
    rows.append({"label": "content", "cells": [_cell(ref_text, ref_text, True)] + [
        _cell(obs.get("content") if (obs.get("content") or "").strip() else None, ref_text, False)
        for _, obs in columns]})
    rows.append({"label": "finish_reason", "cells": [_cell(expected_finish, expected_finish, True)] + [
        _cell(obs.get("finish_reason"), expected_finish, False) for _, obs in columns]})
    return {"heads": heads, "rows": rows,
            "differs": any(c["cls"] for r in rows for c in r["cells"])}


def stream_rows(stream: Stream) -> dict[str, Any]:
    rows = []
    for chunk in stream.chunks[:MAX_ROWS]:
        rows.append({"n": chunk.number, "tokens": len(chunk.entries),
                     "text": "".join(e.get("token") or "" for e in chunk.entries
                                     if isinstance(e.get("token"), str)),
                     "content": chunk.content, "reasoning": chunk.reasoning,
                     "deltas": ", ".join(json.dumps(d, ensure_ascii=False) for d in chunk.deltas),
                     "finish": chunk.finish_reason or ""})
    return {"rows": rows, "more": max(0, len(stream.chunks) - MAX_ROWS),
            "unreadable": stream.unreadable}


def engine_rows(engine_ids: list[int], entries: list[dict[str, Any]] | None,
                decode_one, engine_view: dict[str, Any] | None) -> dict[str, Any]:
    """Engine tokens next to the frontend's logprobs entries, aligned by token id (or text)."""
    entries = entries or []
    ids_known = bool(entries) and all(isinstance(e.get("token_id"), int) for e in entries)
    text = (lambda i: decode_one(i)) if decode_one else (lambda i: None)
    # Each side's token as (id, text alone); a blanked special token differs in its text.
    engine_keys = [(i if ids_known else None, text(i)) for i in engine_ids]
    front_keys = [(e.get("token_id") if ids_known else None,
                   e.get("token") if decode_one else None) for e in entries]
    rows: list[dict[str, Any]] = []
    matcher = SequenceMatcher(None, engine_keys, front_keys, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if len(rows) >= MAX_ROWS:
            rows.append({"op": "more", "note": "… further rows left out (see worker_record/ and "
                                               "response.json)"})
            break
        if op == "equal":
            rows.append({"op": "equal", "note": f"{a2 - a1} token(s) identical: engine #{a1}–#{a2 - 1} "
                                                f"= frontend #{b1}–#{b2 - 1}"})
            continue
        for k in range(max(a2 - a1, b2 - b1)):
            ea, fb = a1 + k, b1 + k
            rows.append({"op": op,
                         "engine": (f"#{ea} id {engine_ids[ea]} " + _show(text(engine_ids[ea]))
                                    if ea < a2 else "(none)"),
                         "frontend": (f"#{fb} id {entries[fb].get('token_id')} "
                                      + _show(entries[fb].get("token")) if fb < b2 else "(none)")})
    view = engine_view or {}
    return {"rows": rows, "engine_count": len(engine_ids), "frontend_count": len(entries),
            "summary": view.get("summary"), "differences": view.get("differences") or [],
            "by": " and ".join(k for k, on in (("token id", ids_known), ("text", decode_one)) if on)
                  or "nothing (no token ids, no tokenizer)"}


def replay_rows(replay: list[dict[str, Any]], expected: list[dict[str, Any]],
                configured: str | None) -> list[dict[str, Any]]:
    def calls(rows: Any) -> list[tuple[Any, Any]]:
        out = []
        for c in rows or []:
            args = c.get("arguments") if isinstance(c, dict) else None
            if isinstance(args, str):
                try:
                    args = json.loads(args)
                except json.JSONDecodeError:
                    pass
            out.append((c.get("name") if isinstance(c, dict) else None, args))
        return out

    want = calls(expected)
    out = []
    for r in replay:
        got = calls(r.get("tool_calls"))
        out.append({"parser": r.get("parser"), "configured": r.get("parser") == configured,
                    "correct": bool(want) and got == want,
                    "tool_calls": json.dumps(r.get("tool_calls"), ensure_ascii=False),
                    "content": _show(r.get("content")), "finish": r.get("finish_reason"),
                    "agree": r.get("agree")})
    return out
