"""Does the installed Dynamo's SGLang worker refuse top logprobs unless DYN_SGL_ALLOW_TOP_LOGPROBS?

Read from the installed code, not from a version table: the gate moved between files and versions
(1.2.x: dynamo/sglang/request_handlers/llm/decode_handler.py; 1.3–1.5:
dynamo/common/backend/logprobs.py `sglang_top_logprobs_allowed()`; gone in 1.6). The source files
are parsed with `ast`, never imported, so no engine is loaded. A gate is a *read* of the variable
(os.environ.get / os.getenv / os.environ[...]) reachable from the SGLang worker; a mention in a
comment or a message does not count. The measured knowledge of the release (release.knowledge)
only cross-checks the finding.
"""

from __future__ import annotations

import ast
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .spec import EnvChange

GATE_ENV = "DYN_SGL_ALLOW_TOP_LOGPROBS"
GATED, NOT_GATED, NO_LOGPROBS, NO_SGLANG, UNKNOWN = (
    "gated", "not_gated", "no_logprobs_support", "no_sglang_worker", "unknown")


@dataclass(frozen=True)
class Evidence:
    file: str  # relative to the sources root, e.g. dynamo/common/backend/logprobs.py
    line: int
    text: str


@dataclass(frozen=True)
class GateDecision:
    status: str  # gated | not_gated | no_logprobs_support | no_sglang_worker | unknown
    reason: str
    dynamo_version: str | None = None
    sources_root: str | None = None
    evidence: tuple[Evidence, ...] = ()
    table_expectation: str | None = None  # what was measured on that release (release.knowledge)
    table_agrees: bool | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def expected_from_version(version: str | None) -> str | None:
    """What the measured knowledge says the SGLang worker of exactly this release does (a
    cross-check only: the installed code decides). None when that release was not measured."""
    from ..release import Release, is_version
    from ..release.knowledge import EXACT, Knowledge

    if not version or not is_version(version):
        return None
    knowledge = Knowledge.of(Release(version))
    return knowledge.sglang_gate if knowledge.basis == EXACT else None


def find_dynamo_dir(root: str | Path) -> Path | None:
    """`root` may be the `dynamo` package dir itself or the directory holding it."""
    root = Path(root)
    for cand in (root, root / "dynamo"):
        if (cand / "sglang").is_dir() or (cand / "common").is_dir():
            return cand
    return None


def sources_version(dynamo_dir: Path) -> str | None:
    """The ai-dynamo version of these sources: its own _version.py, else the dist-info beside it."""
    for rel in ("sglang/_version.py", "common/_version.py", "_version.py"):
        path = dynamo_dir / rel
        if path.is_file():
            m = re.search(r"__version__\s*=\s*['\"]([^'\"]+)['\"]", path.read_text(errors="replace"))
            if m:
                return m.group(1)
    for meta in sorted(dynamo_dir.parent.glob("ai_dynamo-*.dist-info/METADATA")):
        m = re.search(r"^Version:\s*(\S+)", meta.read_text(errors="replace"), re.M)
        if m:
            return m.group(1)
    return None


def _python_files(base: Path) -> Iterator[Path]:
    for path in sorted(base.rglob("*.py")):
        if "tests" not in path.relative_to(base).parts:
            yield path


def _is_env_read(call: ast.Call) -> bool:
    f = call.func
    if isinstance(f, ast.Attribute) and f.attr == "getenv":
        return True
    if isinstance(f, ast.Name) and f.id == "getenv":
        return True
    return (isinstance(f, ast.Attribute) and f.attr in ("get", "pop")
            and isinstance(f.value, (ast.Attribute, ast.Name))
            and getattr(f.value, "attr", getattr(f.value, "id", None)) == "environ")


def _gate_reads(path: Path) -> list[tuple[int, str | None]]:
    """(line, enclosing function name) of each read of GATE_ENV in one module."""
    text = path.read_text(errors="replace")
    if GATE_ENV not in text:
        return []
    try:
        tree = ast.parse(text, str(path))
    except SyntaxError:
        return []
    names = {t.id for node in ast.walk(tree) if isinstance(node, ast.Assign)
             and isinstance(node.value, ast.Constant) and node.value.value == GATE_ENV
             for t in node.targets if isinstance(t, ast.Name)}

    def is_gate(arg: ast.AST) -> bool:
        return (isinstance(arg, ast.Constant) and arg.value == GATE_ENV) or (
            isinstance(arg, ast.Name) and arg.id in names)

    reads = []

    def visit(node: ast.AST, func: str | None) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            func = node.name
        if isinstance(node, ast.Call) and _is_env_read(node) and node.args and is_gate(node.args[0]):
            reads.append((node.lineno, func))
        if isinstance(node, ast.Subscript) and is_gate(node.slice) and "environ" in ast.unparse(node.value):
            reads.append((node.lineno, func))
        for child in ast.iter_child_nodes(node):
            visit(child, func)

    visit(tree, None)
    return reads


