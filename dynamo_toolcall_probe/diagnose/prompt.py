"""The prompt as a suspect: did the request's tools, and the earlier turns, reach the model?

A model can only call tools its prompt shows it. The prompt is known exactly when the engine's
prompt token ids were recorded (the worker hook in probe-launch) or saved (`analyze --prompt`),
and approximately when the model's own chat template is rendered with the request
(`analyze --tokenizer DIR`, chat_template.py). The checks:

- every offered tool's name, and its parameter names, stand in the prompt (outside the messages'
  own text, so a tool named in the user's question does not count);
- each earlier tool call of a multi-turn request is rendered with its arguments as an object, not
  as a JSON string encoded a second time (ai-dynamo/dynamo#4161), and each tool result is there.

Tools that never reached the model decide the verdict `template` when the model made no call (it
could not have): the fix names the chat template or `--dyn-chat-processor` (a chat processor that
drops tools: ai-dynamo/dynamo#13396). The other findings decide only when the model's own output
is otherwise the suspect (its prompt showed it something wrong); else they are notes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..verdicts import Verdict
from .findings import Finding
from .history_shape import misrendered_history

PROMPT_ENGINE = "engine prompt tokens (worker hook), decoded with the model's tokenizer"
PROMPT_FILE = "the prompt as recorded (--prompt)"
PROMPT_RENDERED = "the model's own chat template, rendered with the request (not the recorded prompt)"

TEMPLATE_FIX = ("the tools never reached the model: check the chat template the deployment uses "
                "(tokenizer_config.json chat_template, --custom-jinja-template) renders `tools`, "
                "and the frontend's --dyn-chat-processor (a chat processor that drops tools, "
                "ai-dynamo/dynamo#13396); send the request again once the prompt shows them")
SHAPE_FIX = ("the prompt shows an earlier tool call in a shape the model's tool-call format does "
             "not have, and the model copies it: render earlier calls the way the format writes "
             "them (pass their arguments as an object: a JSON string sends many templates down "
             "an `arguments is string` branch), in the chat template or the --dyn-chat-processor "
             "that renders them")
HISTORY_FIX = ("the prompt shows earlier tool calls or results wrongly: render tool_call "
               "arguments as objects (ai-dynamo/dynamo#4161) and keep tool results, in the chat "
               "template or the chat processor")


@dataclass
class Prompt:
    text: str
    source: str  # PROMPT_ENGINE | PROMPT_FILE | PROMPT_RENDERED

    @property
    def recorded(self) -> bool:
        return self.source != PROMPT_RENDERED


@dataclass
class PromptView:
    source: str
    text: str
    tools: list[dict[str, Any]] = field(default_factory=list)  # name, in_prompt, missing_parameters
    history: list[str] = field(default_factory=list)  # how earlier turns were rendered, if wrong

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "text": self.text, "tools": self.tools,
                "history": self.history}


def _tool_specs(request: dict[str, Any]) -> list[tuple[str, list[str]]]:
    out = []
    for tool in request.get("tools") or []:
        fn = tool.get("function") if isinstance(tool, dict) else None
        if isinstance(fn, dict) and isinstance(fn.get("name"), str):
            params = fn.get("parameters") if isinstance(fn.get("parameters"), dict) else {}
            props = params.get("properties") if isinstance(params.get("properties"), dict) else {}
            out.append((fn["name"], list(props)))
    return out


def _message_texts(request: dict[str, Any]) -> list[str]:
    texts = []
    for message in request.get("messages") or []:
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(content, str) and content:
            texts.append(content)
        elif isinstance(content, list):
            texts += [p["text"] for p in content if isinstance(p, dict)
                      and isinstance(p.get("text"), str) and p["text"]]
    return texts


def _without_messages(prompt: str, request: dict[str, Any]) -> str:
    """The prompt with the messages' own text cut out (longest first)."""
    for text in sorted(_message_texts(request), key=len, reverse=True):
        if len(text) >= 3:
            prompt = prompt.replace(text, "\0")
    return prompt


