"""Expected calls (from the raw output) against observed calls (from the response)."""

from __future__ import annotations

from typing import Any

from ..formats.base import ExtractedCall
from .observed import ObservedCall


def _value_diff(path: str, want: Any, got: Any, out: list[str]) -> None:
    if isinstance(want, dict) and isinstance(got, dict):
        for key in want:
            if key not in got:
                out.append(f"{path}.{key} missing (raw output has {want[key]!r})")
            else:
                _value_diff(f"{path}.{key}", want[key], got[key], out)
        for key in got:
            if key not in want:
                out.append(f"{path}.{key} = {got[key]!r} is not in the raw output")
    elif want != got:
        out.append(f"{path} is {got!r}, raw output has {want!r}")


def compare_calls(expected: list[ExtractedCall], observed: list[ObservedCall]) -> list[str]:
    """Human-readable differences; [] when the response carries exactly the raw output's calls."""
    diffs: list[str] = []
    if len(expected) != len(observed):
        diffs.append(f"the raw output has {len(expected)} tool call(s), the response has {len(observed)}")
    for i, (want, got) in enumerate(zip(expected, observed)):
        where = f"tool_calls[{i}]"
        if want.name != got.name:
            diffs.append(f"{where}.name is {got.name!r}, raw output has {want.name!r}")
        if got.arguments is None:
            diffs.append(f"{where}.arguments is not a JSON object: {got.arguments_text!r}")
        elif want.arguments is not None:
            _value_diff(f"{where}.arguments", want.arguments, got.arguments, diffs)
    # Duplicates: the same call returned twice where the raw output has it once.
    seen: dict[tuple, int] = {}
    for got in observed:
        key = (got.name, got.arguments_text)
        seen[key] = seen.get(key, 0) + 1
    raw_counts: dict[tuple, int] = {}
    for want in expected:
        key = (want.name, repr(want.arguments))
        raw_counts[key] = raw_counts.get(key, 0) + 1
    for (name, args_text), n in seen.items():
        if n > 1 and n > sum(c for (rn, _), c in raw_counts.items() if rn == name):
            diffs.append(f"tool call {name!r} with arguments {args_text} is duplicated ({n}x)")
    return diffs
