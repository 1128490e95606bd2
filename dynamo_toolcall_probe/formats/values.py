"""How XML-style parameter values become JSON values.

The strict extraction is what a correct parser returns, so a value the tool's JSON Schema types is
converted by that type, correctly (`convert`): a string-typed `123` stays "123", an integer-typed
`140.0` is 140, a boolean is `true`/`false` (any case), an object or array is JSON (or a Python
literal), a nullable type reads `null` as null. Text that is no literal of the type stays text, and
the schema check then reports it as the model's error. Only an untyped parameter (absent from the
schema, a property without a type, an unknown tool) is guessed, the way the family's Dynamo parser
guesses it. How the text is framed (trimmed or not, entities unescaped or not) is the family's.

Seen on the real 1.6.1 frontend (replay, tests/formats/tools.yaml `typed`; cases named *typing*,
*typed-by-schema* and *coercions* in tests/formats/cases/):

- `xml` (qwen3_coder, nemotron_nano, minimax_m2; lib/parsers xml/parser.rs `convert_param_value`):
  text trimmed and HTML-unescaped; untyped -> the text, `null` -> null. Where 1.6.1 converts
  wrongly (diagnosed as parser logic): `null` becomes null for a non-nullable string (against the
  conformance taxonomy's stream case 7.5), an integral `140.0` for an integer stays "140.0"
  (mlx-lm PR #1635), `yes` for a boolean becomes false.
- `glm` (glm47): text as written (no trimming, no unescaping); untyped -> JSON when it looks like
  JSON (`{`, `[`, `"`), else the text. 1.6.1 also reads `yes`/`no`/`1`/`0` as booleans and splits
  `x, y` into an array: text that is not a literal of its type, so the model's error here.
- `m3` (minimax_m3): as glm, but an untyped value is always the text.

When the request's tools are unknown (no schema at all) nothing is known about the types: the
value is JSON where it is JSON, else the text (`guess`).
"""

from __future__ import annotations

import ast
import json
import math
import re
from typing import Any, Callable

_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_STRING_TYPES = {"string", "str", "text", "varchar", "char", "enum"}


def guess(raw: str) -> Any:
    """A value whose type nobody states: JSON when it is JSON, else the text."""
    try:
        return json.loads(raw.strip())
    except ValueError:
        return raw


def html_unescape(text: str) -> str:
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&amp;", "&"), ("&quot;", '"'),
                         ("&#x27;", "'"), ("&#39;", "'"), ("&apos;", "'")):
        text = text.replace(entity, char)
    return text


def schema_types(schema: dict[str, Any] | None) -> set[str]:
    """The parameter's declared types, lower-cased (`type` as a string or a list, or the types of
    its anyOf / oneOf members); empty when untyped. A composite without types counts as an object
    (Dynamo parses it as JSON)."""
    if not isinstance(schema, dict):
        return set()
    declared = schema.get("type")
    if isinstance(declared, str):
        found = {declared.lower()}
    elif isinstance(declared, list):
        found = {t.lower() for t in declared if isinstance(t, str)}
    else:
        found = set()
        for key in ("anyOf", "oneOf"):
            for member in schema.get(key) or []:
                found |= schema_types(member)
        if not found and ("anyOf" in schema or "oneOf" in schema):
            found = {"object"}
    if schema.get("nullable") is True:
        found.add("null")
    return found


def _number(text: str) -> int | float | None:
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    if not math.isfinite(value):
        return None
    return int(value) if value.is_integer() else value


def _structure(text: str) -> Any:
    """JSON, else a Python literal (single quotes, True/False/None); None when neither, or when
    the literal holds something JSON cannot (a set, bytes, inf)."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return None
    value, why = json_compatible(value)
    return value if why is None and isinstance(value, (dict, list)) else None


_NOT_JSON = {bytes: "a bytes literal", set: "a set", frozenset: "a set",
             complex: "a complex number"}


def json_compatible(value: Any) -> tuple[Any, str | None]:
    """A Python literal (`ast.literal_eval`) as the JSON value it stands for (tuples become lists),
    or (None, what JSON cannot hold in it): bytes, sets, complex numbers, inf/nan, a dict key that
    is not a string, Ellipsis."""
    if value is None or isinstance(value, (bool, int, str)):
        return value, None
    if isinstance(value, float):
        return (value, None) if math.isfinite(value) else (None, f"the number {value!r}")
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            item, why = json_compatible(item)
            if why is not None:
                return None, why
            out.append(item)
        return out, None
    if isinstance(value, dict):
        obj: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                return None, f"a dict key that is not a string ({key!r})"
            obj[key], why = json_compatible(item)
            if why is not None:
                return None, why
        return obj, None
    kind = _NOT_JSON.get(type(value), f"a Python {type(value).__name__}")
    return None, f"{kind} ({value!r:.40})"


def type_tree(tree: Any, schema: dict[str, Any] | None, leaf: Callable[[str, Any], Any]) -> Any:
    """A value written as nested parameter markup (objects of leaf texts, lists: MiniMax M3's
    child tags), each leaf typed by `leaf(text, schema)` with the schema at its path: an
    object's `properties` (else `additionalProperties`), an array's `items`. Repeated keys make a
    list whose elements all take the key's schema, unless that schema is an array's."""
    schema = schema if isinstance(schema, dict) else None
    if isinstance(tree, dict):
        props = (schema or {}).get("properties")
        props = props if isinstance(props, dict) else {}
        extra = (schema or {}).get("additionalProperties")
        extra = extra if isinstance(extra, dict) else None
        return {key: type_tree(value, props.get(key, extra), leaf) for key, value in tree.items()}
    if isinstance(tree, list):
        items = (schema or {}).get("items") if "array" in schema_types(schema) else schema
        return [type_tree(value, items if isinstance(items, dict) else None, leaf) for value in tree]
    return leaf(tree, schema)


def convert(text: str, schema: dict[str, Any] | None) -> Any:
    """`text` converted by the schema's type(s); the text itself when it is no literal of them.
    A string type keeps the text as the family framed it."""
    types = schema_types(schema)
    stripped = text.strip()
    if "null" in types and stripped == "null":
        return None
    if types & {"boolean", "bool"} and stripped.lower() in ("true", "false"):
        return stripped.lower() == "true"
    number = _number(stripped) if types & {"integer", "int", "number", "float", "double"} else None
    if number is not None:
        return number
    if types & {"object", "array", "dict", "list"} and stripped[:1] in ("{", "["):
        value = _structure(stripped)
        if value is not None:
            return value
    return text


def xml_value(raw: str, schema: dict[str, Any] | None, schema_known: bool) -> Any:
    """qwen3_coder / minimax_m2: trimmed, HTML-unescaped; untyped is the text, `null` is null."""
    text = html_unescape(raw.strip())
    if not schema_known:
        return guess(text)
    if not schema_types(schema):
        return None if text.lower() == "null" else text
    return convert(text, schema)


def glm_value(raw: str, schema: dict[str, Any] | None, schema_known: bool,
              untyped_json: bool = True) -> Any:
    """glm47 (and minimax_m3 with `untyped_json=False`): the text as written."""
    if not schema_known:
        return guess(raw)
    if schema_types(schema):
        return convert(raw, schema)
    stripped = raw.strip()
    if untyped_json and stripped.startswith(("{", "[", '"')):
        try:
            return json.loads(stripped)
        except ValueError:
            pass
    return raw
