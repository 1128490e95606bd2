"""OpenAI harmony tool calls (gpt-oss; Dynamo parser `harmony`)::

    <|channel|>analysis<|message|>Need the weather.<|end|><|start|>assistant<|channel|>commentary to=functions.get_weather <|constrain|>json<|message|>{"location": "Paris"}<|call|>

A call is a message addressed `to=functions.NAME`, its body one JSON object, closed by `<|call|>`.
The recipient may stand in the role header (`<|start|>assistant to=functions.NAME<|channel|>
commentary json<|message|>`), or open the completion when the prompt ended with
`<|start|>assistant` (` to=functions.NAME<|channel|>commentary<|message|>`). The `analysis`
channel is reasoning and `final` the answer; a message with no recipient is not a call.

Variants seen from real gpt-oss output, all read as calls:
- on the `analysis` channel (`<|channel|>analysis to=functions.grep code<|message|>{...}<|call|>`):
  gpt-oss-120b emits ~47% of its calls there (Dynamo PR #10366, which makes Dynamo recover them;
  vLLM PR #28139 and #42454 accept calls on any channel);
- a bare recipient without the `functions.` prefix (`to=get_weather`, vLLM PR #42454);
  builtin tools (`python`, `browser.*`, `container.*`) are not function calls.

`<|call|>` and `<|return|>` are stop tokens (openai_harmony `stop_tokens_for_assistant_actions()`,
which vLLM passes to the sampler): generation stops on `<|call|>`, so it is usually absent from
the text (kekzl/imp PR #1719 logged `...<|message|>{"city":"Berlin"}` and nothing after). A call
that runs to the end of the output is complete (`ended_at_eof`), truncated only with
finish_reason "length".

Replay caveat: the 1.6.1 frontend's harmony parser needs the harmony encoding (o200k_harmony),
which it loads at run time; on a machine that cannot download it (this project's CI) the parser
returned no calls and no content for every harmony text we replayed, with or without the
`gpt_oss` reasoning parser. A harmony replay is only evidence where the encoding is available.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..base import JSON, MALFORMED, MISSING_NAME, CallCandidate, FormatSpec, Problem, split_regions
from ..payload import arguments_object, decode_json_object, end_problems

START, CHANNEL, MESSAGE, CALL, END = "<|start|>", "<|channel|>", "<|message|>", "<|call|>", "<|end|>"
CONSTRAIN, RETURN = "<|constrain|>", "<|return|>"
# One message header from <|channel|> to <|message|> (a literal prefix keeps the search fast); the
# role and a recipient written before the channel are found by looking back from it.
_HEADER = re.compile(r"<\|channel\|>(?P<channel>[^\s<]*)(?P<post>[^<]*)(?:<\|constrain\|>[^<]*)?<\|message\|>")
_BEFORE = re.compile(r"(?:<\|start\|>assistant)?(?:[ \t]*(?P<pre>to=[^\s<]+)[ \t]*)?\Z")
_RECIPIENT = re.compile(r"to=(?P<to>[^\s<]+)")
_BUILTIN = re.compile(r"(?:python|browser|container|assistant)(?:\.|$)")


class Harmony(FormatSpec):
    family = "harmony"
    start_markers = ("<|channel|>commentary", "<|channel|>analysis")
    end_marker = CALL
    stop_token_ends = (CALL,)
    stop_tokens = (RETURN, CALL)
    leak_markers = ("<|channel|>commentary", "<|channel|>analysis", "<|channel|>final", MESSAGE,
                    CALL, CONSTRAIN, "<|start|>assistant")
    reasoning_channel = "harmony_analysis"
    impossible_scenarios = {
        "streaming_splits": "the 1.6.1 harmony parser needs the o200k_harmony encoding at run time; "
                            "without it (CI) replay returns nothing, so it proves nothing",
    }

    def scan(self, text: str) -> list[CallCandidate]:
        out: list[CallCandidate] = []
        for region in split_regions(text, [_HEADER], [CALL], cuts=[END, RETURN, START, CHANNEL],
                                    syntax=JSON):
            head = region.opener
            before = _BEFORE.search(text, max(0, region.start - 200), region.start)
            start = before.start() if before else region.start
            pre = (before.group("pre") if before else None) or ""
            recipient = _RECIPIENT.search(f"{pre} {head.group('post')}")
            if recipient is None:
                continue  # reasoning, a preamble or the answer: not a call
            to = recipient.group("to")
            name = to[len("functions."):] if to.startswith("functions.") else to
            if not to.startswith("functions.") and _BUILTIN.match(to):
                continue  # a builtin tool (python, browser.*, container.*), not a function
            span = (start, region.end)
            problems: list[Problem] = []
            if not name:
                problems.append(Problem(MISSING_NAME, "recipient has no tool name", span))
            lo = region.value_start if region.value_start is not None else region.body_start
            payload = text[lo:region.body_end]
            args, problem = decode_json_object(payload, lo, region.at_eof)
            if problem:
                problems.append(problem)
                args = None
            elif not isinstance(args, dict):
                problems.append(Problem(MALFORMED, "the message body is not a JSON object", span))
                args = None
            else:
                args, more = arguments_object(args, span)
                problems += more
            extra, at_eof = end_problems(self, region, f"the message to {to}")
            out.append(CallCandidate(name or None, args, payload.strip(), span, problems + extra, at_eof))
        return out

    def render(self, calls: list[tuple[str, dict[str, Any]]]) -> str:
        return "".join(f"{START}assistant{CHANNEL}commentary to=functions.{n} {CONSTRAIN}json{MESSAGE}"
                       f"{json.dumps(a, ensure_ascii=False)}{CALL}" for n, a in calls)


SPEC = Harmony()
