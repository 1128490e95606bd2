"""Refuse a launch that cannot reproduce the user's problem, before anything starts.

Three checks, in the order a user would want to hear about them:
1. parser names against the installed Dynamo (`dynamo._core.get_*_parser_names()`);
2. known conflicts: the engine's own tool parser next to Dynamo's, options that hand chat
   processing to the engine (Dynamo's parser then never runs), flags probe-launch sets itself;
3. the worker's and frontend's Dynamo-side flags against the installed ai-dynamo's own argument
   groups (built by the real `ArgGroup.add_arguments` in the target interpreter, not a copy).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from ..errors import BadInput, EnvironmentProblem
from . import target
from .backends import BackendRecipe

TRUTHY = ("1", "true", "yes", "on")


def _norm(name: str) -> str:
    return name.lower().replace("-", "_")


def close_matches(name: str, valid: Iterable[str], n: int = 3) -> list[str]:
    valid = list(valid)
    same = [v for v in valid if _norm(v) == _norm(name)]  # gemma-4 vs gemma4-style spellings
    fuzzy = difflib.get_close_matches(name, valid, n=n, cutoff=0.6)
    by_norm = {_norm(v): v for v in valid}
    fuzzy += [by_norm[m] for m in difflib.get_close_matches(_norm(name), list(by_norm), n=n, cutoff=0.6)]
    return list(dict.fromkeys(same + fuzzy))[:n]


def check_parser_name(name: str | None, valid: Sequence[str], kind: str, version: str | None) -> None:
    """BadInput naming close matches and every valid name when `name` is not a Dynamo parser."""
    if name is None or name in valid:
        return
    hint = close_matches(name, valid)
    maybe = f" (did you mean {' or '.join(hint)}?)" if hint else ""
    raise BadInput(f"unknown {kind} parser {name!r} for ai-dynamo {version or '?'}{maybe}; "
                   f"valid: {', '.join(sorted(valid))}")


def check_parsers(tool: str | None, reasoning: str | None, python: str | None = None) -> dict[str, Any]:
    names = target.parser_names(python)
    check_parser_name(tool, names["tool"], "tool-call", names.get("ai_dynamo"))
    check_parser_name(reasoning, names["reasoning"], "reasoning", names.get("ai_dynamo"))
    return names


# --- conflicts ---------------------------------------------------------------------------------

def flag_value(argv: Sequence[str], flag: str) -> tuple[bool, str | None]:
    """(present, value) for `--flag value` or `--flag=value`; the last occurrence wins."""
    present, value = False, None
    for i, arg in enumerate(argv):
        if arg == flag:
            present = True
            nxt = argv[i + 1] if i + 1 < len(argv) else None
            value = nxt if nxt is not None and not nxt.startswith("--") else None
        elif arg.startswith(flag + "="):
            present, value = True, arg[len(flag) + 1:]
    return present, value


_WORKER_OWNED = {"--dyn-tool-call-parser": "--parser", "--dyn-reasoning-parser": "--reasoning-parser",
                 "--discovery-backend": "the launch request", "--request-plane": "the launch request",
                 "--served-model-name": "--served-model-name"}
_FRONTEND_OWNED = {"--http-host": "--host", "--http-port": "the free port probe-launch picks",
                   "--discovery-backend": "the launch request", "--request-plane": "the launch request"}


def check_conflicts(recipe: BackendRecipe, parser: str | None, worker_args: Sequence[str],
                    frontend_args: Sequence[str], base_env: Mapping[str, str]) -> list[str]:
    """Raise BadInput on a combination that cannot work; return warnings for doubtful ones."""
    warnings: list[str] = []
    native = recipe.native_tool_parser_flag
    if native and flag_value(worker_args, native)[0]:
        if parser:
            raise BadInput(f"{native} (the engine's own parser) and --dyn-tool-call-parser are both "
                           f"set; Dynamo's {recipe.name} worker refuses this: drop {native}")
        raise BadInput(f"{native} selects the engine's own parser, which a Dynamo worker does not "
                       "run: use --parser NAME (Dynamo's --dyn-tool-call-parser) instead")
    owned = dict(_WORKER_OWNED)
    if recipe.model_flag:
        owned[recipe.model_flag] = "--model"
    for flag, instead in owned.items():
        if recipe.dynamo_flags_validated and flag_value(worker_args, flag)[0]:
            raise BadInput(f"{flag} in the worker arguments: probe-launch sets it (use {instead})")
    for flag in recipe.bypass_flags:
        if flag_value(worker_args, flag)[0]:
            raise BadInput(f"{flag} bypasses Dynamo's preprocessor, so Dynamo's tool-call parser "
                           "never runs and the repro would test something else: drop it")
    for var in recipe.bypass_env:
        if base_env.get(var, "").strip().lower() in TRUTHY:
            raise BadInput(f"{var}={base_env[var]} in the environment bypasses Dynamo's "
                           f"preprocessor (Dynamo's parser never runs): unset it")
    present, processor = flag_value(frontend_args, "--dyn-chat-processor")
    processor = processor if present else base_env.get("DYN_CHAT_PROCESSOR")
    if processor and processor.strip().lower() != "dynamo":
        where = "--dyn-chat-processor" if present else "DYN_CHAT_PROCESSOR"
        raise BadInput(f"{where} {processor} hands templating and parsing to the engine's own "
                       "processor, bypassing --dyn-tool-call-parser: use the dynamo processor")
    for flag, instead in _FRONTEND_OWNED.items():
        if flag_value(frontend_args, flag)[0]:
            raise BadInput(f"{flag} in the frontend arguments: probe-launch sets it (use {instead})")
    if base_env.get("DYN_TOOL_CALL_PARSER") and parser:
        warnings.append(f"DYN_TOOL_CALL_PARSER={base_env['DYN_TOOL_CALL_PARSER']} in the environment "
                        f"is overridden by --dyn-tool-call-parser {parser}")
    return warnings


# --- Dynamo flag definitions -------------------------------------------------------------------

@dataclass(frozen=True)
class FlagReport:
    """What the installed ai-dynamo made of the worker and frontend argv."""

    ai_dynamo: str | None
    validated: bool
    groups: tuple[str, ...] = ()  # argument groups the worker argv was checked against
    notes: tuple[str, ...] = ()  # fallbacks, unvalidated parts
    engine_args: tuple[str, ...] = ()  # left for the engine's own parser: not checked here
    worker_options: tuple[str, ...] = ()
    worker_values: dict[str, Any] = field(default_factory=dict)
    frontend_values: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"ai_dynamo": self.ai_dynamo, "validated": self.validated, "groups": list(self.groups),
                "notes": list(self.notes), "engine_args": list(self.engine_args),
                "worker_values": self.worker_values, "frontend_values": self.frontend_values}


def _unknown_dynamo_flag(flag: str, options: Sequence[str], where: str, version: str | None) -> BadInput:
    hint = difflib.get_close_matches(flag, options, n=2, cutoff=0.7)
    maybe = f"; did you mean {' or '.join(hint)}?" if hint else ""
    return BadInput(f"{where} flag {flag} is not defined by ai-dynamo {version or '?'}{maybe}")


def check_flags(recipe: BackendRecipe, worker_argv: Sequence[str], frontend_argv: Sequence[str],
                env: Mapping[str, str], python: str | None = None,
                own_flags: Sequence[str] = ()) -> FlagReport:
    """Parse both argv (without `python -m module`) with the installed Dynamo's own parsers.

    `own_flags`: the Dynamo-side flags the recipe itself adds; each must exist in this version.
    """
    if not recipe.dynamo_flags_validated:
        answer = target.query("flags", python, env, frontend_argv=list(frontend_argv))
        fe = answer["frontend"]
        _check_frontend(fe, answer.get("ai_dynamo"))
        return FlagReport(answer.get("ai_dynamo"), True, notes=(
            f"{recipe.name}: not a Dynamo worker CLI; only the frontend flags were checked",),
            frontend_values=fe["values"])
    answer = target.query("flags", python, env, worker_groups=list(recipe.arg_groups),
                          source_only_groups=list(recipe.source_only_groups),
                          worker_argv=list(worker_argv), frontend_argv=list(frontend_argv))
    version, worker = answer.get("ai_dynamo"), answer["worker"]
    notes = [f"could not load {f}" for f in worker["failed_groups"]]
    if _runtime_missing(worker):
        raise EnvironmentProblem(f"ai-dynamo {version or '?'} has no DynamoRuntimeArgGroup: "
                                 "cannot check the worker flags (ai-dynamo >= 1.0 needed)")
    if worker["error"]:
        raise BadInput(f"{recipe.name} worker flags rejected by ai-dynamo {version or '?'}: "
                       f"{worker['error']}")
    options = set(worker["options"])
    source_flags: set[str] = set()
    for rel, found in worker["source_flags"].items():
        if found["flags"] is None:
            notes.append(f"{rel} not found: {recipe.name}-specific Dynamo flags not checked")
        else:
            source_flags |= set(found["flags"])
            notes.append(f"{rel} imports the engine: its flags were checked by name from the "
                         "source, their values were not; common groups checked fully")
    # Our own Dynamo-side flags must exist in this version, or the recipe does not fit it.
    for flag in own_flags:
        if flag not in recipe.engine_owned_flags and flag not in options | source_flags:
            raise EnvironmentProblem(f"installed ai-dynamo {version or '?'} has no {flag} for "
                                     f"{recipe.module}; probe-launch's {recipe.name} recipe needs it")
    engine_args, skip_value = [], False
    for arg in worker["unknown"]:
        name = arg.split("=", 1)[0]
        if skip_value and not arg.startswith("--"):
            skip_value = False  # the value of a flag checked by name from source
            continue
        skip_value = name in source_flags and "=" not in arg
        if name in source_flags:
            continue
        if name.startswith("--dyn-"):
            raise _unknown_dynamo_flag(name, sorted(options | source_flags), "worker", version)
        engine_args.append(arg)
    fe = answer["frontend"]
    _check_frontend(fe, version)
    return FlagReport(version, True, groups=tuple(worker["groups"]), notes=tuple(notes),
                      engine_args=tuple(engine_args), worker_options=tuple(sorted(options | source_flags)),
                      worker_values=worker["values"], frontend_values=fe["values"])


def _runtime_missing(worker: dict[str, Any]) -> bool:
    return not any(g.endswith(":DynamoRuntimeArgGroup") for g in worker["groups"])


def _check_frontend(fe: dict[str, Any], version: str | None) -> None:
    if fe["failed_groups"]:
        raise EnvironmentProblem(f"cannot load the frontend's arguments: {fe['failed_groups'][0]}")
    if fe["error"]:
        raise BadInput(f"frontend flags rejected by ai-dynamo {version or '?'}: {fe['error']}")
    if fe["unknown"]:
        first = fe["unknown"][0].split("=", 1)[0]
        if first.startswith("--"):
            raise _unknown_dynamo_flag(first, fe["options"], "frontend", version)
        raise BadInput(f"the frontend takes no positional arguments: {fe['unknown'][0]!r}")
    processor = fe["values"].get("chat_processor")
    if processor not in (None, "dynamo"):
        raise BadInput(f"frontend chat processor {processor!r} bypasses Dynamo's tool-call parser")
