"""What the frontend returned: content, reasoning, tool calls and finish reason of choices[0]."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..reconstruct import first_choice


@dataclass
class ObservedCall:
    name: str | None
    arguments_text: str | None
    arguments: dict[str, Any] | None  # None when arguments_text is not a JSON object
    index: int | None = None
    id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "arguments": self.arguments, "arguments_text": self.arguments_text}


@dataclass
class Observed:
    content: str | None
    reasoning_content: str | None
    tool_calls: list[ObservedCall] = field(default_factory=list)
    finish_reason: str | None = None
    tool_calls_field: str = "absent"  # "absent" | "null" | "list"

    def to_dict(self) -> dict[str, Any]:
        return {"content": self.content, "reasoning_content": self.reasoning_content,
                "tool_calls": [c.to_dict() for c in self.tool_calls],
                "finish_reason": self.finish_reason, "tool_calls_field": self.tool_calls_field}


def decode_arguments(text: Any) -> dict[str, Any] | None:
    if isinstance(text, dict):
        return text
    if not isinstance(text, str):
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def observe(response: dict[str, Any]) -> Observed:
    choice = first_choice(response)
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    raw_calls = message.get("tool_calls", "__absent__")
    calls: list[ObservedCall] = []
    if isinstance(raw_calls, list):
        for i, call in enumerate(raw_calls):
            fn = call.get("function") if isinstance(call, dict) else None
            fn = fn if isinstance(fn, dict) else {}
            args = fn.get("arguments")
            calls.append(ObservedCall(fn.get("name"), args if isinstance(args, str) else
                                      (json.dumps(args) if args is not None else None),
                                      decode_arguments(args), call.get("index", i) if isinstance(call, dict) else i,
                                      call.get("id") if isinstance(call, dict) else None))
    field_state = ("absent" if raw_calls == "__absent__" else "null" if raw_calls is None else "list")
    content = message.get("content")
    reasoning = message.get("reasoning_content") or message.get("reasoning")
    return Observed(content if isinstance(content, str) else None,
                    reasoning if isinstance(reasoning, str) else None,
                    calls, choice.get("finish_reason"), field_state)
