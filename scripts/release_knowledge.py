#!/usr/bin/env python3
"""Measure what each Dynamo release does and write `release/data/releases.json`.

    .venv/bin/python scripts/release_knowledge.py --all            # every release 1.0.2 .. newest
    .venv/bin/python scripts/release_knowledge.py --versions 1.5.1,1.6.1   # merge these rows

For each release, in a cached environment (`release/envs.py`), with the real frontend and our
replay worker on CPU:
- the parser names its `dynamo._core` lists;
- for every tool parser name, on every parser route the release has (DYN_PARSER_VERSION unset,
  1, 2, auto): the name's family renders two calls, the text is replayed non-streaming and
  streaming (1, 2 and 3 tokens per chunk), and the outcome is recorded: `parses` (both calls
  come back), `inert` (no call, the text back as content), `empty` (nothing at all: e.g. harmony
  without its encoding), `wrong` (something else); an inert name that is also a reasoning parser
  is tried again with it (`needs_reasoning_parser`);
- logprobs: entries against tokens with and without a tool parser, and which parsers drop them;
- whether `nvext.extra_fields: ["completion_token_ids"]` is honoured;
- under a forced tool_choice (required, named): whether the constrained JSON shape and the
  family's own markup (an engine ignoring the constraint) come back as the call;
- the meaning of the binding variables (an address, or an interface name), by trying both;
- from the release's sources: the SGLang top-logprobs gate, the structural-tag flag.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dynamo_toolcall_probe.errors import ProbeError  # noqa: E402
from dynamo_toolcall_probe.formats import get_spec  # noqa: E402
from dynamo_toolcall_probe.formats.registry import PARSER_FAMILIES  # noqa: E402
from dynamo_toolcall_probe.release import version_key  # noqa: E402
from dynamo_toolcall_probe.release import envs  # noqa: E402
from dynamo_toolcall_probe.release.capabilities import installed_capabilities  # noqa: E402
from dynamo_toolcall_probe.replay.run import canonical_calls  # noqa: E402
from dynamo_toolcall_probe.release.commands import (ADDRESS, BIND_VARIABLES, EITHER, INTERFACE,  # noqa: E402
                                                   UNSET)

DATA = ROOT / "dynamo_toolcall_probe" / "release" / "data" / "releases.json"
OLDEST = "1.0.2"
CALLS = [("get_weather", {"location": "Paris", "unit": "celsius"}),
         ("get_time", {"timezone": "Europe/Paris"})]
TOOLS = [{"type": "function", "function": {
             "name": "get_weather", "description": "Current weather",
             "parameters": {"type": "object", "properties": {
                 "location": {"type": "string"}, "unit": {"type": "string"}},
                 "required": ["location"]}}},
         {"type": "function", "function": {
             "name": "get_time", "description": "Current time",
             "parameters": {"type": "object", "properties": {"timezone": {"type": "string"}},
                            "required": ["timezone"]}}}]
REQUEST = {"messages": [{"role": "user", "content": "Weather and time in Paris?"}], "tools": TOOLS}
STREAM_CHUNKS = (1, 2, 3)


def say(text: str) -> None:
    print(f"[knowledge] {text}", file=sys.stderr, flush=True)


def index_versions() -> list[str]:
    out = subprocess.run([sys.executable, "-m", "pip", "index", "versions", "ai-dynamo"],
                         capture_output=True, text=True, check=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("Available versions:"))
    found = [v.strip() for v in line.split(":", 1)[1].split(",")]
    return sorted((v for v in found if version_key(v) >= version_key(OLDEST)), key=version_key)


def expected_calls() -> list[tuple[str, str]]:
    return canonical_calls([{"name": name, "arguments": args} for name, args in CALLS])


def outcome(result: dict, raw: str) -> str:
    if result.get("rejected"):
        return "rejected"
    if result.get("error"):
        return "error"
    calls = canonical_calls(result.get("tool_calls"))
    if calls == expected_calls():
        return "parses"
    content = result.get("content") or ""
    if not calls and content.strip() == raw.strip():
        return "inert"
    if not calls and not content.strip() and not (result.get("reasoning_content") or "").strip():
        return "empty"
    return "wrong"


def replay(python: str, names: list[str], route: str | None, chunk: int, stream: bool,
           reasoning: str | None = None) -> dict[str, dict]:
    """Each name replayed on its own family's rendering, all in one go; {name: result}. A name
    the frontend refuses on this route (it then serves none of the group) is found by trying
    the names one by one, and recorded as `rejected` with Dynamo's error."""
    from dynamo_toolcall_probe.replay.run import replay_parsers

    rendered = {n: get_spec(PARSER_FAMILIES[n]).render(CALLS) for n in names}
    scripts = {n: {"text": text, "chunk_size": chunk} for n, text in rendered.items()}
    try:
        found = replay_parsers({"text": ""}, names, REQUEST, stream=stream, reasoning_parser=reasoning,
                               python=python, parser_version=route, scripts=scripts)
    except ProbeError:
        if len(names) == 1:
            raise
        found = []
        for name in names:
            try:
                found += replay_parsers({"text": ""}, [name], REQUEST, stream=stream,
                                        reasoning_parser=reasoning, python=python,
                                        parser_version=route, scripts=scripts)
            except ProbeError as exc:
                # Dynamo's own words, without the probe's framing and the run's log path
                why = str(exc).split(" (full log")[0].split("): ", 1)[-1]
                found.append({"parser": name, "rejected": why})
    for r in found:
        r["raw"] = rendered[r["parser"]]
    return {r["parser"]: r for r in found}


