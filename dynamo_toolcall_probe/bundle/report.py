"""REPORT.md: paste-ready issue text with the four items Dynamo's troubleshooting page asks for
(request, full response, versions, worker launch command), the verdict and the evidence."""

from __future__ import annotations

import json
from typing import Any

INLINE_LIMIT = 40_000  # GitHub issue bodies stop at 65,536 characters; leave room for the rest


def _block(text: str, lang: str = "") -> str:
    fence = "````" if "```" in text else "```"
    return f"{fence}{lang}\n{text}\n{fence}"


def _versions(meta: dict[str, Any]) -> list[str]:
    # `versions` (demo, attach) or `packages` (probe-launch: every engine's distribution)
    versions = meta.get("versions") or meta.get("packages") or {}
    lines = [f"- {k}: {v}" for k, v in versions.items() if v]
    backend = meta.get("backend")
    if backend:
        lines.insert(0, f"- backend: {backend}")
    gpu = meta.get("gpu")
    if isinstance(gpu, dict):
        gpus = gpu.get("gpus") or []
        lines.append("- GPU: " + ("; ".join(", ".join(str(v) for k, v in g.items() if k != "uuid")
                                            for g in gpus) if gpus else gpu.get("why", "unknown")))
    torch = meta.get("torch_cuda")
    if isinstance(torch, dict) and torch.get("torch"):
        lines.append(f"- torch {torch['torch']}, CUDA {torch.get('cuda') or '?'}")
    plat = meta.get("platform")
    if isinstance(plat, dict):
        lines.append(f"- Python {plat.get('python')}, {plat.get('distribution') or plat.get('os')}")
    return lines or ["- unknown: not collected by `analyze`; fill in ai-dynamo, ai-dynamo-runtime "
                     "and engine versions (`pip show ai-dynamo ai-dynamo-runtime vllm sglang "
                     "tensorrt-llm`)"]


def _launch_commands(launch: dict[str, Any]) -> tuple[str | None, str | None]:
    """(worker, frontend) command lines: written by the demo, or from probe-launch's plan."""
    import shlex

    def line(spec: Any) -> str | None:
        if not isinstance(spec, dict) or not spec.get("argv"):
            return None
        env = " ".join(f"{c['name']}={shlex.quote(str(c['value']))}" for c in spec.get("env") or []
                       if c.get("value") is not None)
        return (f"env {env} \\\n  " if env else "") + shlex.join(spec["argv"])

    return (launch.get("worker_command") or line(launch.get("worker")),
            launch.get("frontend_command") or line(launch.get("frontend")))


def _cell(value: Any, limit: int = 120) -> str:
    """A table cell: escapes visible (newlines matter in tool-call markup), pipes escaped."""
    if value is None:
        return "(none)"
    text = json.dumps(value, ensure_ascii=False)
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return "`" + text.replace("|", "\\|").replace("`", "'") + "`"


def _engine_view(view: dict[str, Any] | None) -> list[str]:
    """Engine tokens (worker hook) next to the frontend's logprobs and message fields."""
    if view is None:
        return []
    logprobs = view["logprobs_text"]
    out = ["## Engine tokens vs frontend output", "",
           "| | tokens | text |", "|---|---|---|",
           f"| engine (worker hook) | {view['engine_token_count']} | {_cell(view['engine_text'])} |",
           f"| frontend logprobs | {view['logprobs_token_count'] if logprobs is not None else 'none'}"
           f" | {_cell(logprobs)} |",
           f"| reasoning_content | | {_cell(view['reasoning_content'])} |",
           f"| content | | {_cell(view['content'])} |",
           f"| tool_calls | {len(view['tool_calls'])} | {_cell(view['tool_calls'])} |", ""]
    if not view["differences"]:
        return out + [f"No differences: {view['summary']}.", ""]
    return out + [f"- `{d['kind']}`: {d['message']}" for d in view["differences"]] + [""]


def _split_sweep(sweep: dict[str, Any] | None) -> list[str]:
    if not sweep:
        return []
    out = ["## Split sweep", "", f"{sweep['tried']} chunkings of the same tokens streamed through "
           f"`{sweep['parser']}`; {len(sweep['diverged'])} differ from non-streaming.", ""]
    if sweep["diverged"]:
        out += ["| chunking | difference |", "|---|---|"]
        out += [f"| {x['chunking']} | {_cell(x['difference'], 200)} |" for x in sweep["diverged"]]
        out.append("")
    return out


def render_report(*, request_text: str | None, response_text: str | None, diagnosis,
                  metadata: dict[str, Any], error: str | None = None) -> str:
    out: list[str] = ["# Tool call comes back wrong", ""]
    if diagnosis is not None:
        d = diagnosis.to_dict()
        out += [f"**Verdict: `{d['verdict']}`** (from dynamo-toolcall-probe)", "",
                f"**Fix:** {d['fix']}", "", "## Evidence", ""]
        out += [f"- {line}" for line in d["evidence"]]
        out += ["", "## Raw model output", "",
                f"Source: `{d['raw_source']}`, {'byte-exact' if d['exact'] else 'NOT byte-exact'}.", "",
                _block(d["raw_output"] or "(empty)"), "",
                "## Expected vs returned tool calls", "",
                "Expected (strict parse of the raw output):", "",
                _block(json.dumps(d["expected_tool_calls"], indent=2, ensure_ascii=False), "json"), "",
                "Returned by the deployment:", "",
                _block(json.dumps(d["observed_tool_calls"], indent=2, ensure_ascii=False), "json"), ""]
        out += _engine_view(d.get("engine_view"))
        out += _split_sweep(d.get("split_sweep"))
    else:
        out += ["**Analysis failed**" + (f": {error}" if error else ""), ""]
    missing = metadata.get("missing") or []
    if missing:
        out += ["## Not collected", ""] + [f"- {m}" for m in missing] + [""]

    out += ["## 1. Request", ""]
    out += [_block(request_text, "json") if request_text else "(not provided: attach the request body)", ""]
    out += ["## 2. Response (full, with logprobs)", ""]
    if response_text is None:
        out += ["(not captured)", ""]
    elif len(response_text) <= INLINE_LIMIT:
        out += [_block(response_text, "json"), ""]
    else:
        out += [f"Attached as `response.json` ({len(response_text):,} characters, not inlined: "
                "GitHub limits an issue body to 65,536 characters). It is complete, with every "
                "`logprobs.content` entry.", ""]
    out += ["## 3. Versions", ""] + _versions(metadata) + [""]
    out += ["## 4. Worker launch command", ""]
    worker, frontend = _launch_commands(metadata.get("launch") or {})
    if worker:
        out += [_block(worker, "shell"), ""]
        if frontend:
            out += ["Frontend:", "", _block(frontend, "shell"), ""]
    else:
        parser = metadata.get("configured_parser")
        out += ["(unknown to `analyze`: paste the worker command, especially "
                "`--dyn-tool-call-parser`)" + (f"; configured parser given: `{parser}`" if parser else ""), ""]
    out += ["`report.html` shows the tokens of the raw output, the markers, the calls and where "
            "parsing stopped. `parity_fixture.yaml` holds the case for Dynamo's parser conformance "
            "suite (ai-dynamo/frontend-crates `conformance/`).", ""]
    return "\n".join(out)
