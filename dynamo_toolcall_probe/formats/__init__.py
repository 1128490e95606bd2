"""Tool-call format families: detection, strict extraction and rendering of raw model text."""

from .registry import PARSER_FAMILIES, family_names, family_of, get_spec, names_of  # noqa: F401
