"""Dynamo tool-parser names -> format families, and lazy loading of the family specs.

The mapping is data: adding a Dynamo parser name adds one line here; adding a family adds one
module under `formats/families/` that defines `SPEC`. Nothing is imported until a family is asked
for, so `--help` and `import dynamo_toolcall_probe` stay light.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import FormatSpec

#: Every name `dynamo._core.get_tool_parser_names()` returns in any measured release, mapped to
#: the family whose text format it parses (which release has which name, and which names parse
#: on which route: release.knowledge). Aliases that differ only in spelling share a family.
PARSER_FAMILIES: dict[str, str] = {
    "hermes": "hermes",
    "qwen25": "hermes",
    "qwen3": "hermes",  # parses nothing on some releases' default route (release.knowledge)
    "qwen3_coder": "qwen3_coder",
    "nemotron_nano": "qwen3_coder",
    "llama3_json": "llama3_json",
    "mistral": "mistral",
    "phi4": "phi4",
    "nemotron_deci": "nemotron_deci",
    "default": "default",
    "pythonic": "pythonic",
    "harmony": "harmony",
    "deepseek_v3": "deepseek_v3",
    "deepseek_v3_1": "deepseek_v3_1",
    "deepseek_v3_2": "dsml_v32",  # <｜DSML｜function_calls>
    "deepseek_v4": "dsml_v4",  # <｜DSML｜tool_calls>
    "deepseek-v4": "dsml_v4",
    "deepseekv4": "dsml_v4",
    "deepseek_v41": "dsml_v41",  # <｜DSML｜ calls>
    "jamba": "jamba",
    "minimax_m2": "minimax_m2",
    "minimax_m3": "minimax_m3",
    "minimax-m3": "minimax_m3",
    "minimax_m3_nom": "minimax_m3",
    "minimax-m3-nom": "minimax_m3",
    "glm45": "glm47",  # the parsers-v2 route reads it as glm47
    "glm47": "glm47",
    "kimi_k2": "kimi_k2",
    "kimi_k25": "kimi_k2",  # the parsers-v2 route reads it as kimi_k2
    "kimi_k3": "kimi_k3",
    "kimi-k3": "kimi_k3",
    "gemma4": "gemma4",
    "gemma-4": "gemma4",
    "inkling": "inkling",
    "muse": "muse",
    "muse_glimmer": "muse",
}


class UnknownParser(KeyError):
    """A parser name that no family covers."""


def family_of(parser_name: str) -> str:
    try:
        return PARSER_FAMILIES[parser_name]
    except KeyError:
        raise UnknownParser(parser_name) from None


def names_of(family: str) -> list[str]:
    """Every Dynamo parser name that selects `family`, canonical (family-named) first. Which of
    them a release has, and which parse on its parser route, is measured knowledge
    (release.knowledge.Knowledge.working_names)."""
    names = [n for n, f in PARSER_FAMILIES.items() if f == family]
    return sorted(names, key=lambda n: (n != family, n))


def family_names() -> list[str]:
    return sorted(set(PARSER_FAMILIES.values()))


@lru_cache(maxsize=None)
def get_spec(family: str) -> "FormatSpec":
    """The spec instance of `family`, imported on first use."""
    if family not in set(PARSER_FAMILIES.values()):
        raise UnknownParser(family)
    module = importlib.import_module(f"{__package__}.families.{family}")
    return module.SPEC


def all_specs() -> list["FormatSpec"]:
    return [get_spec(f) for f in family_names()]