def _line(path: Path, lineno: int) -> str:
    lines = path.read_text(errors="replace").splitlines()
    return lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""


def _called_from(base: Path, func: str) -> list[tuple[Path, int]]:
    pattern = re.compile(rf"\b{re.escape(func)}\s*\(")
    hits = []
    for path in _python_files(base):
        for i, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if pattern.search(line) and not line.lstrip().startswith(("def ", "#")):
                hits.append((path, i))
    return hits


def detect_sglang_gate(sources_root: str | Path) -> GateDecision:
    """Inspect the SGLang worker under `sources_root` (site-packages, or an unpacked wheel)."""
    dyn = find_dynamo_dir(sources_root)
    if dyn is None:
        return GateDecision(UNKNOWN, f"no dynamo package under {sources_root}",
                            sources_root=str(sources_root))
    version = sources_version(dyn)
    root = dyn.parent

    def rel(p: Path) -> str:
        return str(p.relative_to(root))

    def decide(status: str, reason: str, evidence=(), notes=()) -> GateDecision:
        expected = expected_from_version(version)
        agrees = None if expected is None else expected == status
        if agrees is False:
            notes = (*notes, f"the measured knowledge expects {expected} for {version}; "
                     "the installed code wins")
        return GateDecision(status, reason, version, str(root), tuple(evidence), expected,
                            agrees, tuple(notes))

    sglang = dyn / "sglang"
    if not sglang.is_dir():
        return decide(NO_SGLANG, "this ai-dynamo has no dynamo/sglang worker")
    evidence = []
    for base in (sglang, dyn / "common"):
        if not base.is_dir():
            continue
        for path in _python_files(base):
            for lineno, func in _gate_reads(path):
                ev = Evidence(rel(path), lineno, _line(path, lineno))
                if base == sglang:
                    evidence.append(ev)
                    continue
                # A shared helper gates only if the SGLang worker calls it.
                callers = _called_from(sglang, func) if func else []
                if callers:
                    evidence.append(ev)
                    evidence += [Evidence(rel(p), n, _line(p, n)) for p, n in callers[:3]]
    if evidence:
        first = evidence[0]
        return decide(GATED, f"{first.file}:{first.line} reads {GATE_ENV}; without it the SGLang "
                      "worker rejects top_logprobs >= 1 (chat logprobs:true counts as 1)",
                      evidence, notes=("the variable is read on every request",
                                       '"top_logprobs": 0 passes the gate and still fills '
                                       "logprobs.content"))
    mentions_logprobs = any("logprob" in p.read_text(errors="replace") for p in _python_files(sglang))
    if not mentions_logprobs:
        return decide(NO_LOGPROBS, "no module of dynamo/sglang handles logprobs: this SGLang "
                      "worker returns none, the raw output cannot be rebuilt from logprobs")
    return decide(NOT_GATED, f"no read of {GATE_ENV} in dynamo/sglang or in a helper it calls: "
                  "top logprobs are allowed by default")


def gate_env(gated_backend: bool, decision: GateDecision, allow: bool) -> tuple[EnvChange, ...]:
    """The variable for a worker whose recipe has the gate (SGLang), only when gated and only
    for the repro."""
    if not gated_backend or decision.status != GATED or not allow:
        return ()
    where = f"{decision.evidence[0].file}:{decision.evidence[0].line}" if decision.evidence else "?"
    return (EnvChange(GATE_ENV, "1", f"ai-dynamo {decision.dynamo_version or '?'} gates SGLang "
                      f"top logprobs ({where}); lifted for the one-shot repro only so the "
                      "response carries the logprobs the diagnosis rebuilds the output from",
                      repro_only=True),)


def installed_sglang_gate(python: str | None = None) -> GateDecision:
    """The gate of the ai-dynamo installed in `python` (default: this interpreter)."""
    from . import target

    for location in target.dynamo_locations(python):
        if find_dynamo_dir(location) is not None:
            return detect_sglang_gate(location)
    return GateDecision(UNKNOWN, f"ai-dynamo is not installed in {target.target_python(python)}")
