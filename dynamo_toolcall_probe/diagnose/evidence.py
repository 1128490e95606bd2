"""Evidence beyond the response, merged into a diagnosis in one place: the engine's own tokens
(worker hook), the streamed reply (its chunks, and how it differs from the non-streaming body),
the prompt the engine saw, and the replay through Dynamo's real parsers.

Each kind adds findings; none sets the verdict by hand. The verdict stays the decisive finding of
highest precedence, so a streaming-only divergence makes an `ok` exchange `parser_logic` but does
not hide a `model` defect, and facts about the frontend's report (engine view) stay notes.
"""

from __future__ import annotations

from typing import Any

from ..reconstruct import SOURCE_WORKER, Decode, RawOutput, reconstruct
from ..verdicts import Verdict
from .engine_view import build_engine_view
from .findings import Finding, pick
from .prompt import Prompt, check_prompt
from .replay_evidence import apply_replay as add_replay  # noqa: F401 (one place for every merge)
from .stream_compare import Stream, compare_stream, stream_checks


def add_engine_view(diagnosis, response: dict[str, Any], worker_token_ids: list[int],
                    decode: Decode | None) -> None:
    """Engine tokens vs the frontend's report of them. Each difference is a fact about the
    frontend (logprobs dropped, special tokens blanked), not proof that the tool parser failed,
    so it is a note and the verdict stands."""
    if diagnosis.raw.source != SOURCE_WORKER:
        return
    view = build_engine_view(diagnosis.raw.text, len(worker_token_ids), response,
                             diagnosis.reasoning_parser, decode, diagnosis.request,
                             diagnosis.knowledge)
    diagnosis.engine_view = view
    diagnosis.findings += [Finding(Verdict.OK, d.kind, f"engine tokens vs frontend: {d.message}",
                                   note=True) for d in view.differences]


def stream_gaps(raw: RawOutput, stream: Stream, request: dict[str, Any] | None) -> None:
    """A streamed-only capture whose text-bearing chunks lack logprobs: the raw output rebuilt
    from the others misses their tokens, so it is not exact (said before the verdict)."""
    asked = bool((request or {}).get("logprobs"))
    gaps = [f for f in stream_checks(stream, asked, raw.text) if f.check == "stream_logprobs_missing"]
    if gaps and raw.exact:
        raw.exact = False
        raw.notes.append(gaps[0].message)


def add_stream(diagnosis, stream: Stream, compare: bool = True) -> None:
    """The streamed reply: what its chunks show and, when a non-streaming body of the same
    request was captured too, every difference between the two (a Dynamo streaming bug)."""
    asked = bool((diagnosis.request or {}).get("logprobs"))
    raw_text = reconstruct(stream.body).text if compare else diagnosis.raw.text
    found = stream_checks(stream, asked, raw_text)
    if compare:
        found += compare_stream(diagnosis.response or {}, stream.body, stream.chunks)
    diagnosis.findings += found
    diagnosis.stream = {"chunks": len(stream.chunks), "done": stream.done,
                        "compared_with_non_streaming": compare,
                        "findings": [f.check for f in found]}


def add_prompt(diagnosis, prompt: Prompt) -> None:
    """The prompt check: tools that never reached the model decide `template`."""
    from ..formats.registry import PARSER_FAMILIES

    called = bool(diagnosis.detected)
    model_suspect = pick(diagnosis.findings) == Verdict.MODEL
    family = diagnosis.family or PARSER_FAMILIES.get(diagnosis.configured_parser or "")
    reply = diagnosis.detected[0].extraction.calls if diagnosis.detected else []
    view, found = check_prompt(prompt, diagnosis.request, called, model_suspect, family, reply)
    diagnosis.prompt = view
    if any(f.check == "tools_missing_from_prompt" and not f.note for f in found):
        why = "explained by the prompt: the tools never reached the model"
        diagnosis.findings[:] = [f.as_note(why) if f.check == "no_call" and not f.note else f
                                 for f in diagnosis.findings]
    if any(f.check == "history_shape" and not f.note for f in found):
        why = "explained by the prompt: the reply copies how it showed an earlier call"
        diagnosis.findings[:] = [f.as_note(why) if f.verdict == Verdict.MODEL and not f.note else f
                                 for f in diagnosis.findings]
    diagnosis.findings += found


def add_split_sweep(diagnosis, sweep: dict[str, Any]) -> None:
    """The split-invariance sweep (replay.sweep) of the configured parser: chunkings under which
    the real streaming parser loses or changes what the non-streaming one returns prove a
    streaming-parser bug; a sweep that finds none is a note (the deployment's own chunking, or
    another release, is then what differs)."""
    from .stream_compare import STREAM_FIX

    diagnosis.split_sweep = sweep
    diverged, tried = sweep.get("diverged") or [], sweep.get("tried", 0)
    parser = sweep.get("parser")
    if diverged:
        shown = ", ".join(d["chunking"] for d in diverged[:3])
        diagnosis.findings.append(Finding(
            Verdict.PARSER_LOGIC, "split_sweep", f"split sweep: with {parser}, {len(diverged)} of "
            f"{tried} chunkings of the same tokens stream a different result than non-streaming "
            f"({shown}): the streaming parser depends on how tokens are chunked", STREAM_FIX))
    else:
        diagnosis.findings.append(Finding(
            Verdict.OK, "split_sweep", f"split sweep: with {parser}, all {tried} chunkings of the "
            "replayed tokens stream what non-streaming returns", note=True))


def prompt_from_token_ids(token_ids: list[int], decode: Decode, source: str) -> Prompt:
    return Prompt(decode(token_ids), source)
