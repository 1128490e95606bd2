"""Values the strict reading returns are JSON: Python literals JSON cannot hold make a call
invalid (never a crash), and nested parameter markup is typed by the nested schema."""

import json

import pytest
from click.testing import CliRunner
from helpers import chunks, logprobs_for, request, response

from dynamo_toolcall_probe.cli.main import cli
from dynamo_toolcall_probe.formats.values import convert, json_compatible, type_tree

ORDER = {"type": "object", "properties": {
    "shipping": {"type": "object", "properties": {"zip": {"type": "integer"}, "city": {"type": "string"}}},
    "items": {"type": "array", "items": {"type": "object", "properties": {"qty": {"type": "integer"}}}},
    "meta": {"type": "object", "additionalProperties": {"type": "string"}},
    "flags": {"type": "boolean"}}}


@pytest.mark.parametrize("value,why", [
    (b"z", "a bytes literal"), ({1, 2}, "a set"), (frozenset(), "a set"), (1j, "a complex number"),
    (float("inf"), "the number inf"), ({"a": [float("nan")]}, "the number nan"),
    ({1: "x"}, "not a string"), (Ellipsis, "Ellipsis"),
])
def test_what_json_cannot_hold_is_named(value, why):
    out, reason = json_compatible(value)
    assert out is None and why in reason


def test_json_values_pass_and_tuples_become_lists():
    assert json_compatible({"a": (1, 2.5, None, True, "s"), "b": {"c": []}}) == (
        {"a": [1, 2.5, None, True, "s"], "b": {"c": []}}, None)


def test_a_python_set_for_an_object_parameter_stays_text_instead_of_crashing():
    assert convert("{1, 2}", {"type": "object"}) == "{1, 2}"
    assert convert("{'a': (1, 2)}", {"type": "object"}) == {"a": [1, 2]}


def test_nested_leaves_are_typed_by_the_schema_at_their_path():
    tree = {"shipping": {"zip": "018956", "city": "007"}, "items": [{"qty": "2"}, {"qty": "x"}],
            "meta": {"source": "42"}, "flags": "TRUE", "extra": "3"}

    def leaf(text, schema):
        return convert(text, schema) if schema else f"untyped:{text}"

    assert type_tree(tree, ORDER, leaf) == {
        "shipping": {"zip": 18956, "city": "007"}, "items": [{"qty": 2}, {"qty": "x"}],
        "meta": {"source": "42"}, "flags": True, "extra": "untyped:3"}


def test_repeated_keys_take_the_keys_schema():
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}}
    assert type_tree({"n": ["1", "2"]}, schema, convert) == {"n": [1, 2]}


def test_analyze_never_crashes_on_a_bytes_literal(tmp_path):
    raw = "[get_weather(location=b'NYC')]"
    (tmp_path / "r.json").write_text(json.dumps(response(raw, logprobs=logprobs_for(chunks(raw)))))
    (tmp_path / "q.json").write_text(json.dumps(request()))
    res = CliRunner().invoke(cli, ["analyze", str(tmp_path / "r.json"), "--request",
                                   str(tmp_path / "q.json"), "--parser", "pythonic", "--json"])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    out = json.loads(res.output)
    assert out["verdict"] == "model" and "bytes literal" in " ".join(out["evidence"])
