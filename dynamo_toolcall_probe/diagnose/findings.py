"""One piece of evidence: which suspect it points at, the check that found it, what it means for
the user, and the fix it calls for.

A finding either decides (the verdict is the decisive finding of highest precedence) or is a
note: evidence kept for the report that does not decide, such as a prior the response disproved
("no end marker, but the parser recovered the call") or a fault that another finding explains at
its root. Every finding carries its own fix, so the diagnosis never reads a fix back out of a
message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from ..verdicts import Verdict


@dataclass
class Finding:
    verdict: Verdict
    check: str
    message: str
    fix: str | None = None
    note: bool = False  # evidence that does not decide the verdict

    def __post_init__(self) -> None:
        self.verdict = Verdict.parse(self.verdict)

    def as_note(self, why: str | None = None) -> "Finding":
        """This finding kept as evidence that no longer decides; `why` is appended."""
        message = f"{self.message} ({why})" if why else self.message
        return Finding(self.verdict, self.check, message, self.fix, note=True)

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": self.verdict.value, "check": self.check, "message": self.message,
                "fix": self.fix, "note": self.note}

    def line(self) -> str:
        """How the finding reads in the evidence list."""
        # A neutral fact reads [ok]; a fault that does not decide says so: [note: model].
        tag = f"note: {self.verdict}" if self.note and self.verdict != Verdict.OK else str(self.verdict)
        return f"[{tag}] {self.message}"


def decisive(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if not f.note]


def pick(findings: Iterable[Finding]) -> Verdict:
    """The verdict: the decisive finding of highest precedence; OK when none decides."""
    return Verdict.first(f.verdict for f in decisive(findings))


def deciding(findings: list[Finding]) -> Finding | None:
    """The first decisive finding of the verdict's kind (its fix is the diagnosis' fix)."""
    verdict = pick(findings)
    return next((f for f in findings if not f.note and f.verdict == verdict), None)
