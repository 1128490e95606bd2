"""What the reasoning parser made of the answer, checked against the raw output.

A reasoning parser splits the completion into `reasoning_content` and `content` by its channel's
markers (`formats.reasoning`). Two ways it can get that wrong show in the response alone:

- its own markers left in `message.content` (`REASONING</think>CONTENT`): it did not split the
  reasoning off, e.g. a `<think>` the prompt opened and the completion closed;
- the whole answer filed as reasoning: `content` empty, no tool call, `reasoning_content` holding
  the entire raw output although that output has no reasoning marker at all and generation ended
  normally. A parser that assumes every completion starts inside `<think>` does this to an answer
  written without thinking (after tool results, or with thinking off): the client sees nothing.

Both are the reasoning parser's logic (`parser_logic`), with a fix that names it. Pure.
"""

from __future__ import annotations

from ..formats.reasoning import any_reasoning_marker, parser_markers
from ..reconstruct import SOURCE_CONTENT, SOURCE_NONE, RawOutput
from ..verdicts import Verdict
from .engine_view import shown
from .findings import Finding
from .observed import Observed


def _named(reasoning_parser: str | None) -> str:
    return f"the {reasoning_parser} reasoning parser" if reasoning_parser else "the reasoning parser"


def split_fix(reasoning_parser: str | None) -> str:
    return (f"Dynamo's {reasoning_parser or 'configured'} reasoning parser did not split reasoning "
            "from the answer: report it to ai-dynamo/dynamo with this bundle; meanwhile check that "
            "--dyn-reasoning-parser fits the model, and whether the chat template opens the "
            "reasoning block in the prompt (thinking on or off, chat_template_kwargs)")


def reasoning_markers_in_content(observed: Observed, reasoning_parser: str | None) -> Finding | None:
    """The configured reasoning parser's own markers left in message.content."""
    markers = parser_markers(reasoning_parser)
    content = observed.content or ""
    if markers is None or not content:
        return None
    found = [m for m in (markers.start, markers.end) if m in content]
    if not found:
        return None
    return Finding(Verdict.PARSER_LOGIC, "reasoning_markers_in_content", f"{_named(reasoning_parser)}"
                   f"'s own marker(s) {', '.join(found)} stand in message.content ({shown(content)}): "
                   "it did not split the reasoning off the answer", split_fix(reasoning_parser))


def answer_filed_as_reasoning(raw: RawOutput, observed: Observed,
                              reasoning_parser: str | None) -> Finding | None:
    """The whole raw output, which has no reasoning marker, came back as reasoning_content with
    no content and no call, though generation ended normally."""
    reasoning = (observed.reasoning_content or "").strip()
    if (raw.source in (SOURCE_CONTENT, SOURCE_NONE) or not reasoning or observed.tool_calls
            or (observed.content or "").strip() or observed.finish_reason == "length"
            or reasoning != raw.text.strip() or any_reasoning_marker(raw.text)):
        return None
    return Finding(Verdict.PARSER_LOGIC, "answer_filed_as_reasoning", f"{_named(reasoning_parser)} "
                   f"filed the whole answer as reasoning: message.content is empty and "
                   f"reasoning_content holds the entire raw output ({shown(raw.text)}), which has "
                   f"no reasoning marker at all, and generation ended normally (finish_reason "
                   f"{observed.finish_reason!r}): the client sees no answer (the model's fault "
                   "instead only if the prompt opened a reasoning block it never closed)",
                   split_fix(reasoning_parser))