def measure_parsing(python: str, caps) -> dict[str, dict]:
    names = [n for n in caps.tool_parsers if n in PARSER_FAMILIES]
    routes = [None, *caps.parser_version_choices]
    parse: dict[str, dict] = {}
    for route in routes:
        key = route or "default"
        say(f"  route {key}: {len(names)} parser names")
        base = replay(python, names, route, 2, stream=True)
        table = {}
        for name, r in base.items():
            entry = {"outcome": outcome(r, r["raw"]), "family": PARSER_FAMILIES[name],
                     "logprob_entries": r.get("logprob_entries")}
            if entry["outcome"] == "rejected":
                entry["error"] = r["rejected"]
            if entry["outcome"] == "wrong":
                entry["observed"] = {k: r.get(k) for k in ("tool_calls", "content", "finish_reason")}
            table[name] = entry
        inert = [n for n, e in table.items() if e["outcome"] in ("inert", "empty")
                 and n in caps.reasoning_parsers]
        for name in inert:
            try:
                again = replay(python, [name], route, 2, stream=False, reasoning=name)[name]
            except ProbeError:
                continue
            if outcome(again, again["raw"]) == "parses":
                table[name]["needs_reasoning_parser"] = name
        for chunk in STREAM_CHUNKS:
            working = [n for n in names if table[n]["outcome"] == "parses"]
            streamed = replay(python, working, route, chunk, stream=True) if working else {}
            for name, r in streamed.items():
                if table[name]["outcome"] == "parses" and not r.get("agree", True):
                    table[name].setdefault("stream_differences", []).append(
                        {"tokens_per_chunk": chunk,
                         "stream": {k[7:]: r.get(k) for k in r if k.startswith("stream_")}})
        table.update({n: {"outcome": "unmapped"} for n in caps.tool_parsers if n not in PARSER_FAMILIES})
        parse[key] = table
    return parse


