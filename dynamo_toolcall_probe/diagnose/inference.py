"""Which parser configuration the deployment was NOT running, inferred from a replay (pure).

When nobody can say which `--dyn-tool-call-parser` the worker got (no --parser, nothing in
discovery), the raw output is replayed through every installed Dynamo parser. If every parser
that extracts these calls correctly is of family X, and the deployment returned something else,
then the deployment was not running a parser of X — on the replayed release. That is a
`parser_config` verdict with `configured_parser_source: "inferred"`. It would be `parser_logic`
instead if the worker does run an X parser on a release whose X parser fails on this output;
the evidence says so. With no correct parser, or a raw output that is not the model's own text,
nothing is inferred and the verdict stays where it was.
"""

from __future__ import annotations

from typing import Any

from ..formats import base as kinds
from ..formats import registry
from ..reconstruct import SOURCE_CONTENT, SOURCE_NONE
from .fix import fix_for
from .replay_evidence import correct_parsers, reproduces
from .verdict import Finding

INFERRED = "inferred"


def infer_configuration(diagnosis, replay: list[dict[str, Any]],
                        replayed_release: str | None = None) -> bool:
    """Turn an `inconclusive` (parser unknown) diagnosis into an inferred `parser_config` when
    the replay proves it; returns whether it did. Changes `diagnosis` in place."""
    if diagnosis.configured_parser is not None or diagnosis.verdict != "inconclusive":
        return False
    if diagnosis.raw.source in (SOURCE_CONTENT, SOURCE_NONE):
        return False  # no model text to replay: the content is what a parser already left
    primary = diagnosis.detected[0] if diagnosis.detected else None
    if primary is None or not primary.extraction.calls or any(
            p.kind in kinds.MODEL_PROBLEMS for c in primary.extraction.calls for p in c.problems):
        return False
    good = correct_parsers(diagnosis, replay)
    release = f"Dynamo {replayed_release}" if replayed_release else "the installed Dynamo"
    add = diagnosis.findings.append
    if not good:
        add(Finding("inconclusive", "inference", f"replay on {release}: no parser extracts these "
                    "calls exactly, so the configured parser cannot be inferred"))
        return False
    by_parser = {r["parser"]: r for r in replay}
    if any(reproduces(by_parser[p], diagnosis.observed) for p in good):
        return False  # the deployment answered as a correct parser does: nothing to infer
    families = sorted({registry.PARSER_FAMILIES.get(p, p) for p in good})
    family = primary.family if primary.family in families else families[0]
    alike = [r["parser"] for r in replay
             if not r.get("error") and reproduces(r, diagnosis.observed)]
    diagnosis.verdict = "parser_config"
    diagnosis.configured_parser_source = INFERRED
    # "pass --parser to tell configuration from parser logic": what follows tells them apart
    diagnosis.findings[:] = [f for f in diagnosis.findings if f.check != "parser_unknown"]
    for finding in diagnosis.findings:  # what the response shows is now explained: no X parser
        if finding.verdict == "inconclusive" and finding.check in ("markers_in_content",
                                                                   "finish_reason"):
            finding.verdict = "parser_config"
    add(Finding("parser_config", "inference", f"inferred by replay on {release}: the raw output "
                f"holds {family}-format calls, every parser that returns them correctly is of "
                f"the {'/'.join(families)} family ({', '.join(good)}), and the deployment "
                f"returned something else: the worker was not running a {family} parser"))
    if alike:
        shown = ", ".join(alike[:8]) + (f" and {len(alike) - 8} more" if len(alike) > 8 else "")
        add(Finding("parser_config", "inference", f"the deployment's response is exactly what "
                    f"{shown} return here: the worker likely runs one of them (or none)"))
    else:
        add(Finding("parser_config", "inference", "no installed parser reproduces the deployment's "
                    "response exactly: it may run another Dynamo release or other parser settings"))
    add(Finding("parser_config", "would_be_parser_logic", f"this is parser_logic instead if the "
                f"worker does run --dyn-tool-call-parser {good[0]} (or {', '.join(good[1:]) or 'an alias'}) "
                f"on another release whose {family} parser mis-handles this output; pass --parser "
                "or --discovery to settle it"))
    diagnosis.fix = fix_for("parser_config", diagnosis.findings, family, None,
                            knowledge=getattr(diagnosis, "knowledge", None)) + \
        " (inferred: confirm the worker's current --dyn-tool-call-parser first)"
    return True
