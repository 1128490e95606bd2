"""Reasoning spans in raw model text, so a tool call inside reasoning is reported as such.

Marker pairs are data. A reasoning parser that expects the output to *start* inside reasoning
(the chat template already opened `<think>`) is listed in IMPLICIT_START: for those, text before
the first end marker with no start marker is reasoning too.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReasoningMarkers:
    name: str
    start: str
    end: str


#: Every reasoning channel we know, by its markers. Order matters only for readability.
REASONING_MARKERS: tuple[ReasoningMarkers, ...] = (
    ReasoningMarkers("think", "<think>", "</think>"),
    ReasoningMarkers("kimi", "◁think▷", "◁/think▷"),
    ReasoningMarkers("harmony_analysis", "<|channel|>analysis<|message|>", "<|end|>"),
    ReasoningMarkers("gemma4", "<|channel>thought", "<channel|>"),
    ReasoningMarkers("kimi_k3", "<|open|>think<|sep|>", "<|close|>think<|sep|>"),
    ReasoningMarkers("seed_think", "<seed:think>", "</seed:think>"),
    ReasoningMarkers("minimax_m3", "<mm:think>", "</mm:think>"),
    # Muse Glimmer: a message to the recipient `self` is private reasoning (1.6.1 frontend)
    ReasoningMarkers("muse_self", "to=self<|message|>", "<|eom|>"),
    ReasoningMarkers("inkling", "<|message_model|><|content_thinking|>", "<|end_message|>"),
)

#: Reasoning parsers whose models start the completion already inside `<think>` (the template
#: emitted the start marker), so a leading span ending in `</think>` counts as reasoning.
IMPLICIT_START: dict[str, str] = {
    "deepseek_r1": "</think>",
    # Seen on the 1.6.1 frontend: these start inside reasoning whatever the prompt ends with.
    # (qwen3, qwen3_coder, glm45, glm47 and deepseek_v4 did not: text before a bare end marker
    # stayed content, so they are not listed.)
    "minimax_m2": "</think>",
    "minimax_m3": "</mm:think>",
    "minimax-m3": "</mm:think>",
    "deepseek_v3_2": "</think>",
    # Kimi K3: the prompt normally ends with the `<|open|>think<|sep|>` opener (Dynamo docs)
    "kimi_k3": "<|close|>think<|sep|>",
    "kimi-k3": "<|close|>think<|sep|>",
    "minimax_append_think": "</think>",
    "nemotron_deci": "</think>",
    "nemotron_nano": "</think>",
    "nemotron_v3": "</think>",
    "nemotron3": "</think>",
    "step3": "</think>",
    "kimi": "◁/think▷",
}


#: The channel each Dynamo reasoning parser (1.6.1's names) splits off, by its markers above.
#: Parsers whose markers are not tags (granite's prose headers) or not known here are absent:
#: nothing is said about their markers.
PARSER_CHANNELS: dict[str, str] = {
    **{name: "think" for name in (
        "basic", "deepseek_r1", "deepseek_v3", "deepseek_v3_1", "deepseek_v3_2", "deepseek_v4",
        "deepseek-v4", "deepseekv4", "deepseek_v41", "glm45", "glm47", "kimi_k2", "kimi_k25",
        "minimax_append_think", "minimax_m2", "nemotron3", "nemotron_deci", "nemotron_nano",
        "nemotron_v3", "qwen3", "qwen3_coder", "step3")},
    "kimi": "kimi",
    "kimi_k3": "kimi_k3", "kimi-k3": "kimi_k3",
    "minimax_m3": "minimax_m3", "minimax-m3": "minimax_m3",
    "gemma4": "gemma4", "gemma-4": "gemma4",
    "gpt_oss": "harmony_analysis",
    "inkling": "inkling",
    "muse": "muse_self", "muse_glimmer": "muse_self",
}


def parser_markers(reasoning_parser: str | None) -> ReasoningMarkers | None:
    """The start and end marker of the channel `reasoning_parser` splits off (None: unknown)."""
    channel = PARSER_CHANNELS.get(reasoning_parser or "")
    return next((m for m in REASONING_MARKERS if m.name == channel), None)


def any_reasoning_marker(text: str) -> bool:
    """Some known reasoning marker (start or end, any channel) stands in `text`."""
    return any(m.start in text or m.end in text for m in REASONING_MARKERS)


def reasoning_spans(text: str, reasoning_parser: str | None = None) -> list[tuple[int, int, str]]:
    """(start, end, channel) of every reasoning span; an unclosed span runs to the end of text."""
    spans: list[tuple[int, int, str]] = []
    implicit_end = IMPLICIT_START.get(reasoning_parser or "")
    if implicit_end:
        end = text.find(implicit_end)
        first_start = min((i for m in REASONING_MARKERS if (i := text.find(m.start)) >= 0),
                          default=-1)
        if end >= 0 and (first_start < 0 or first_start > end):
            spans.append((0, end + len(implicit_end), "implicit"))
    for markers in REASONING_MARKERS:
        pos = 0
        while (start := text.find(markers.start, pos)) >= 0:
            end = text.find(markers.end, start + len(markers.start))
            stop = len(text) if end < 0 else end + len(markers.end)
            spans.append((start, stop, markers.name))
            pos = stop
    spans.sort()
    return spans


def inside(spans: list[tuple[int, int, str]], offset: int) -> str | None:
    """The channel name when `offset` falls inside one of `spans`."""
    for start, end, channel in spans:
        if start <= offset < end:
            return channel
    return None
