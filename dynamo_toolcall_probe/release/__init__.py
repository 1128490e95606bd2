"""The Dynamo release a probe is about: one value, detected once, handed to everything else.

A `Release` says which ai-dynamo a deployment runs (or the probe drives), where that was learnt
(the installed distributions, a bundle's metadata, `--dynamo-version`), and the parser
generation it selects (`DYN_PARSER_VERSION`). What a release *does* is not decided here:
`capabilities` reads what an installed release has, `knowledge` holds what was measured on each
release. This module imports nothing heavy.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from typing import Any, Mapping

from ..errors import BadInput

INSTALLED, METADATA, OPTION, UNKNOWN = "installed", "metadata", "option", "unknown"
PARSER_VERSIONS = ("1", "2", "auto")

_VERSION = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?(?:\.?post(\d+))?(?:[.+-].*)?$")


def version_key(version: str) -> tuple[int, int, int, int]:
    """Sortable (major, minor, patch, post) of an ai-dynamo version; BadInput if it is none."""
    m = _VERSION.match(version.strip())
    if not m:
        raise BadInput(f"{version!r} is not an ai-dynamo version (expected e.g. 1.5.1)")
    major, minor, patch, post = m.groups()
    return int(major), int(minor), int(patch or 0), int(post or 0)


def is_version(text: str) -> bool:
    return bool(_VERSION.match(text.strip()))


@dataclass(frozen=True)
class Release:
    version: str | None  # ai-dynamo's version, None when nothing says which
    source: str = UNKNOWN  # installed | metadata | option | unknown
    runtime_version: str | None = None  # ai-dynamo-runtime (the Rust frontend and parsers)
    parser_version: str | None = None  # DYN_PARSER_VERSION as set for the deployment, or None

    @property
    def known(self) -> bool:
        return self.version is not None

    @property
    def label(self) -> str:
        return f"Dynamo {self.version}" if self.version else "Dynamo (release unknown)"

    def key(self) -> tuple[int, int, int, int] | None:
        return version_key(self.version) if self.version else None

    def with_parser_version(self, value: str | None) -> "Release":
        return replace(self, parser_version=value)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def from_option(version: str, parser_version: str | None = None) -> Release:
    """`--dynamo-version V`: checked for shape here; whether V is a release we know is the
    knowledge module's question."""
    version_key(version)
    return Release(version.strip(), OPTION, parser_version=parser_version)


def from_metadata(meta: Mapping[str, Any] | None) -> Release:
    """The release a bundle's metadata.json records (probe-launch and the demo write it)."""
    meta = meta or {}
    recorded = meta.get("release") or {}
    version = recorded.get("version")
    packages = meta.get("packages") or meta.get("versions") or {}
    version = version or packages.get("ai-dynamo")
    if not version or not is_version(str(version)):  # absent, or not a version (a hand-edited
        return Release(None, UNKNOWN, parser_version=recorded.get("parser_version"))  # bundle)
    return Release(version, METADATA, recorded.get("runtime_version") or packages.get("ai-dynamo-runtime"),
                   recorded.get("parser_version"))


def from_versions(versions: Mapping[str, str | None], parser_version: str | None = None) -> Release:
    """From installed distribution versions ({"ai-dynamo": ..., "ai-dynamo-runtime": ...}).
    The frontend and its parsers live in ai-dynamo-runtime; ai-dynamo alone (an unusual install)
    still names the release."""
    version = versions.get("ai-dynamo") or versions.get("ai-dynamo-runtime")
    if not version or not is_version(version):
        return Release(None, UNKNOWN, parser_version=parser_version)
    return Release(version, INSTALLED, versions.get("ai-dynamo-runtime"), parser_version)


def resolve(version_option: str | None, parser_version_option: str | None,
            metadata: Mapping[str, Any] | None) -> Release:
    """The release a diagnosis is about: `--dynamo-version` first, then a bundle's metadata;
    `--parser-version` overrides what the metadata recorded."""
    release = from_option(version_option) if version_option else from_metadata(metadata)
    if parser_version_option is not None:
        if parser_version_option not in PARSER_VERSIONS:
            raise BadInput(f"--parser-version {parser_version_option!r}: choose 1, 2 or auto")
        release = release.with_parser_version(parser_version_option)
    return release


def installed(python: str | None = None, parser_version: str | None = None) -> Release:
    """The release installed in `python` (default: this interpreter), from metadata only."""
    from ..launch.target import package_versions

    return from_versions(package_versions(("ai-dynamo", "ai-dynamo-runtime"), python), parser_version)


__all__ = ["Release", "version_key", "from_option", "from_metadata", "from_versions", "installed",
           "resolve",
           "PARSER_VERSIONS", "INSTALLED", "METADATA", "OPTION", "UNKNOWN"]
