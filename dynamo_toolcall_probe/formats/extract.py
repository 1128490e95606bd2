"""Strict, request-aware extraction: the checks every family shares.

`extract(spec, text, tools, reasoning_parser, finish_reason)` runs the family's syntax scan, then
checks each call against the request: XML-style parameters are typed by the tool's JSON Schema
(as Dynamo types them), is the name among the tools, do the arguments satisfy the schema, does the
call sit inside reasoning, is there text around the calls. `finish_reason` (the response's, when
known) decides a call that ran to the end of the output without its stop-token end marker
(`ExtractedCall.ended_at_eof`): complete with "stop" / "tool_calls" / unknown, truncated with
"length".
"""

from __future__ import annotations

from typing import Any

from .base import (INSIDE_REASONING, SCHEMA_VIOLATION, TEXT_AROUND, TRUNCATED, UNKNOWN_TOOL,
                   CallCandidate, Extraction, ExtractedCall, FormatSpec, Problem)
from .reasoning import inside, reasoning_spans


def tool_schemas(tools: list[dict[str, Any]] | None) -> dict[str, dict[str, Any]] | None:
    """name -> JSON Schema of its parameters, from an OpenAI `tools` list (None: no tools sent)."""
    if not tools:
        return None
    out: dict[str, dict[str, Any]] = {}
    for tool in tools:
        fn = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            params = fn.get("parameters")
            out[fn["name"]] = params if isinstance(params, dict) else {}
    return out


def schema_errors(arguments: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    if not schema:
        return []
    import jsonschema  # lazy: only needed when there is something to validate

    try:
        validator_cls = jsonschema.validators.validator_for(schema)
        validator = validator_cls(schema)
        return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
                for e in sorted(validator.iter_errors(arguments), key=lambda e: list(e.path))]
    except jsonschema.SchemaError as exc:
        return [f"the tool's own schema is invalid: {exc.message}"]


def typed_arguments(spec: FormatSpec, cand: CallCandidate,
                    schemas: dict[str, dict[str, Any]] | None) -> dict[str, Any] | None:
    """The candidate's arguments, its raw parameter texts typed by the tool's schema when the
    format types values that way; unchanged otherwise."""
    if cand.raw_arguments is None or schemas is None:
        return cand.arguments
    schema = schemas.get(cand.name or "") or {}
    props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
    return {key: spec.type_value(raw, props.get(key), True) for key, raw in cand.raw_arguments.items()}


def extract(spec: FormatSpec, text: str, tools: list[dict[str, Any]] | None = None,
            reasoning_parser: str | None = None, finish_reason: str | None = None) -> Extraction:
    schemas = tool_schemas(tools)
    spans = reasoning_spans(text, reasoning_parser)
    calls: list[ExtractedCall] = []
    for cand in spec.scan(text):
        call = ExtractedCall(cand.name, typed_arguments(spec, cand, schemas), cand.arguments_text,
                             cand.span, list(cand.problems), cand.ended_at_eof, cand.raw_arguments)
        if call.ended_at_eof and finish_reason == "length":
            call.problems.append(Problem(TRUNCATED, "the call runs to the end of the output and "
                                         "finish_reason is 'length': generation hit max_tokens before "
                                         f"the stop token that ends it ({', '.join(spec.stop_token_ends)})",
                                         cand.span))
        channel = inside(spans, cand.span[0])
        if channel:
            call.in_reasoning = True
            call.problems.append(Problem(INSIDE_REASONING,
                                         f"call emitted inside the reasoning channel ({channel})",
                                         cand.span))
        if schemas is not None and call.name is not None:
            if call.name not in schemas:
                call.problems.append(Problem(
                    UNKNOWN_TOOL, f"tool {call.name!r} is not in the request's tools "
                                  f"({', '.join(sorted(schemas)) or 'none'})", cand.span))
            elif call.arguments is not None:
                for err in schema_errors(call.arguments, schemas[call.name]):
                    call.problems.append(Problem(SCHEMA_VIOLATION,
                                                 f"arguments of {call.name!r} violate its schema: {err}",
                                                 cand.span))
        calls.append(call)

    # Text outside calls and reasoning: legal, but worth saying (a parser may drop or keep it).
    problems: list[Problem] = []
    covered = sorted([c.span for c in calls] + [(s, e) for s, e, _ in spans])
    pieces, pos = [], 0
    for start, end in covered:
        if start > pos:
            pieces.append((pos, start))
        pos = max(pos, end)
    if pos < len(text):
        pieces.append((pos, len(text)))
    if calls:
        for start, end in pieces:
            if _strip_stop_tokens(text[start:end], spec).strip():
                problems.append(Problem(TEXT_AROUND, f"text outside the calls: {text[start:end].strip()[:60]!r}",
                                        (start, end)))
    return Extraction(spec.family, calls, problems, text_outside(text, [c.span for c in calls]))


def text_outside(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the (possibly overlapping) spans cut out: what is not a call."""
    out, pos = [], 0
    for start, end in sorted(spans):
        out.append(text[pos:start])
        pos = max(pos, end)
    out.append(text[pos:])
    return "".join(out)


def _strip_stop_tokens(piece: str, spec: FormatSpec) -> str:
    """The piece without the family's stop tokens: an end-of-turn token decoded into the text
    (token ids decoded with special tokens) is not text around the calls."""
    for token in (*spec.stop_tokens, *spec.stop_token_ends):
        piece = piece.replace(token, "")
    return piece
