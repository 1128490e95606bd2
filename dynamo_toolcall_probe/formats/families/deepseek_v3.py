"""DeepSeek V3 / R1 tool calls (Dynamo parser `deepseek_v3`)::

    <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>function<｜tool▁sep｜>get_weather
    ```json
    {"location": "Paris"}
    ```<｜tool▁call▁end｜><｜tool▁calls▁end｜>

The markers use U+FF5C (｜) and U+2581 (▁), not ASCII. Each call names its type (`function`),
then the tool name on its own line, then the arguments as a fenced JSON block. V3.1 drops the type
and the fence (family `deepseek_v3_1`).

Streaming (tests/formats/test_scenarios_e2e.py): one and two calls stream as they parse non-
streaming at 1 and 3-1-4-1-2 tokens per chunk.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..base import MALFORMED, Problem
from ..shapes_xml import Call, JsonBodyInvoke

CALLS_BEGIN, CALLS_END = "<｜tool▁calls▁begin｜>", "<｜tool▁calls▁end｜>"
CALL_BEGIN, CALL_END, SEP = "<｜tool▁call▁begin｜>", "<｜tool▁call▁end｜>", "<｜tool▁sep｜>"
_FENCE = re.compile(r"\s*```(?:json)?\s*\n?(?P<json>.*?)\n?\s*```\s*\Z", re.S)


class DeepSeekV3(JsonBodyInvoke):
    family = "deepseek_v3"
    block_start, block_end = CALLS_BEGIN, CALLS_END
    invoke_open = re.compile(re.escape(CALL_BEGIN) + r"(?P<type>[^<\n]*)" + re.escape(SEP)
                             + r"(?P<name>[^\n<]*)\n?")
    invoke_close = CALL_END
    start_markers = (CALLS_BEGIN,)
    end_marker = CALLS_END
    leak_markers = (CALLS_BEGIN, CALLS_END, CALL_BEGIN, CALL_END, SEP)
    stop_tokens = ("<｜end▁of▁sentence｜>",)
    impossible_scenarios = {
        "stop_token_end": "`<｜tool▁calls▁end｜>` is not a stop token (<｜end▁of▁sentence｜> follows it)",
    }
    invoke_value_at = re.compile(r"\s*(?:```(?:json)?\s*)?")  # the JSON starts inside the fence

    def json_text(self, text: str, lo: int, hi: int, call: Call) -> tuple[int, int]:
        fenced = _FENCE.match(text, lo, hi)
        if fenced:
            return fenced.span("json")
        call.problems.append(Problem(MALFORMED, "arguments are not in a ```json fence", (lo, hi)))
        return lo, hi

    def invoke_problems(self, match: re.Match[str]) -> list[Problem]:
        if match.group("type").strip() == "function":
            return []
        return [Problem(MALFORMED, f"call type {match.group('type')!r} is not 'function'",
                        match.span("type"))]

    def render(self, calls: list[tuple[str, dict[str, Any]]]) -> str:
        body = "".join(f"{CALL_BEGIN}function{SEP}{n}\n```json\n{json.dumps(a, ensure_ascii=False)}"
                       f"\n```{CALL_END}" for n, a in calls)
        return f"{CALLS_BEGIN}{body}{CALLS_END}"


SPEC = DeepSeekV3()
