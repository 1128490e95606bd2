"""The bundle on disk: everything a tool-call bug report needs, in one directory.

Files: request.json, response.json (byte-for-byte as received), raw_output.txt, diagnosis.json,
metadata.json, REPORT.md, report.html, parity_fixture.yaml (and parity_fixture.stream.yaml with a
streamed response), plus whatever later stages add (logs, tokenizer files, worker records). A
bundle is written even when analysis failed; metadata.json, REPORT.md and report.html then say
what is missing and why.
"""

from __future__ import annotations

import json
import platform
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import __version__
from .writer import write_atomically

BUNDLE_FILES = ("request.json", "response.json", "raw_output.txt", "diagnosis.json",
                "metadata.json", "REPORT.md", "report.html", "parity_fixture.yaml")


def _dumps(obj: Any) -> bytes:
    return (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode()


def base_metadata(**known: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "tool": {"name": "dynamo-toolcall-probe", "version": __version__},
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "analyzer": {"python": sys.version.split()[0], "os": platform.system()},
    }
    meta.update({k: v for k, v in known.items() if v is not None})
    return meta


def write_bundle(out_dir: str | Path, *, request_bytes: bytes | None, response_bytes: bytes | None,
                 diagnosis=None, request: dict[str, Any] | None = None,
                 metadata: dict[str, Any] | None = None, error: str | None = None,
                 extra_files: dict[str, bytes] | None = None) -> Path:
    """Write the bundle atomically; whatever is None is recorded as missing, never invented."""
    from ..redact import redact_json
    from .evidence import Evidence, gather
    from .report import render_report

    meta = dict(metadata or base_metadata())
    missing: list[str] = list(meta.get("missing") or [])
    files: dict[str, bytes] = {}
    if request_bytes is not None:
        # The request is the user's own: redact secret-looking fields, keep everything else.
        files["request.json"] = _dumps(redact_json(request)) if request is not None else request_bytes
    else:
        missing.append("request.json: no request given (pass --request)")
    if response_bytes is not None:
        files["response.json"] = response_bytes  # as received: never re-serialised or truncated
    else:
        missing.append("response.json: no response was captured")
    try:
        evidence = gather(response_bytes, extra_files or {}, diagnosis.raw if diagnosis else None)
    except Exception as exc:  # noqa: BLE001 - unreadable extra files must not lose the bundle
        evidence = Evidence(None, notes=[f"the bundle's per-token files could not be read ({exc})"])
        missing.append(f"per-token evidence for report.html: {type(exc).__name__}: {exc}")
    if diagnosis is not None:
        files["raw_output.txt"] = diagnosis.raw.text.encode()
        files["diagnosis.json"] = _dumps(diagnosis.to_dict())
        files.update(_fixtures(diagnosis, request, meta, evidence, missing))
    else:
        missing.append("diagnosis.json, raw_output.txt: analysis did not complete"
                       + (f" ({error})" if error else ""))
    if error:
        meta["error"] = error
    meta["missing"] = missing
    try:
        files["report.html"] = _report_html(diagnosis, meta, evidence)
    except Exception as exc:  # noqa: BLE001 - a rendering failure must not lose the bundle
        missing.append(f"report.html: could not be built ({type(exc).__name__}: {exc})")
    meta["files"] = sorted(set(files) | set(extra_files or {}) | {"metadata.json", "REPORT.md"})
    files["metadata.json"] = _dumps(meta)
    request_text = files.get("request.json", b"").decode(errors="replace") or None
    response_text = response_bytes.decode(errors="replace") if response_bytes is not None else None
    files["REPORT.md"] = render_report(request_text=request_text, response_text=response_text,
                                       diagnosis=diagnosis, metadata=meta, error=error).encode()
    files.update(extra_files or {})
    return write_atomically(Path(out_dir), files)


def _report_html(diagnosis, meta: dict[str, Any], evidence) -> bytes:
    from .html import render_html

    return render_html(diagnosis, meta, evidence).encode()


def _fixtures(diagnosis, request, meta: dict[str, Any], evidence, missing: list[str]) -> dict[str, bytes]:
    """The conformance fixtures; a failure is recorded as missing, never fatal."""
    from .conformance import batch_fixture, stream_fixture

    out: dict[str, bytes] = {}
    try:
        out["parity_fixture.yaml"] = batch_fixture(diagnosis, request, meta).encode()
        if evidence.stream is not None:
            text = stream_fixture(diagnosis, request, meta, evidence.stream, evidence.entries)
            if text is None:
                missing.append("parity_fixture.stream.yaml: the streamed chunks carry no logprobs, "
                               "so their model text is unknown")
            else:
                out["parity_fixture.stream.yaml"] = text.encode()
    except Exception as exc:  # noqa: BLE001 - a fixture failure must not lose the bundle
        missing.append(f"parity fixture: could not be built ({type(exc).__name__}: {exc})")
    return out
