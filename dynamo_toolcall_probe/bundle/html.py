"""report.html: the bundle's visual companion to REPORT.md, one self-contained file.

Rendered with jinja2 (autoescaping on: the raw output, the request and the response are
untrusted) from the same diagnosis object as `--json`, plus the per-token evidence the bundle's
files hold. No external resource; a Content-Security-Policy allows only the inline style and
the one inline script below (by its hash), which unfolds folded runs of plain tokens.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from pathlib import Path
from typing import Any

from .annotate import CODES, LOW_P, cut_points, marker_spans, token_items
from .evidence import Evidence
from .sections import compare_calls, engine_rows, replay_rows, stream_rows
from .tokens import TokenView, from_engine, from_logprobs

TEMPLATE = "report.html.j2"

# Unfolds a folded run into one element per token (on open, or all at once for report.html#all).
SCRIPT = ("var C=" + json.dumps(CODES) + ";" + """
function unfold(d){if(d.dataset.done)return;d.dataset.done='1';var s=d.querySelector('.src'),t=s.textContent,L=d.dataset.codes,i=+d.dataset.first,p=0,f=document.createDocumentFragment();
for(var k=0;k<L.length;k++){var c=C.indexOf(L[k]),n=c>>2,e=document.createElement('span');e.className=d.dataset.cls+((c&3)?' p'+(c&3):'');e.setAttribute('data-token-index',i+k);e.title='#'+(i+k)+' (folded: id, bytes and logprob in response.json)';e.textContent=t.substr(p,n);p+=n;f.appendChild(e);}
s.replaceWith(f);}
document.querySelectorAll('details.fold').forEach(function(d){d.addEventListener('toggle',function(){unfold(d);});if(location.hash==='#all'){d.open=true;unfold(d);}});""")


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    return (f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; "
            "img-src data:; base-uri 'none'; form-action 'none'")


def _verdict(value: Any) -> str:
    """The verdict as a plain string, whether it is a str or an enum."""
    return str(getattr(value, "value", value) or "unknown")


def _facts(d: dict[str, Any], meta: dict[str, Any]) -> list[tuple[str, str]]:
    detected = d.get("detected_formats") or []
    rows = [("configured parser", d.get("configured_parser") or "unknown"),
            ("reasoning parser", d.get("reasoning_parser") or "none"),
            ("raw output format", detected[0]["family"] if detected else "no tool-call format found"),
            ("parsers for it", ", ".join(d.get("suggested_parsers") or []) or "none"),
            ("raw output", f"{d.get('raw_source')} ({'byte-exact' if d.get('exact') else 'NOT byte-exact'})")]
    versions = meta.get("versions") or meta.get("packages") or {}
    shown = ", ".join(f"{k} {v}" for k, v in versions.items() if v)
    rows.append(("versions", shown or "not collected"))
    if meta.get("backend"):
        rows.append(("backend", str(meta["backend"])))
    if meta.get("request_id"):
        rows.append(("request id", str(meta["request_id"])))
    return rows


def token_view(diagnosis, ev: Evidence) -> TokenView | None:
    """The raw output's tokens: the engine's when the raw output came from the worker hook,
    else the frontend's logprobs entries; None when the response carries neither."""
    raw = diagnosis.raw
    if raw.source == "worker_token_ids" and ev.engine_ids:
        view = from_engine(ev.engine_ids, raw.text, ev.decode_one, ev.engine_logprobs)
        view.notes = ev.notes + view.notes
        return view
    entries = ev.entries
    if entries:
        return from_logprobs(entries, raw.text, raw.exact)
    return None


def build_context(diagnosis, metadata: dict[str, Any], ev: Evidence) -> dict[str, Any]:
    d = diagnosis.to_dict()
    primary = diagnosis.detected[0] if diagnosis.detected else None
    calls = list(primary.extraction.calls) if primary else []
    view = token_view(diagnosis, ev)
    tokens: dict[str, Any] | None = None
    if view is not None:
        markers: list[tuple[int, int, str]] = []
        if primary is not None:
            from ..formats import registry

            markers = marker_spans(diagnosis.raw.text, registry.get_spec(primary.family).markers())
        cuts = cut_points(diagnosis.raw.text, calls, d.get("observed") or {})
        items = token_items(view, diagnosis.raw.text, markers, calls, cuts)
        tokens = {"source": view.source, "items": items, "count": len(view.tokens),
                  "notes": view.notes, "cuts": cuts, "aligned": view.aligned,
                  "folded": sum(i["count"] for i in items if i["kind"] == "fold"),
                  "lossy": sum(1 for t in view.tokens if t.lossy),
                  "special": sum(1 for t in view.tokens if t.special),
                  "low": sum(1 for t in view.tokens if t.logprob is not None
                             and math.exp(min(t.logprob, 0.0)) < LOW_P[1]),
                  "markers": sorted({m for _, _, m in markers}),
                  "calls": [{"n": n, "name": c.name, "problems": [p.message for p in c.problems]}
                            for n, c in enumerate(calls)]}
    observed = d.get("observed") or {}
    columns = [("returned (non-streaming)",
                {"tool_calls": d.get("observed_tool_calls") or [], "content": observed.get("content"),
                 "finish_reason": observed.get("finish_reason")})]
    if ev.stream is not None:
        columns.append(("returned (streaming)", ev.stream.assembled()))
    expected = d.get("expected_tool_calls") or []
    expected_text = primary.extraction.normal_text if primary else diagnosis.raw.text
    comparison = compare_calls(expected, columns, expected_text, "tool_calls" if expected else "stop")
    engine = None
    if ev.engine_ids:
        engine = engine_rows(ev.engine_ids, ev.entries, ev.decode_one, d.get("engine_view"))
    return {
        "verdict": _verdict(d.get("verdict")), "fix": d.get("fix") or "",
        "facts": _facts(d, metadata), "evidence": d.get("evidence") or [],
        "missing": metadata.get("missing") or [], "error": metadata.get("error"),
        "tokens": tokens, "raw_notes": d.get("raw_notes") or [],
        "comparison": comparison,
        "stream": stream_rows(ev.stream) if ev.stream is not None else None,
        "engine": engine,
        "replay": replay_rows(d["replay"], expected, d.get("configured_parser")) if d.get("replay") else None,
        "sweep": d.get("split_sweep"),
        "tool": (metadata.get("tool") or {}).get("version") or metadata.get("probe_version"),
        "created": metadata.get("created"),
    }


def render_html(diagnosis, metadata: dict[str, Any], ev: Evidence) -> str:
    import jinja2  # lazy: only when a bundle is written
    from markupsafe import Markup  # jinja2's own dependency

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
                             autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    context = build_context(diagnosis, metadata, ev) if diagnosis is not None else {
        "verdict": "none", "fix": "", "facts": [], "evidence": [], "tokens": None,
        "missing": metadata.get("missing") or [], "error": metadata.get("error"), "raw_notes": [],
        "comparison": None, "stream": None, "engine": None, "replay": None, "sweep": None,
        "tool": (metadata.get("tool") or {}).get("version"), "created": metadata.get("created")}
    return env.get_template(TEMPLATE).render(csp=_csp(), script=Markup(SCRIPT), **context)
