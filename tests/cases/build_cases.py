"""Build the test corpus tests/cases/NN-<id>/{request.json,response.json,case.yaml} from table/*.yaml.

Captured cases run through the REAL ai-dynamo frontend with our replay worker (one served model per
tool/reasoning parser pair, at most 10 per stack); `constructed` cases are built with
tests/helpers.py for bugs that the installed Dynamo does not reproduce. Run from the repo root:

    .venv/bin/python tests/cases/build_cases.py            # rebuild everything, then report
    .venv/bin/python tests/cases/build_cases.py --only ID  # rebuild some cases (ids or NN-ids)
    .venv/bin/python tests/cases/build_cases.py --check    # only report verdict mismatches

tests/test_corpus.py only reads the committed files; it never starts Dynamo.

The table: table/<n>-<name>.yaml, read in the order of n; NN is a case's position overall.
Fields copied to case.yaml: source, url, model, parser (passed as --parser; omitted = unknown;
"none" = the worker had no parser), reasoning_parser, dynamo_version, verdict, class (issue 11's
error class, see README.md; held-out cases: heldout-<class>), heldout (true: a case of the
held-out set, table/10-heldout.yaml, never used to tune the diagnosis), why, check (a finding
that must appear), family (of the raw text; "none" when it holds no call), xfail (why the tool's
verdict is wrong: the design gap).
Builder-only fields:
  serve            the worker's --dyn-tool-call-parser when it differs from `parser`
  text | from_format (family/case-id in tests/formats/cases) | calls (rendered by family's spec)
  prefix, suffix   text around it; cut: keep only the text before this substring
  request          fields merged into the request body (null removes the field)
  tools, messages  the request's tools (names in public_tools.yaml, or inline definitions) and
                   messages, reconstructed from the source; default: get_weather/get_time/search
  stream, chunk_size, finish_reason   capture mode and replay script
  sse: true        capture streaming and store the transcript as response.sse, as curl saves it
  tokenizer: true  copy the built-in tokenizer into the case dir and pass --tokenizer
  chat_template    the model's chat template as the source shows it: written with the built-in
                   tokenizer into the case's tokenizer/ (passed as --tokenizer, rendered by analyze)
  prompt           the prompt the engine saw, as the source shows it: prompt.txt (--prompt)
  constructed      {content ("same" = the raw text), tool_calls, finish_reason, reasoning_content,
                   logprob_chunk, last_token_only, no_logprobs, name_every_chunk}: no Dynamo run; built with
                   tests/helpers.py (with `sse: true`, a transcript: helpers.sse_transcript)
  constructed_reason  why the case is constructed (copied to case.yaml with constructed: true)
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
sys.path.insert(0, str(TESTS))
import helpers  # noqa: E402  (tests/helpers.py)

TOOLS = yaml.safe_load((TESTS / "formats" / "tools.yaml").read_text())
PUBLIC_TOOLS = yaml.safe_load((HERE / "public_tools.yaml").read_text())
CASE_FIELDS = ("source", "url", "model", "parser", "reasoning_parser", "dynamo_version",
               "tokenizer", "prompt", "verdict", "class", "heldout", "why", "check", "family",
               "constructed_reason", "xfail")
MODELS_PER_STACK = 10  # the 1.6.1 frontend's inotify use (see replay/run.py)


def load_table() -> list[dict[str, Any]]:
    # Tables are read in the order of their number prefix (1-, 2-, ..., 10-): a new table goes last
    # and leaves every earlier case's NN unchanged.
    paths = sorted((HERE / "table").glob("*.yaml"), key=lambda p: (int(p.name.split("-", 1)[0]), p.name))
    cases = [c for path in paths for c in yaml.safe_load(path.read_text())]
    for i, case in enumerate(cases, 1):
        case["dir"] = f"{i:02d}-{case['id']}"
    return cases


def format_text(ref: str) -> str:
    family, case_id = ref.split("/")
    for case in yaml.safe_load((TESTS / "formats" / "cases" / f"{family}.yaml").read_text()):
        if case["id"] == case_id:
            return case["text"]
    raise KeyError(ref)


def raw_text(case: dict[str, Any]) -> str:
    from dynamo_toolcall_probe.formats import get_spec

    if "text" in case:
        text = case["text"]
    elif "from_format" in case:
        text = format_text(case["from_format"])
    else:
        text = get_spec(case["family"]).render([(n, a) for n, a in case["calls"]])
    if "cut" in case:
        text = text[:text.index(case["cut"])]
    return case.get("prefix", "") + text + case.get("suffix", "")


def tool_defs(case: dict[str, Any]) -> list[dict[str, Any]]:
    named = case.get("tools", ("get_weather", "get_time", "search"))
    return [t if isinstance(t, dict) else PUBLIC_TOOLS.get(t) or TOOLS[t] for t in named]


def request_body(case: dict[str, Any], model: str) -> dict[str, Any]:
    body = helpers.request(tools=tool_defs(case))
    body["model"] = model
    body["messages"] = case.get("messages") or [
        {"role": "user", "content": "What is the weather in Paris?"}]
    for key, value in (case.get("request") or {}).items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def served_name(case: dict[str, Any]) -> str:
    serve = case.get("serve", case.get("parser", "none"))
    return f"m-{serve}" + (f"-r-{case['reasoning_parser']}" if case.get("reasoning_parser") else "")


def capture_all(cases: list[dict[str, Any]]) -> dict[str, tuple[dict, dict]]:
    """Run every non-constructed case through the real frontend; dir -> (request, response)."""
    from dynamo_toolcall_probe.capture.http import send_chat
    from dynamo_toolcall_probe.replay.modeldir import builtin_model_dir
    from dynamo_toolcall_probe.replay.stack import ReplayStack, ServedModel

    model_dir = builtin_model_dir()
    models: dict[str, ServedModel] = {}
    for case in cases:
        serve = case.get("serve", case.get("parser", "none"))
        models.setdefault(served_name(case), ServedModel(
            served_name(case), None if serve == "none" else serve, case.get("reasoning_parser")))
    names = sorted(models)
    out: dict[str, tuple[dict, dict]] = {}
    for start in range(0, len(names), MODELS_PER_STACK):
        group = set(names[start:start + MODELS_PER_STACK])
        with ReplayStack([models[n] for n in sorted(group)], model_dir=model_dir) as stack:
            for case in (c for c in cases if served_name(c) in group):
                name = served_name(case)
                stack.set_script(name, {"text": raw_text(case),
                                        "chunk_size": case.get("chunk_size", 2),
                                        "finish_reason": case.get("finish_reason", "stop")})
                body = request_body(case, name)
                stream = bool(case.get("stream"))
                stream = stream or bool(case.get("sse"))
                reply = send_chat(stack.base_url, body, stream=stream)
                if not reply.ok:
                    raise SystemExit(f"{case['id']}: HTTP {reply.status}: {reply.body_bytes[:300]!r}")
                kept = reply.body_bytes if case.get("sse") else reply.body
                out[case["dir"]] = ({**body, "stream": stream}, kept)
                print(f"captured {case['dir']}", file=sys.stderr)
    return out


def construct(case: dict[str, Any]) -> tuple[dict, dict]:
    spec = case["constructed"]
    text = raw_text(case)
    body = request_body(case, case.get("model", "Qwen/Qwen2.5-7B-Instruct"))
    pieces = helpers.chunks(text, spec.get("logprob_chunk", 3))
    if spec.get("no_logprobs"):
        logprobs = None
    elif spec.get("last_token_only"):
        logprobs = helpers.logprobs_for(pieces[-1:])
    else:
        logprobs = helpers.logprobs_for(pieces)
    content = text if spec.get("content") == "same" else spec.get("content")
    calls = spec.get("tool_calls")
    resp = helpers.response(content, None if calls is None else [(n, a) for n, a in calls],
                            spec.get("finish_reason", "stop"), logprobs, len(pieces))
    if spec.get("reasoning_content"):
        resp["choices"][0]["message"]["reasoning_content"] = spec["reasoning_content"]
    resp["model"] = body["model"]
    if case.get("sse"):
        return body, helpers.sse_transcript(resp, pieces, spec.get("name_every_chunk", False))
    return body, resp


def response_file(case: dict[str, Any]) -> str:
    return "response.sse" if case.get("sse") else "response.json"


def write_case(case: dict[str, Any], req: dict, resp: dict | bytes) -> None:
    target = HERE / case["dir"]
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir()
    (target / "request.json").write_text(json.dumps(req, indent=1, ensure_ascii=False) + "\n")
    if isinstance(resp, bytes):
        (target / response_file(case)).write_bytes(resp)
    else:
        (target / "response.json").write_text(json.dumps(resp, indent=1, ensure_ascii=False) + "\n")
    meta = {k: case[k] for k in CASE_FIELDS if k in case}
    if "constructed" in case:
        meta["constructed"] = True
    if case.get("sse"):
        meta["response"] = response_file(case)
    if case.get("tokenizer") or case.get("chat_template"):
        from dynamo_toolcall_probe.replay.modeldir import builtin_model_dir

        (target / "tokenizer").mkdir()
        shutil.copy(builtin_model_dir() / "tokenizer.json", target / "tokenizer" / "tokenizer.json")
        if case.get("chat_template"):
            config = json.loads((builtin_model_dir() / "tokenizer_config.json").read_text())
            config["chat_template"] = case["chat_template"]
            (target / "tokenizer" / "tokenizer_config.json").write_text(
                json.dumps(config, indent=1, ensure_ascii=False) + "\n")
        meta["tokenizer"] = "tokenizer"
    if case.get("prompt"):
        (target / "prompt.txt").write_text(case["prompt"])
        meta["prompt"] = "prompt.txt"
    (target / "case.yaml").write_text(yaml.safe_dump(meta, sort_keys=False, allow_unicode=True))


def check(cases: list[dict[str, Any]]) -> int:
    """Print each case whose analysis disagrees with the table; return how many."""
    from dynamo_toolcall_probe.analysis import analyze_files

    from dynamo_toolcall_probe.errors import ProbeError

    bad = 0
    for case in cases:
        d = HERE / case["dir"]
        parser = case.get("parser")
        tok = str(d / "tokenizer") if case.get("tokenizer") or case.get("chat_template") else None
        try:
            diag = analyze_files(str(d / response_file(case)), str(d / "request.json"), parser,
                                 case.get("reasoning_parser"), tok,
                                 prompt_path=str(d / "prompt.txt") if case.get("prompt") else None
                                 ).diagnosis
        except ProbeError as exc:  # e.g. an SSE transcript the analysis does not read yet
            print(f"{'xf' if case.get('sse') or case.get('xfail') else 'XX'} {case['dir']:<45} "
                  f"want {case['verdict']} got error: {exc}")
            bad += not (case.get("sse") or case.get("xfail"))
            continue
        checks = {f.check for f in diag.findings}
        fam = diag.family or "none"
        ok = (diag.verdict == case["verdict"] and case.get("check", diag.verdict) in checks | {diag.verdict}
              and (fam == case["family"] or diag.verdict == "inconclusive"))
        xfail = bool(case.get("xfail"))
        mark = {(True, False): "  ", (False, True): "xf", (True, True): "XP"}.get((ok, xfail), "XX")
        bad += mark in ("XX", "XP")  # an xfail case that passes must lose its xfail (strict)
        print(f"{mark} {case['dir']:<45} want {case['verdict']}/{case.get('check')} got "
              f"{diag.verdict}/{sorted(checks)} family {fam} (want {case['family']})")
        if mark == "XX":
            print("     " + "\n     ".join(diag.evidence))
    return bad


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only analyse the committed cases")
    ap.add_argument("--only", nargs="+", help="rebuild only these cases (id or NN-id)")
    args = ap.parse_args()
    cases = load_table()
    if not args.check:
        chosen = [c for c in cases if not args.only or {c["id"], c["dir"]} & set(args.only)]
        captured = capture_all([c for c in chosen if "constructed" not in c])
        wanted = {c["dir"] for c in cases}
        for stale in HERE.iterdir():
            if stale.is_dir() and re.match(r"\d+-", stale.name) and stale.name not in wanted:
                shutil.rmtree(stale)
        for case in chosen:
            req, resp = construct(case) if "constructed" in case else captured[case["dir"]]
            write_case(case, req, resp)
    sys.exit(1 if check(cases) else 0)


if __name__ == "__main__":
    main()
