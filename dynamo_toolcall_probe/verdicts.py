"""The verdict a diagnosis reaches: one type with its exit code, its precedence and its meaning.

Every place that needs a verdict's exit code, order or wording (the judge, the CLI, the launcher's
replay proof, the bundle, the tests) reads it from `Verdict`; nothing keeps a parallel list.

`Verdict` is a `str` Enum: `Verdict.OK == "ok"`, it serialises into JSON as its value and formats
as its value in f-strings, so diagnosis.json and scripts that compare plain strings keep working.
A leaf module: it imports nothing of the package.
"""

from __future__ import annotations

from enum import Enum
from typing import Iterable


class Verdict(str, Enum):
    # Declared in order of precedence: when several suspects are found, the first one explains the
    # failure at its root. A wrong parser first (nothing else can be judged through it), then a
    # prompt that never showed the model its tools (the model could not have called them), then
    # the model's own text, then the parser's logic.
    PARSER_CONFIG = "parser_config"
    TEMPLATE = "template"
    MODEL = "model"
    PARSER_LOGIC = "parser_logic"
    INCONCLUSIVE = "inconclusive"
    OK = "ok"

    def __str__(self) -> str:  # f"{v}" and str(v) give "ok", not "Verdict.OK" (Python 3.11+)
        return self.value

    @property
    def exit_code(self) -> int:
        return _EXIT_CODES[self]

    @property
    def rank(self) -> int:
        """0 for the verdict that wins over every other; larger loses."""
        return list(Verdict).index(self)

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]

    @classmethod
    def parse(cls, value: "str | Verdict") -> "Verdict":
        return value if isinstance(value, Verdict) else cls(value)

    @classmethod
    def first(cls, verdicts: Iterable["str | Verdict"]) -> "Verdict":
        """The verdict of highest precedence among `verdicts` (OK when there is none)."""
        return min((cls.parse(v) for v in verdicts), key=lambda v: v.rank, default=cls.OK)


_EXIT_CODES = {
    Verdict.OK: 0,
    Verdict.MODEL: 10,
    Verdict.PARSER_CONFIG: 11,
    Verdict.PARSER_LOGIC: 12,
    Verdict.INCONCLUSIVE: 13,
    Verdict.TEMPLATE: 14,
}

_MEANINGS = {
    Verdict.OK: "the response carries exactly the calls the model emitted (or no call was wanted)",
    Verdict.MODEL: "the model's text is at fault",
    Verdict.PARSER_CONFIG: "the worker's --dyn-tool-call-parser names another format, or none",
    Verdict.PARSER_LOGIC: "the configured parser mis-handled what the model emitted",
    Verdict.INCONCLUSIVE: "not enough evidence",
    Verdict.TEMPLATE: "the prompt never showed the model its tools (chat template or chat processor)",
}

#: verdict value -> exit code, for callers that hold plain strings
EXIT_CODES: dict[str, int] = {v.value: v.exit_code for v in Verdict}
