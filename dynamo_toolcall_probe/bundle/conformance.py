"""The case as a fixture for Dynamo's parser conformance suite, in the current format of
`ai-dynamo/frontend-crates` `conformance/toolcalling/` (Dynamo's `tests/parity/parser` fixtures
moved there; the parsers themselves left Dynamo for those crates).

Two files, in the suite's resolved (one file per case) shape:
- `parity_fixture.yaml`, `mode: batch`: `model_text`, `tools`, and per implementation key
  `expected.<impl> = {calls, normal_text}`;
- `parity_fixture.stream.yaml`, `mode: streamv2`, when the bundle holds the streamed response:
  per chunk `delta_text`, `delta_token_ids`, `finish_reason`, `expected.<impl>` deltas
  `{index, id?, name?, arguments?}` and `normal_text.<impl>`.

`expected` is the strict parse of the raw output: what the parser must return. What the
deployment returned sits beside it under the same implementation key in `observed` (and
`observed_normal_text` per chunk), the one addition to the format; the suite's readers ignore
keys they do not know. The key follows the deployment: its chat processor (vLLM's or SGLang's
parser) or Dynamo's parser generation (`DYN_PARSER_VERSION` 1/2 -> `dynamo_v1`/`dynamo_v2`).
When the bundle does not say which, the fixture says so instead of guessing silently.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from typing import Any

import yaml

from .stream import Stream
from .tokens import from_logprobs

IMPL_KEYS = ("dynamo_v1", "dynamo_v2", "vllm_python", "vllm_rust", "sglang_python")
#: spellings older fixtures use, as the suite's `utils/src/impls.py` reads them
LEGACY_IMPL_KEYS = {"dynamo": "dynamo_v1", "dynamo_rust": "dynamo_v2", "vllm": "vllm_python",
                    "sglang": "sglang_python"}
CASE_BATCH = "TOOLCALLING.batch.probe"
CASE_STREAM = "TOOLCALLING.streamv2.probe"


@dataclass
class Implementation:
    key: str
    version: str  # the `captured_with` value
    basis: str  # why this key
    known: bool  # False: the bundle does not say; `key` is the default route's


def _dump(metadata: dict[str, Any]) -> dict[str, Any]:
    """The frontend's `--dump-config-to` JSON, when probe-launch collected it."""
    dump = ((metadata.get("dump_config") or {}).get("frontend") or {}).get("config")
    return dump if isinstance(dump, dict) else {}


def _crates(release: str) -> dict[str, str]:
    from ..release import Release, is_version
    from ..release.knowledge import EXACT, Knowledge

    if not is_version(release):
        return {}
    knowledge = Knowledge.of(Release(release))
    return knowledge.parser_crates if knowledge.basis == EXACT else {}


def implementation(metadata: dict[str, Any]) -> Implementation:
    dump = _dump(metadata)
    versions = metadata.get("versions") or metadata.get("packages") or {}
    release = versions.get("ai-dynamo") or dump.get("dynamo_version")
    processor = (dump.get("config") or {}).get("chat_processor") if isinstance(dump.get("config"), dict) else None
    if processor in ("vllm", "sglang"):
        key = f"{processor}_python"
        version = versions.get(processor) or "unknown"
        return Implementation(key, str(version), f"the frontend ran --dyn-chat-processor {processor}: "
                              f"{processor}'s own Python parser produced the response", True)
    env = dump.get("environment") if isinstance(dump.get("environment"), dict) else None
    # The parser crate versions built into that release (the suite's `captured_with`), as
    # measured from its runtime library (release.knowledge); none for an unmeasured release.
    crates = _crates(str(release)) if release else {}
    setting = env.get("DYN_PARSER_VERSION") if env is not None else None
    recorded = (metadata.get("release") or {}).get("parser_version")
    if setting is None and recorded in ("1", "2"):
        setting, env = recorded, env if env is not None else {}
    if setting in ("1", "2"):
        key = f"dynamo_v{setting}"
        basis = f"DYN_PARSER_VERSION={setting} in the frontend's environment"
        known = True
    elif env is not None and setting is None:
        key, known = "dynamo_v1", True
        basis = ("DYN_PARSER_VERSION unset in the frontend's environment: Dynamo's default parser "
                 "route, v1 (the v2-only parser names of a release parse nothing there)")
    else:
        key, known = "dynamo_v1", False
        basis = ("NOT RECORDED: the bundle does not say which parser generation the deployment ran "
                 + (f"(DYN_PARSER_VERSION={setting})" if setting else "(no frontend environment)")
                 + "; filed under dynamo_v1, the default route: move the blocks to dynamo_v2 if "
                 "the frontend ran DYN_PARSER_VERSION=2")
    version = crates.get(key) or (f"ai-dynamo {release}" if release else "unknown release")
    return Implementation(key, version, basis, known)


