"""DeepSeek V3.1 tool calls (Dynamo parser `deepseek_v3_1`)::

    <｜tool▁calls▁begin｜><｜tool▁call▁begin｜>get_weather<｜tool▁sep｜>{"location": "Paris"}<｜tool▁call▁end｜><｜tool▁calls▁end｜>

Like V3 without the call type and without the ```json fence: name, separator, one JSON object.
Verified on the real 1.6.1 frontend (replay): a `<｜tool▁call▁end｜>` inside a JSON string argument
makes deepseek_v3_1 drop the call and leak the rest into content (the splitter reads the JSON).

Streaming (tests/formats/test_scenarios_e2e.py): one and two calls stream as they parse non-
streaming at 1 and 3-1-4-1-2 tokens per chunk.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..shapes_xml import JsonBodyInvoke
from .deepseek_v3 import CALL_BEGIN, CALL_END, CALLS_BEGIN, CALLS_END, SEP


class DeepSeekV31(JsonBodyInvoke):
    family = "deepseek_v3_1"
    block_start, block_end = CALLS_BEGIN, CALLS_END
    invoke_open = re.compile(re.escape(CALL_BEGIN) + r"(?P<name>[^<]*?)" + re.escape(SEP))
    invoke_close = CALL_END
    start_markers = (CALLS_BEGIN,)
    end_marker = CALLS_END
    leak_markers = (CALLS_BEGIN, CALLS_END, CALL_BEGIN, CALL_END, SEP)
    stop_tokens = ("<｜end▁of▁sentence｜>",)
    impossible_scenarios = {
        "stop_token_end": "`<｜tool▁calls▁end｜>` is not a stop token (<｜end▁of▁sentence｜> follows it)",
    }

    def render(self, calls: list[tuple[str, dict[str, Any]]]) -> str:
        body = "".join(f"{CALL_BEGIN}{n}{SEP}{json.dumps(a, ensure_ascii=False)}{CALL_END}"
                       for n, a in calls)
        return f"{CALLS_BEGIN}{body}{CALLS_END}"


SPEC = DeepSeekV31()