def measure_logprobs(python: str, parse: dict) -> dict:
    from dynamo_toolcall_probe.replay.modeldir import builtin_model_dir
    from dynamo_toolcall_probe.replay.run import replay_parsers
    from tokenizers import Tokenizer

    raw = get_spec("hermes").render(CALLS)
    tokens = len(Tokenizer.from_file(str(builtin_model_dir() / "tokenizer.json")).encode(
        raw, add_special_tokens=False).ids)
    without = replay_parsers({"text": raw, "chunk_size": 2}, ["hermes"], None, stream=False,
                             python=python)[0]
    default = parse.get("default", {})
    dropped = sorted(n for n, e in default.items() if e.get("outcome") == "parses"
                     and e.get("logprob_entries") is None)
    with_parser = (default.get("hermes") or {}).get("logprob_entries")
    return {"tokens": tokens, "entries_with_tool_parser": with_parser,
            "complete_with_tool_parser": with_parser == tokens,
            "entries_without_tool_parser": without.get("logprob_entries"),
            "dropped_with": dropped}


FORCED = {"required": "required", "named": {"type": "function", "function": {"name": "get_weather"}}}


def measure_forced(python: str) -> dict:
    """Under a forced tool_choice, what the release returns for the JSON shape it constrains the
    answer to (`constrained`) and for the configured family's own markup (`native`: what an
    engine that ignores the constraint writes): `parses`, `lost` (no call) or `wrong`; non-streaming
    and streaming (`*_stream`), hermes at 2 tokens per chunk."""
    from dynamo_toolcall_probe.replay.run import replay_parsers

    call = CALLS[:1]
    want = canonical_calls([{"name": n, "arguments": a} for n, a in call])
    texts = {"native": get_spec("hermes").render(call),
             "required": json.dumps([{"name": n, "parameters": a} for n, a in call]),
             "named": json.dumps(call[0][1])}

    def seen(calls) -> str:
        got = canonical_calls(calls)
        return "parses" if got == want else ("lost" if not got else "wrong")

    out = {}
    for choice, value in FORCED.items():
        row = {}
        for kind, text in (("constrained", texts[choice]), ("native", texts["native"])):
            found = replay_parsers({"text": text, "chunk_size": 2}, ["hermes"],
                                   {**REQUEST, "tool_choice": value}, python=python)[0]
            row[kind] = "error" if found.get("error") else seen(found.get("tool_calls"))
            row[f"{kind}_stream"] = seen(found.get("stream_tool_calls"))
        out[choice] = row
    return out


def measure_token_ids(python: str) -> bool:
    from dynamo_toolcall_probe.capture.http import send_chat
    from dynamo_toolcall_probe.replay.stack import ReplayStack, ServedModel

    with ReplayStack([ServedModel("m", None)], python=python) as stack:
        stack.set_script(None, {"text": "hello there"})
        reply = send_chat(stack.base_url, {"model": "m", "messages": [{"role": "user", "content": "x"}],
                                           "nvext": {"extra_fields": ["completion_token_ids"]}})
    return b"completion_token_ids" in reply.body_bytes


def measure_env_meaning(python: str, caps) -> dict[str, str]:
    """Try each binding variable the runtime reads as an address and as an interface name."""
    from dynamo_toolcall_probe.replay.stack import ReplayStack, ServedModel

    meaning = {}
    for name in BIND_VARIABLES:
        if not caps.reads(name):
            continue
        works = []
        for kind in (ADDRESS, INTERFACE):
            try:
                # The others left out: each variable is measured on its own.
                alone = {other: UNSET for other in BIND_VARIABLES if other != name}
                with ReplayStack([ServedModel("m", None)], python=python, timeout=20,
                                 env_meaning={**alone, name: kind}):
                    works.append(kind)
            except ProbeError:
                pass
        meaning[name] = EITHER if len(works) == 2 else (works[0] if works else "unusable")
    return meaning


