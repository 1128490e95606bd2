"""Earlier tool calls as the prompt shows them, against the model's own format.

A model imitates the history it is shown. When the chat template (or the server feeding it)
renders an earlier assistant call in a shape the format does not have — Gemma 4's
`call:run_terminal{{"command":...}}` from arguments passed as a JSON string, DeepSeek-V4's one
`arguments` parameter holding the whole object — the model writes its next call the same way, and
the arguments come back broken. That is the prompt's fault (`template`), not the model's.

The check reads each earlier call back out of the prompt with the format family's own spec (the
family of the reply, else of the configured parser) and compares it with the call the request
carries: same name, same arguments, no format problem. A call the spec reads differently is
misrendered; the reply *imitates* it when its own calls have the same deviant shape (the same
format problems, the same top-level argument keys) while the correct shape differs. `spec.render`
shows how the format writes the call. Pure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..formats import base as kinds
from ..formats import registry
from ..formats.base import CallCandidate
from ..formats.extract import extract
from .engine_view import shown
from .observed import decode_arguments

#: problems of the format's own structure (not of the arguments' content)
FORMAT_PROBLEMS = frozenset({kinds.MALFORMED, kinds.INVALID_JSON, kinds.TRUNCATED, kinds.MISSING_NAME,
                             kinds.MISSING_END_MARKER, kinds.MISSING_START_MARKER})


@dataclass
class Misrendered:
    name: str
    rendered: str  # the call as the prompt shows it
    read_as: Any  # the arguments the family's spec reads from it (None: undecodable)
    expected: str  # the call as the format writes it (spec.render)
    imitated: bool  # the reply's calls have the same deviant shape

    def message(self, family: str) -> str:
        read = ("no arguments at all" if self.read_as is None else
                f"arguments {json.dumps(self.read_as, ensure_ascii=False)}")
        text = (f"the earlier call {self.name!r} is rendered as {shown(self.rendered, 160)}, which "
                f"the {family} format reads as {read}; the format writes it "
                f"{shown(self.expected, 160)}")
        return text + ("; the reply repeats that shape, so the model imitated the prompt"
                       if self.imitated else "")


def _shape(call: CallCandidate) -> tuple[tuple[str, ...], tuple[str, ...] | None]:
    problems = tuple(sorted({p.kind for p in call.problems if p.kind in FORMAT_PROBLEMS}))
    keys = tuple(sorted(call.arguments)) if isinstance(call.arguments, dict) else None
    return problems, keys


def earlier_calls(request: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(name, arguments) of every assistant tool call in the request's messages whose arguments
    are a JSON object."""
    out = []
    for message in request.get("messages") or []:
        for call in (message.get("tool_calls") or []) if isinstance(message, dict) else []:
            fn = call.get("function") if isinstance(call, dict) else None
            if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
                continue
            args = decode_arguments(fn.get("arguments"))
            if args is not None:
                out.append((fn["name"], args))
    return out


def misrendered_history(prompt: str, request: dict[str, Any], family: str | None,
                        reply: list[CallCandidate]) -> list[Misrendered]:
    """Earlier calls the prompt shows in a shape `family` does not read as the call itself."""
    earlier = earlier_calls(request)
    if not earlier or family not in registry.family_names():
        return []
    spec = registry.get_spec(family)
    tools = request.get("tools") if isinstance(request.get("tools"), list) else None
    seen = extract(spec, prompt, tools).calls
    found: list[Misrendered] = []
    pos = 0
    for name, args in earlier:
        index = next((i for i in range(pos, len(seen)) if seen[i].name == name), None)
        if index is None:
            continue  # not rendered in this format at all: the prompt check's other findings say so
        pos = index + 1
        shown_call = seen[index]
        right = ((), tuple(sorted(args)))
        if _shape(shown_call) == right and shown_call.arguments == args:
            continue
        deviant = _shape(shown_call)
        imitated = deviant != right and any(_shape(r) == deviant for r in reply)
        found.append(Misrendered(name, prompt[shown_call.span[0]:shown_call.span[1]],
                                 shown_call.arguments, spec.render([(name, args)]), imitated))
    return found
