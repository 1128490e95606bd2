"""Tool-call markers left in `message.content`, and which format they are named after."""

from __future__ import annotations

from ..formats import registry


def leaked_markers(content: str | None) -> list[tuple[str, str]]:
    """(family, marker) for every known tool-call marker that stands in `content`."""
    if not content:
        return []
    hits = []
    for family in registry.family_names():
        for marker in registry.get_spec(family).markers():
            if len(marker) > 2 and marker in content:
                hits.append((family, marker))
    return hits


def leak_message(leaks: list[tuple[str, str]], family: str | None, configured: str | None) -> str:
    """The leaked markers, named after the family the raw output is in (else the configured
    parser's) when its markers explain them: `</tool_call>` of a hermes call is hermes', though
    glm47 and qwen3_coder write it too. Other families are named only for markers it lacks."""
    owner = next((f for f in (family, configured) if f and any(lf == f for lf, _ in leaks)), None)
    markers = sorted({m for _, m in leaks})
    named = {owner} if owner else set()
    for marker in markers:
        owners = {f for f, m in leaks if m == marker}
        if owner not in owners:
            named |= owners
    return (f"tool-call markers leaked into message.content: {', '.join(markers)} "
            f"({'/'.join(sorted(n for n in named if n))} format)")