def measure_crates(python: str) -> dict[str, str]:
    """The parser crate versions built into the release's runtime (the conformance suite's
    `captured_with`), read from the crate paths compiled into dynamo/_core."""
    import mmap
    import re

    from dynamo_toolcall_probe.launch import target

    found: dict[str, str] = {}
    for location in target.query("sources", python)["locations"]:
        for lib in Path(location).glob("_core*.so"):
            with open(lib, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
                for m in re.finditer(rb"dynamo-parsers(-v2)?-(\d+\.\d+\.\d+)", data):
                    found["dynamo_v2" if m.group(1) else "dynamo_v1"] = m.group(2).decode()
    return found


def measure_sources(python: str) -> dict:
    from dynamo_toolcall_probe.launch import gate, target

    status = gate.installed_sglang_gate(python).status
    flags = target.query("flags", python, worker_groups=[
        "dynamo.common.configuration.groups.runtime_args:DynamoRuntimeArgGroup",
        "dynamo.vllm.backend_args:DynamoVllmArgGroup"], worker_argv=[], frontend_argv=None)
    options = set(flags["worker"]["options"])
    tag = ("default_on" if "--dyn-structural-tag" in options else
           "opt_in" if "--dyn-enable-structural-tag" in options else "unsupported")
    return {"sglang_top_logprobs_gate": status, "structural_tag": tag,
            "parser_crates": measure_crates(python)}


def measure(version: str, save) -> dict:
    """One release's row; `save(row)` stores the part measured so far (the stacks started for
    the rest read the binding variables' meaning from it, as every stack does)."""
    start = time.monotonic()
    python = envs.ensure_release(version, say)
    caps = installed_capabilities(python)
    say(f"ai-dynamo {version}: {len(caps.tool_parsers)} tool parsers, parser routes "
        f"{['default', *caps.parser_version_choices]}")
    row = {"tool_parsers": sorted(caps.tool_parsers),
           "reasoning_parsers": sorted(caps.reasoning_parsers),
           "parser_version_env": caps.parser_version_env,
           "env_meaning": measure_env_meaning(python, caps)}
    save(row)
    row["parse"] = measure_parsing(python, caps)
    row["logprobs"] = measure_logprobs(python, row["parse"])
    row["completion_token_ids"] = measure_token_ids(python)
    row["forced"] = measure_forced(python)
    row.update(measure_sources(python))
    row["measured_in_s"] = round(time.monotonic() - start, 1)
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--versions", help="comma-separated releases (merged into the data)")
    ap.add_argument("--all", action="store_true", help=f"every release from {OLDEST} on the index")
    ap.add_argument("--sources-only", action="store_true",
                    help="re-read only what comes from each measured release's files (fast)")
    ap.add_argument("--forced-only", action="store_true",
                    help="re-measure only forced tool_choice handling of each measured release")
    args = ap.parse_args()
    if args.sources_only or args.forced_only:
        data = json.loads(DATA.read_text())
        for version, row in data["releases"].items():
            python = envs.ensure_release(version, say)
            if args.sources_only:
                row.update(measure_sources(python))
            if args.forced_only:
                row["forced"] = measure_forced(python)
                say(f"ai-dynamo {version}: forced {row['forced']}")
            DATA.write_text(json.dumps(data, indent=1) + "\n")  # keep what is done
        return 0
    if not args.versions and not args.all:
        ap.error("give --versions or --all")
    versions = index_versions() if args.all else [v.strip() for v in args.versions.split(",")]
    data = json.loads(DATA.read_text()) if DATA.exists() else {}
    data["generated_by"] = "scripts/release_knowledge.py"
    releases = data.setdefault("releases", {})
    from dynamo_toolcall_probe.release.knowledge import load_data

    def save(version: str, row: dict) -> None:
        releases[version] = row
        data["releases"] = dict(sorted(releases.items(), key=lambda kv: version_key(kv[0])))
        DATA.write_text(json.dumps(data, indent=1) + "\n")  # keep what is done
        load_data.cache_clear()

    for version in versions:
        say(f"measuring ai-dynamo {version}")
        save(version, measure(version, lambda row, v=version: save(v, row)))
        say(f"ai-dynamo {version} done in {releases[version]['measured_in_s']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
