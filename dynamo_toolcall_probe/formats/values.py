"""How XML-style parameter values become JSON values: by the tool's JSON Schema type, the way
Dynamo's parsers do it; only an untyped parameter is guessed, again the way Dynamo guesses.

Seen on the real 1.6.1 frontend (replay, one `typed` tool whose schema has string / integer /
number / boolean / object / array parameters, a property without a type and a parameter absent
from the schema; tests/formats/cases/*typing* hold the texts):

- `xml` (qwen3_coder, nemotron_nano, minimax_m2; lib/parsers xml/parser.rs `convert_param_value`):
  the text is trimmed and HTML-unescaped; `null` is null whatever the type; a string-typed `123`
  stays "123"; integer/number/boolean/object/array are converted, falling back to the string; an
  untyped parameter (absent from the schema, a property without `type`, an unknown tool) is a
  string.
- `glm` (glm47): typed values as above but a string keeps its whitespace, `&lt;` is not unescaped,
  `null` stays "null", `yes`/`no` are booleans, `x, y` for an array is ["x", "y"] and 42.0 stays
  a float; an untyped value is JSON when it looks like JSON (`{`, `[`, `"`), else the text.
- `m3` (minimax_m3): typed like `glm`; an untyped value is always the text as written.

When the request's tools are unknown (no schema at all), nothing is known about the types: the
value is JSON where it is JSON, else the text (`guess`), and the diagnosis treats it as a guess.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

_INT = re.compile(r"[+-]?\d+")
_FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_STRING_TYPES = ("string", "str", "text", "varchar", "char", "enum")


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


def schema_type(schema: dict[str, Any] | None) -> str | None:
    """The parameter's declared type, lower-cased; None when untyped. A property with anyOf /
    oneOf and no `type` counts as an object (Dynamo parses it as JSON)."""
    if not isinstance(schema, dict):
        return None
    declared = schema.get("type")
    if isinstance(declared, str):
        return declared.lower()
    if "anyOf" in schema or "oneOf" in schema:
        return "object"
    return None


def _literal(text: str) -> Any:
    """JSON, else a Python-style literal (single quotes, True/False/None) read as JSON."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    fixed = text.replace("'", '"').replace("True", "true").replace("False", "false").replace("None", "null")
    return json.loads(fixed)


def _number(text: str, whole_as_int: bool) -> Any:
    if not _FLOAT.fullmatch(text):
        return None
    value = float(text)
    if not math.isfinite(value):
        return None
    return int(value) if whole_as_int and value.is_integer() else value


def typed(text: str, kind: str, glm: bool = False) -> Any:
    """`text` converted to the schema type `kind`, or the text itself when it does not convert.
    `glm`: glm47's variant (yes/no/1/0 booleans, comma-separated arrays, 42.0 stays a float)."""
    if kind in _STRING_TYPES:
        return text
    stripped = text.strip()
    if kind.startswith(("int", "uint", "long", "short", "unsigned")):
        return int(stripped) if _INT.fullmatch(stripped) else text
    if kind.startswith(("num", "float", "double")):
        number = _number(stripped, whole_as_int=not glm)
        return text if number is None else number
    if kind in ("boolean", "bool", "binary"):
        low = stripped.lower()
        if glm:
            if low in ("true", "1", "yes"):
                return True
            if low in ("false", "0", "no"):
                return False
            return text
        return low == "true"
    if kind == "null" and stripped in ("null", "None", ""):
        return None
    if kind == "array" and glm:
        try:
            value = json.loads(stripped)
            if isinstance(value, list):
                return value
        except ValueError:
            pass
        return [part.strip() for part in stripped.split(",")]
    try:
        return _literal(stripped)
    except ValueError:
        return text


def xml_value(raw: str, schema: dict[str, Any] | None, schema_known: bool) -> Any:
    """Dynamo's `convert_param_value` (qwen3_coder, minimax_m2)."""
    text = html_unescape(raw.strip())
    if text.lower() == "null":
        return None
    if not schema_known:
        return guess(text)
    kind = schema_type(schema)
    return text if kind is None else typed(text, kind)


def glm_value(raw: str, schema: dict[str, Any] | None, schema_known: bool,
              untyped_json: bool = True) -> Any:
    """Dynamo's glm47 coercion (and minimax_m3's with `untyped_json=False`). Unlike `xml_value`,
    no trimming of strings, no HTML unescaping and `null` is only null for a null type."""
    text = raw
    kind = schema_type(schema) if schema_known else None
    if kind is not None:
        return typed(text, kind, glm=True)
    if not schema_known:
        return guess(text)
    stripped = text.strip()
    if untyped_json and stripped.startswith(("{", "[", '"')):
        try:
            return json.loads(stripped)
        except ValueError:
            pass
    return text
