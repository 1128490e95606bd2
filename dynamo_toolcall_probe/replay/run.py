"""Replay one raw output through many Dynamo parsers: one frontend, one worker, one served name
per parser, one request each (non-streaming and, if asked, streaming)."""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..errors import EnvironmentProblem
from .stack import ReplayStack, ServedModel

# Request fields the replay drops: the script decides length and stop, not the sampler.
DROPPED_FIELDS = ("max_tokens", "max_completion_tokens", "stop", "n", "stream_options", "seed")


def installed_parser_names(python: str = sys.executable) -> list[str]:
    """`get_tool_parser_names()` of the Dynamo installed in `python`, asked in a subprocess so
    this process never imports dynamo."""
    from ..release.capabilities import installed_capabilities

    try:
        caps = installed_capabilities(python)
    except EnvironmentProblem as exc:
        raise EnvironmentProblem(f"cannot list the installed Dynamo's tool parsers ({exc}); "
                                 "run scripts/install") from None
    if not caps.tool_parsers:
        why = caps.errors.get("parsers", "none listed")
        raise EnvironmentProblem(f"cannot list the installed Dynamo's tool parsers ({why})")
    return sorted(caps.tool_parsers)


def _calls(message: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"name": (c.get("function") or {}).get("name"),
             "arguments": (c.get("function") or {}).get("arguments")}
            for c in message.get("tool_calls") or []]


def _summary(body: dict[str, Any] | None) -> dict[str, Any]:
    choice = ((body or {}).get("choices") or [{}])[0]
    message = choice.get("message") or {}
    logprobs = choice.get("logprobs")
    entries = (logprobs or {}).get("content") if isinstance(logprobs, dict) else None
    return {"tool_calls": _calls(message), "content": message.get("content"),
            "reasoning_content": message.get("reasoning_content"),
            "finish_reason": choice.get("finish_reason"),
            "logprob_entries": len(entries) if isinstance(entries, list) else None}


def replay_request(request: dict[str, Any] | None, served_name: str) -> dict[str, Any]:
    body = {k: v for k, v in (request or {}).items() if k not in DROPPED_FIELDS}
    body.setdefault("messages", [{"role": "user", "content": "replay"}])
    body["model"] = served_name
    body["logprobs"] = True
    return body


def replay_parsers(script: dict[str, Any], parsers: list[str], request: dict[str, Any] | None,
                   model_dir: Path | None = None, stream: bool = True,
                   reasoning_parser: str | None = None, timeout: float = 60.0,
                   python: str = sys.executable, parser_version: str | None = None,
                   scripts: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """What each parser in `parsers` makes of the scripted output; one dict per parser, in order.
    `scripts` gives some parsers a script of their own (each family its own rendering).

    The 1.6.1 frontend opens about 4 inotify instances per served model and the per-user limit
    is 128 by default (inotify.py): parsers are split over frontends sized to that budget, and a
    frontend starts when its instances fit (36 parsers: 14 + 14 at once, then 8)."""
    from .inotify import Budget, available, cost, group_sizes

    budget = available()
    groups, pos = [], 0
    for size in group_sizes(len(parsers), budget):
        groups.append(parsers[pos:pos + size])
        pos += size
    if model_dir is None:
        from .modeldir import builtin_model_dir

        model_dir = builtin_model_dir()  # build once, before the stacks race for it
    held = Budget(budget)

    def run(group: list[str]) -> list[dict[str, Any]]:
        with held.hold(cost(len(group))):
            return _replay_group(script, group, request, model_dir, stream, reasoning_parser,
                                 timeout, python, parser_version, scripts or {})

    with ThreadPoolExecutor(max_workers=max(1, len(groups))) as pool:
        parts = list(pool.map(run, groups))
    return [r for part in parts for r in part]


def _replay_group(script, parsers, request, model_dir, stream, reasoning_parser, timeout, python,
                  parser_version, scripts):
    from ..capture.http import send_chat

    models = [ServedModel(f"replay-{p}", p, reasoning_parser) for p in parsers]
    with ReplayStack(models, model_dir=model_dir, timeout=timeout, python=python,
                     parser_version=parser_version) as stack:
        stack.set_script(None, script)
        for parser in parsers:
            if parser in scripts:
                stack.set_script(f"replay-{parser}", scripts[parser])

        def one(parser: str) -> dict[str, Any]:
            body = replay_request(request, f"replay-{parser}")
            result: dict[str, Any] = {"parser": parser}
            plain = send_chat(stack.base_url, body, stream=False)
            if not plain.ok:
                result["error"] = f"HTTP {plain.status}: {plain.body_bytes[:300].decode(errors='replace')}"
                return result
            result.update(_summary(plain.body))
            if stream:
                streamed = send_chat(stack.base_url, body, stream=True)
                summary = _summary(streamed.body) if streamed.ok else {}
                result.update({f"stream_{k}": v for k, v in summary.items()})
                result["agree"] = bool(summary) and same_result(summary, result)
            return result

        with ThreadPoolExecutor(max_workers=len(parsers) or 1) as pool:
            return list(pool.map(one, parsers))


def same_result(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two summaries carry the same calls, content and finish_reason."""
    return all(_norm(a.get(k)) == _norm(b.get(k)) for k in ("tool_calls", "content", "finish_reason"))


def canonical_calls(calls: list[dict[str, Any]] | None) -> list[tuple[Any, str]]:
    """(name, arguments as sorted JSON) per call: ids and key order do not matter."""
    out = []
    for call in calls or []:
        args = call.get("arguments")
        try:
            args = json.loads(args) if isinstance(args, str) else args
        except json.JSONDecodeError:
            pass
        out.append((call.get("name"), json.dumps(args, sort_keys=True)))
    return out


def _norm(value: Any) -> Any:
    """Streaming and non-streaming differ legitimately in call ids and in "" vs null content."""
    if isinstance(value, list):
        return canonical_calls(value)
    return value or None
