"""Render a model's chat template with a request, the way Hugging Face transformers does, to see
what the prompt shows when the engine's real prompt was not recorded.

The environment is HF's (`apply_chat_template`): a sandboxed jinja2 environment with
trim_blocks and lstrip_blocks, the loopcontrols extension, a `{% generation %}` block, the
`tojson` filter with HF's keyword arguments (non-ASCII kept), `raise_exception` and
`strftime_now`, the special tokens of tokenizer_config.json as variables, and
`add_generation_prompt=True`. The messages are shaped the way Dynamo's frontend hands them to its
template: an earlier tool call's `arguments` JSON string is parsed into an object (ai-dynamo/dynamo
PR #4176), except for templates that test `arguments is string` (PR #9301).

Pure apart from the lazy jinja2 import: template text and request in, prompt text out.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import Any

SPECIAL_TOKENS = ("bos_token", "eos_token", "unk_token", "pad_token", "sep_token", "cls_token",
                  "mask_token")


class TemplateError(Exception):
    """The template cannot be rendered (a syntax error, or its own raise_exception)."""


def pick_template(config: dict[str, Any], tools: bool) -> str | None:
    """The template text of a tokenizer_config.json: a string, or a list of named templates
    (HF picks `tool_use` when tools are passed, else `default`)."""
    template = config.get("chat_template")
    if isinstance(template, str):
        return template
    if isinstance(template, list):
        named = {t.get("name"): t.get("template") for t in template if isinstance(t, dict)}
        choice = named.get("tool_use") if tools and "tool_use" in named else named.get("default")
        return choice if isinstance(choice, str) else None
    return None


def special_tokens(config: dict[str, Any]) -> dict[str, str]:
    out = {}
    for name in SPECIAL_TOKENS:
        value = config.get(name)
        if isinstance(value, dict):  # a serialised AddedToken
            value = value.get("content")
        if isinstance(value, str):
            out[name] = value
    return out


def dynamo_messages(messages: list[Any], template: str) -> list[Any]:
    """The messages as Dynamo's frontend renders them: tool-call arguments as objects."""
    if "arguments is string" in template:
        return messages
    shaped = copy.deepcopy(messages)
    for message in shaped:
        for call in (message.get("tool_calls") or []) if isinstance(message, dict) else []:
            fn = call.get("function") if isinstance(call, dict) else None
            if isinstance(fn, dict) and isinstance(fn.get("arguments"), str):
                try:
                    fn["arguments"] = json.loads(fn["arguments"])
                except json.JSONDecodeError:
                    pass  # malformed JSON passes through unchanged, as in Dynamo
    return shaped


def render(template: str, request: dict[str, Any], tokens: dict[str, str] | None = None) -> str:
    """The prompt `template` makes of `request` (messages, tools), generation prompt added."""
    import jinja2
    from jinja2 import nodes
    from jinja2.ext import Extension
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Generation(Extension):
        """HF's `{% generation %}...{% endgeneration %}` (marks assistant text; renders as is)."""

        tags = {"generation"}

        def parse(self, parser):
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
            return nodes.Scope(body, lineno=lineno)

    def raise_exception(message: str) -> None:
        raise TemplateError(message)

    def tojson(value: Any, ensure_ascii: bool = False, indent: int | None = None,
               separators: Any = None, sort_keys: bool = False) -> str:
        return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                          sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[Generation, jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: datetime.now().strftime(fmt)
    messages = request.get("messages") if isinstance(request.get("messages"), list) else []
    tools = request.get("tools") if isinstance(request.get("tools"), list) else None
    try:
        compiled = env.from_string(template)
        return compiled.render(messages=dynamo_messages(messages, template), tools=tools or None,
                               add_generation_prompt=True, **(tokens or {}),
                               **(request.get("chat_template_kwargs") or {}))
    except TemplateError:
        raise
    except Exception as exc:  # noqa: BLE001 - a template's own code can raise anything
        raise TemplateError(f"{type(exc).__name__}: {exc}") from None
