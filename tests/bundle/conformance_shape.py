"""The structure of Dynamo's parser conformance fixtures, learned from real ones.

`shape_of` lists every (key path, value type) a fixture uses, with case ids, implementation keys
and list positions generalised. The real fixtures copied into data/conformance (see SOURCES.md)
define the allowed set; a fixture we write may use only those paths and types, plus the one
documented addition (`observed`, `observed_normal_text`), and its implementation keys must be
among the suite's five."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from dynamo_toolcall_probe.bundle.conformance import IMPL_KEYS, LEGACY_IMPL_KEYS

DATA = Path(__file__).parent / "data" / "conformance"
IMPL_MAPS = ("captured_with", "expected", "normal_text", "unavailable", "observed", "observed_normal_text")
OPAQUE = ("parameters", "arguments")  # JSON Schema / call arguments: any JSON below
EXTENSIONS = ("observed", "observed_normal_text")


class ShapeError(AssertionError):
    pass


def _type(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def shape_of(node: Any, path: tuple[str, ...] = (), out: set | None = None) -> set[tuple[tuple[str, ...], str]]:
    out = set() if out is None else out
    out.add((path, _type(node)))
    if path and path[-1] in OPAQUE:
        return out
    if isinstance(node, dict):
        for key, value in node.items():
            if path and path[-1] == "cases":
                step = "<case>"
            elif path and path[-1] in IMPL_MAPS and not (path[-1] == "expected" and key == "unavailable"):
                canonical = LEGACY_IMPL_KEYS.get(key, key)
                if canonical not in IMPL_KEYS:
                    raise ShapeError(f"{'.'.join(path)}: {key!r} is not an implementation key")
                step = "<impl>"
            else:
                step = str(key)
            shape_of(value, path + (step,), out)
    elif isinstance(node, list):
        for item in node:
            shape_of(item, path + ("[]",), out)
    return out


def real_shapes() -> set[tuple[tuple[str, ...], str]]:
    shapes: set = set()
    for path in sorted(DATA.glob("*.yaml")):
        shape_of(yaml.safe_load(path.read_text()), (), shapes)
    return shapes


def check_fixture(doc: dict[str, Any], allowed: set | None = None, resolved: bool = True) -> None:
    """Raise ShapeError when `doc` steps outside the real fixtures' structure. `resolved`: each
    case must be complete (inputs and expectations in one file), as a dropped-in case is; the
    suite's storage also splits them (inputs/ and <impl>-<version>/ files)."""
    allowed = real_shapes() if allowed is None else allowed
    for key in ("family", "mode", "cases"):
        if key not in doc:
            raise ShapeError(f"missing top-level {key!r}")
    if doc["mode"] not in ("batch", "streamv2", "stream", "batch-on-stream"):
        raise ShapeError(f"unknown mode {doc['mode']!r}")
    for path, kind in sorted(shape_of(doc)):
        if any(step in EXTENSIONS for step in path):
            continue
        if (path, kind) not in allowed:
            raise ShapeError(f"{'.'.join(path) or '(top)'}: {kind} is not used by any real fixture")
    for case_id, case in doc["cases"].items():
        if "reason" in case or not resolved:  # a not-applicable placeholder, or a split file
            continue
        need = ("chunks",) if doc["mode"].startswith("stream") else ("model_text", "tools")
        for key in need:
            if key not in case:
                raise ShapeError(f"{case_id}: missing {key!r}")
        for chunk in case.get("chunks", []):
            if "delta_text" not in chunk:
                raise ShapeError(f"{case_id}: a chunk without delta_text")
