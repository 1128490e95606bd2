#!/usr/bin/env python3
"""The release matrix: does the probe drive each Dynamo release, measured, as a markdown table.

    .venv/bin/python scripts/release_matrix.py            # every measured release
    .venv/bin/python scripts/release_matrix.py --versions 1.2.1,1.6.1

For each release (a cached environment, `release/envs.py`): `probe-launch --backend replay
--parser qwen3_coder` through the real CLI (launch ok = verdict parser_config, with the hook's
engine tokens), and `dynamo-probe replay --all-parsers` on the demo bundle (replay ok = every
parser name of that release replayed without error, and hermes extracts the call). The known
differences come from the measured knowledge (`release/data/releases.json`).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dynamo_toolcall_probe.release import Release, envs  # noqa: E402
from dynamo_toolcall_probe.release.knowledge import Knowledge, measured_versions  # noqa: E402

BIN = Path(sys.executable).parent


def differences(version: str) -> str:
    k = Knowledge.of(Release(version))
    default = k.row.get("parse", {}).get("default", {})
    notes = []
    inert = sorted(n for n, e in default.items() if e.get("outcome") == "inert"
                   and not e.get("needs_reasoning_parser"))
    if inert:
        notes.append(f"inert by default: {', '.join(inert)}")
    paired = sorted(n for n, e in default.items() if e.get("needs_reasoning_parser"))
    if paired:
        notes.append(f"needs its reasoning parser: {', '.join(paired)}")
    wrong = sorted(n for n, e in default.items() if e.get("outcome") == "wrong")
    if wrong:
        notes.append(f"own format parsed wrong: {', '.join(wrong)}")
    streams = sorted(f"{n} ({'/'.join(str(d['tokens_per_chunk']) for d in e['stream_differences'])} tok/chunk)"
                     for n, e in default.items() if e.get("stream_differences"))
    if streams:
        notes.append(f"streaming differs: {', '.join(streams)}")
    lp = k.logprobs()
    if lp and not lp.get("complete_with_tool_parser"):
        notes.append(f"logprobs with a tool parser: {lp.get('entries_with_tool_parser')} entries "
                     f"for {lp.get('tokens')} tokens")
    if lp.get("dropped_with"):
        notes.append(f"no logprobs with {', '.join(lp['dropped_with'])}")
    if not k.completion_token_ids:
        notes.append("no nvext completion_token_ids")
    forced = [f"{choice}: {what} lost" for choice in ("required", "named")
              for kind, what in (("constrained", "the constrained JSON"), ("native", "hermes markup"))
              if k.forced(choice, kind) == "lost"]
    if forced:
        notes.append(f"forced tool_choice: {', '.join(forced)}")
    notes.append(f"SGLang gate: {k.sglang_gate}; structural tag: {k.structural_tag}")
    meaning = k.env_meaning().get("DYN_TCP_RESPONSE_STREAM_HOST")
    if meaning in (None, "interface"):
        notes.append("response stream host: " + ("not read (binds every interface)" if meaning is None
                                                 else "an interface name"))
    return "; ".join(notes)


def launch_ok(python: str, work: Path) -> str:
    out = work / "launch"
    start = time.monotonic()
    done = subprocess.run([str(BIN / "probe-launch"), "--backend", "replay", "--parser",
                           "qwen3_coder", "--python", python, "--no-replay", "--json",
                           "--out", str(out), "--timeout", "120", "--quiet"],
                          capture_output=True, text=True, timeout=300, cwd=work)
    took = time.monotonic() - start
    try:
        verdict = json.loads(done.stdout)
    except json.JSONDecodeError:
        return f"no ({done.stderr.strip().splitlines()[-1][:80] if done.stderr.strip() else done.returncode})"
    ok = verdict.get("verdict") == "parser_config" and verdict.get("raw_source") == "worker_token_ids"
    return f"{'yes' if ok else 'NO'} ({verdict.get('verdict')}, {took:.1f} s)"


def replay_ok(python: str, bundle: Path, work: Path) -> str:
    start = time.monotonic()
    done = subprocess.run([str(BIN / "dynamo-probe"), "replay", str(bundle), "--all-parsers",
                           "--python", python, "--json"], capture_output=True, text=True,
                          timeout=600, cwd=work)
    took = time.monotonic() - start
    if done.returncode != 0:
        return f"no ({done.stderr.strip().splitlines()[-1][:80] if done.stderr.strip() else done.returncode})"
    results = json.loads(done.stdout)["results"]
    errors = [r["parser"] for r in results if r.get("error")]
    hermes = next((r for r in results if r["parser"] == "hermes"), {})
    ok = not errors and [c["name"] for c in hermes.get("tool_calls") or []] == ["get_weather"]
    return f"{'yes' if ok else 'NO'} ({len(results)} parsers, {took:.1f} s)" + (
        f"; errors: {', '.join(errors)}" if errors else "")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--versions", help="comma-separated releases (default: every measured one)")
    args = ap.parse_args()
    versions = [v.strip() for v in args.versions.split(",")] if args.versions else measured_versions()
    work = Path(tempfile.mkdtemp(prefix="release-matrix-"))
    bundle = work / "demo"
    subprocess.run([str(BIN / "dynamo-probe"), "demo", "--no-replay", "--out", str(bundle)],
                   capture_output=True, timeout=300, check=False)
    print("| release | launch ok | replay ok | known differences (measured) |")
    print("|---|---|---|---|")
    for version in versions:
        python = envs.ensure_release(version, lambda s: print(s, file=sys.stderr))
        row = [version, launch_ok(python, work), replay_ok(python, bundle, work), differences(version)]
        print("| " + " | ".join(row) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
