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
from ..verdicts import Verdict
from .findings import Finding
from .fix import parser_config_fix
from .replay_evidence import correct_parsers, reproduces

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
    diagnosis.configured_parser_source = INFERRED
    # "pass --parser to tell configuration from parser logic": what follows tells them apart;
    # what the response shows (markers left, finish_reason) is now explained: no X parser ran.
    explained = f"explained: the worker was not running a {family} parser"
    diagnosis.findings[:] = [
        f.as_note(explained) if f.verdict == Verdict.INCONCLUSIVE and not f.note else f
        for f in diagnosis.findings if f.check != "parser_unknown"]
    fix = (parser_config_fix(family, diagnosis.knowledge)
           + " (inferred: confirm the worker's current --dyn-tool-call-parser first)")
    add(Finding(Verdict.PARSER_CONFIG, "inference", f"inferred by replay on {release}: the raw "
                f"output holds {family}-format calls, every parser that returns them correctly is "
                f"of the {'/'.join(families)} family ({', '.join(good)}), and the deployment "
                f"returned something else: the worker was not running a {family} parser", fix))
    if alike:
        shown = ", ".join(alike[:8]) + (f" and {len(alike) - 8} more" if len(alike) > 8 else "")
        add(Finding(Verdict.PARSER_CONFIG, "inference", f"the deployment's response is exactly "
                    f"what {shown} return here: the worker likely runs one of them (or none)",
                    note=True))
    else:
        add(Finding(Verdict.PARSER_CONFIG, "inference", "no installed parser reproduces the "
                    "deployment's response exactly: it may run another Dynamo release or other "
                    "parser settings", note=True))
    add(Finding(Verdict.PARSER_CONFIG, "would_be_parser_logic", f"this is parser_logic instead if "
                f"the worker does run --dyn-tool-call-parser {good[0]} (or "
                f"{', '.join(good[1:]) or 'an alias'}) on another release whose {family} parser "
                "mis-handles this output; pass --parser or --discovery to settle it", note=True))
    return True