def _family(diagnosis) -> str:
    """The fixture's `family` is a parser name: the configured one when it parses this format."""
    primary = diagnosis.detected[0] if diagnosis.detected else None
    if primary is None:
        return diagnosis.configured_parser or "unknown"
    if diagnosis.configured_parser in primary.parsers:
        return diagnosis.configured_parser
    suggested = diagnosis.to_dict().get("suggested_parsers") or []
    return suggested[0] if suggested else primary.parsers[0]


def _emitted(diagnosis) -> list[Any]:
    """The calls a correct parser returns: named, decoded, not inside reasoning."""
    primary = diagnosis.detected[0] if diagnosis.detected else None
    return [c for c in (primary.extraction.calls if primary else [])
            if c.name is not None and c.arguments is not None and not c.in_reasoning]


def _normal_text(text: str, calls: list[Any], key: str) -> str:
    from ..formats.extract import text_outside

    joined = text_outside(text, [c.span for c in calls])
    return joined.strip() if key == "dynamo_v1" else joined  # v1 batch trims; v2 keeps prose


def _tools(request: dict[str, Any] | None) -> list[dict[str, Any]]:
    out = []
    for tool in (request or {}).get("tools") or []:
        fn = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(fn, dict) and "name" in fn:
            out.append({"name": fn["name"], "parameters": fn.get("parameters", {})})
    return out


def _header(diagnosis, impl: Implementation, mode: str, family: str) -> str:
    verdict = getattr(diagnosis.verdict, "value", diagnosis.verdict)
    tree = "fixtures-batch-v1" if mode == "batch" else "fixtures-stream-v2"
    return (f"# Generated by dynamo-toolcall-probe (verdict: {verdict}). Conformance format of\n"
            f"# ai-dynamo/frontend-crates conformance/toolcalling/{tree} (resolved, one file per case).\n"
            + textwrap.fill(f"Implementation key {impl.key}: {impl.basis}.", width=98,
                            initial_indent="# ", subsequent_indent="# ") + "\n"
            f"# expected.{impl.key}: the strict parse of the model text (what the parser must return).\n"
            f"# observed.{impl.key}: what the deployment returned (an addition; the suite ignores it).\n"
            f"# To add it: rename the case to the next free id of case-taxonomy.yaml, put the inputs in\n"
            f"# {tree}/inputs/{family}/ and the expected blocks in {tree}/{impl.key}-<version>/{family}/,\n"
            f"# then run package_fixtures.py.\n")


def batch_fixture(diagnosis, request: dict[str, Any] | None, metadata: dict[str, Any]) -> str:
    impl = implementation(metadata)
    family = _family(diagnosis)
    calls = _emitted(diagnosis)
    observed = diagnosis.observed
    observed_calls = [{"name": c.name, "arguments": c.arguments if c.arguments is not None
                       else c.arguments_text} for c in observed.tool_calls]
    case: dict[str, Any] = {
        "description": _description(diagnosis, family, impl),
        "ref": "dynamo-toolcall-probe bundle" + (f", request {metadata['request_id']}"
                                                 if metadata.get("request_id") else ""),
        "model_text": diagnosis.raw.text,
        "tools": _tools(request),
        "expected": {impl.key: {"calls": [{"name": c.name, "arguments": c.arguments} for c in calls],
                                "normal_text": _normal_text(diagnosis.raw.text, calls, impl.key)}},
        "observed": {impl.key: {"parser": diagnosis.configured_parser, "calls": observed_calls,
                                "normal_text": observed.content or "",
                                "finish_reason": observed.finish_reason}},
    }
    if not diagnosis.raw.exact:  # the pair (model_text, expected) still holds; say where it came from
        case["description"] += ("; model_text is NOT byte-exact (" + "; ".join(diagnosis.raw.notes)
                                + "), it may differ from what the engine produced")
    doc = {"family": family, "model_label": str((request or {}).get("model", "unknown")),
           "mode": "batch", "captured_with": {impl.key: impl.version}, "cases": {CASE_BATCH: case}}
    return _header(diagnosis, impl, "batch", family) + _yaml(doc)


def _description(diagnosis, family: str, impl: Implementation) -> str:
    parser = diagnosis.configured_parser
    text = f"Reported case: parser {parser or 'unknown'} on {family}-format model text"
    if parser and parser != family:
        text += f" (observed with parser {parser}, not this family's parser)"
    if not impl.known:
        text += f"; parser generation not recorded: filed under {impl.key}"
    return text