def _history(prompt: str, request: dict[str, Any]) -> list[str]:
    issues = []
    outside = _without_messages(prompt, request)
    for message in request.get("messages") or []:
        if not isinstance(message, dict):
            continue
        for call in message.get("tool_calls") or []:
            fn = call.get("function") if isinstance(call, dict) else None
            if not isinstance(fn, dict) or not isinstance(fn.get("arguments"), str):
                continue
            try:
                args = json.loads(fn["arguments"])
            except json.JSONDecodeError:
                continue
            if not isinstance(args, dict) or not args:
                continue
            key = next(iter(args))
            escaped = re.search(r'\\"' + re.escape(key) + r'\\"\s*:', outside)
            if escaped:
                issues.append(f"the earlier call {fn.get('name')!r} is rendered with its arguments "
                              f"as a JSON string encoded twice ({escaped.group(0)} in the prompt), "
                              "not as an object: the model may imitate it (ai-dynamo/dynamo#4161)")
            elif fn.get("name") and fn["name"] not in prompt:
                issues.append(f"the earlier call {fn['name']!r} does not appear in the prompt")
        if message.get("role") == "tool" and isinstance(message.get("content"), str):
            result = message["content"].strip()
            if len(result) >= 3 and result[:200] not in prompt:
                issues.append(f"the tool result {result[:60]!r} does not appear in the prompt")
    return issues


def check_prompt(prompt: Prompt, request: dict[str, Any] | None, model_called: bool,
                 model_suspect: bool, family: str | None = None,
                 reply: list[Any] | None = None) -> tuple[PromptView, list[Finding]]:
    """`model_called`: the raw output holds a call; `model_suspect`: without the prompt, the
    model's text would be the verdict; `family`: the tool-call format of the reply (else of the
    configured parser); `reply`: the reply's calls as that format reads them."""
    request = request or {}
    view = PromptView(prompt.source, prompt.text)
    outside = _without_messages(prompt.text, request)
    where = "the prompt" if prompt.recorded else "the rendered chat template"
    findings: list[Finding] = []
    specs = _tool_specs(request)
    for name, params in specs:
        present = name in outside
        missing = [p for p in params if p not in outside] if present else params
        view.tools.append({"name": name, "in_prompt": present, "missing_parameters": missing})
    absent = [t["name"] for t in view.tools if not t["in_prompt"]]
    if specs and absent:
        every = len(absent) == len(specs)
        what = (f"none of the {len(specs)} offered tool(s) ({', '.join(absent[:5])})" if every
                else f"{len(absent)} of {len(specs)} offered tools ({', '.join(absent[:5])})")
        message = f"{where} shows {what}: the model could not have called them [{prompt.source}]"
        note = model_called or request.get("tool_choice") == "none"
        if model_called:
            message += "; yet the model called a tool, so the deployment's prompt may differ"
        elif note:
            message += " (tool_choice \"none\": a deployment may leave them out on purpose)"
        findings.append(Finding(Verdict.TEMPLATE, "tools_missing_from_prompt", message,
                                TEMPLATE_FIX, note=note))
    elif specs:
        findings.append(Finding(Verdict.OK, "tools_in_prompt", f"{where} shows all {len(specs)} "
                                f"offered tool(s) [{prompt.source}]", note=True))
    for tool in view.tools:
        if tool["in_prompt"] and tool["missing_parameters"]:
            findings.append(Finding(Verdict.TEMPLATE, "tool_parameters_missing", f"{where} shows "
                                    f"the tool {tool['name']!r} without its parameter(s) "
                                    f"{', '.join(tool['missing_parameters'][:5])}", TEMPLATE_FIX,
                                    note=not model_suspect))
    view.history = _history(prompt.text, request)
    for issue in view.history:
        findings.append(Finding(Verdict.TEMPLATE, "history_rendering", f"{where}: {issue}",
                                HISTORY_FIX, note=not model_suspect))
    for shape in misrendered_history(prompt.text, request, family, reply or []):
        if any(repr(shape.name) in issue for issue in view.history):
            continue  # already said (a JSON string encoded twice, or not shown at all)
        view.history.append(shape.message(family or ""))
        # decides only when the model is the suspect and its reply copies the shape it was shown
        findings.append(Finding(Verdict.TEMPLATE, "history_shape", f"{where}: {view.history[-1]}",
                                SHAPE_FIX, note=not (model_suspect and shape.imitated)))
    return view, findings