def stream_fixture(diagnosis, request: dict[str, Any] | None, metadata: dict[str, Any],
                   stream: Stream, plain_entries: list[dict[str, Any]] | None) -> str | None:
    """The streamed response as per-chunk input and deltas; None when its chunks carry no
    logprobs (their model text is then unknown). `plain_entries`: the non-streaming response's
    logprobs entries, to tell whether both requests sampled the same tokens."""
    if not stream.has_logprobs:
        return None
    impl = implementation(metadata)
    family = _family(diagnosis)
    entries = [e for c in stream.chunks for e in c.entries]
    joined = b"".join(bytes(e["bytes"]) for e in entries if isinstance(e.get("bytes"), list))
    same = [(e.get("token_id"), e.get("bytes")) for e in entries] == [
        (e.get("token_id"), e.get("bytes")) for e in plain_entries or []]
    text, exact = (diagnosis.raw.text, diagnosis.raw.exact) if same else (
        joined.decode("utf-8", errors="replace"), b"\xef\xbf\xbd" not in joined)
    view = from_logprobs(entries, text, exact)
    calls = _emitted(diagnosis) if same else []
    chunks, first = [], 0
    for chunk in stream.chunks:
        toks = view.tokens[first:first + len(chunk.entries)]
        first += len(chunk.entries)
        if not (toks or chunk.deltas or chunk.content or chunk.finish_reason):
            continue
        chunks.append(_chunk(chunk, toks, view, text, calls, impl.key, strict=same))
    case: dict[str, Any] = {"description": _description(diagnosis, family, impl) + " (streamed)",
                            "ref": "dynamo-toolcall-probe bundle, response.stream.txt",
                            "tools": _tools(request), "chunks": chunks}
    if not same:
        case["unavailable"] = {impl.key: "the stream sampled other tokens than the non-streaming "
                               "response: no strict expectation is derived for its chunks"}
    elif not view.aligned or not exact:
        case["unavailable"] = {impl.key: "the streamed chunks' model text is not byte-exact "
                               "(split multi-byte characters without a tokenizer)"}
    doc = {"family": family, "model_label": str((request or {}).get("model", "unknown")),
           "mode": "streamv2", "captured_with": {impl.key: impl.version}, "cases": {CASE_STREAM: case}}
    return _header(diagnosis, impl, "streamv2", family) + _yaml(doc)


def _chunk(chunk, toks, view, text: str, calls, key: str, strict: bool) -> dict[str, Any]:
    """One fixture chunk. Its text: its tokens' share of the raw output (a lossy run that ends in a
    later chunk goes there). Strict expectation: a call is emitted whole in the chunk where its
    region ends (the v1 jail's order); the text outside calls passes through as it arrives."""
    start = next((t.start for t in toks if t.start >= 0), -1)
    end = start
    for t in toks:
        if t.start < 0:
            continue
        if t.run is None or view.runs[t.run].last == t.index:
            end = max(end, t.end)
        else:
            end = max(end, t.start)
    piece = (start, end) if start >= 0 else (0, 0)
    out: dict[str, Any] = {"delta_text": text[piece[0]:piece[1]]}
    ids = [t.token_id for t in toks]
    if ids and all(isinstance(i, int) for i in ids):
        out["delta_token_ids"] = _FlowList(ids)
    if chunk.finish_reason:
        out["finish_reason"] = chunk.finish_reason
    deltas = [_FlowMap({"index": n, "id": True, "name": c.name,
                     "arguments": json.dumps(c.arguments, ensure_ascii=False, separators=(",", ":"))})
              for n, c in enumerate(calls) if piece[0] < c.span[1] <= piece[1]]
    if strict:
        out["expected"] = {key: deltas}
        outside = "".join(text[i] for i in range(*piece)
                          if not any(s <= i < e for s, e in (c.span for c in calls)))
        if outside:
            out["normal_text"] = {key: outside}
    out["observed"] = {key: [_FlowMap(d) for d in chunk.deltas]}
    if chunk.content:
        out["observed_normal_text"] = {key: chunk.content}
    return out


class _FlowMap(dict):
    """A delta, written in flow style as the suite does: {index: 0, name: get_weather}."""


class _FlowList(list):
    """Token ids, written in flow style: [200005, 12606]."""


class _Dumper(yaml.SafeDumper):
    """Multi-line strings as `|` blocks; deltas and token ids in flow style, as the suite does."""


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value and not value.endswith((" ", "\t")) and "\r" not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(_FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", dict(v),
                                                                   flow_style=True))
_Dumper.add_representer(_FlowList, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", list(v),
                                                                     flow_style=True))


def _yaml(doc: dict[str, Any]) -> str:
    return yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)
