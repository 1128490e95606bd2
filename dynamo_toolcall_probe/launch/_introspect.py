"""Asks the *target* Python what its ai-dynamo knows. Run as a script, never imported by the package.

    <python> _introspect.py  < {"op": "...", ...}  > {...}

It runs in the interpreter that will launch the worker (often another venv than ours), so it
imports nothing from dynamo_toolcall_probe, only the standard library and dynamo. It never
imports an engine: dynamo.trtllm's argument module imports tensorrt_llm (which starts MPI), so its
flags are read from the source file with `ast` instead.
"""

import argparse
import ast
import importlib
import importlib.metadata as md
import importlib.util
import json
import os
import sys


class _ParseError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    # argparse exits on a bad value; we want the message. allow_abbrev=False as Dynamo does.
    def __init__(self, **kw):
        super().__init__(add_help=False, allow_abbrev=False, **kw)

    def error(self, message):
        raise _ParseError(message)

    def exit(self, status=0, message=None):
        raise _ParseError(message or f"exit {status}")


def _version(dist):
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None


def _jsonable(value):
    try:
        json.dumps(value)
        return value
    except TypeError:
        try:
            import msgspec  # structural tag settings are msgspec structs in 1.6

            return msgspec.to_builtins(value)
        except Exception:
            return repr(value)


def op_parsers(_req):
    import dynamo._core as core

    return {"tool": sorted(core.get_tool_parser_names()),
            "reasoning": sorted(core.get_reasoning_parser_names()),
            "ai_dynamo": _version("ai-dynamo"), "ai_dynamo_runtime": _version("ai-dynamo-runtime")}


def _source_flags(rel_path):
    """Option strings declared in a Dynamo argument module, read without importing it."""
    spec = importlib.util.find_spec("dynamo")
    for root in (spec.submodule_search_locations if spec else []):
        path = os.path.join(os.path.dirname(root), rel_path)
        if os.path.exists(path):
            break
    else:
        return None, None
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    flags = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for kw in node.keywords:
            if kw.arg in ("flag_name", "obsolete_flag") and isinstance(kw.value, ast.Constant):
                flags.add(kw.value.value)
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        if name == "add_argument":
            for arg in node.args:
                if isinstance(arg, ast.Constant) and str(arg.value).startswith("--"):
                    flags.add(arg.value)
    # add_negatable_bool_argument declares --no-X next to --X.
    flags |= {"--no-" + f[2:] for f in list(flags) if isinstance(f, str)}
    return sorted(f for f in flags if isinstance(f, str) and f.startswith("--")), path


def _build(groups, with_router):
    parser = _Parser()
    used, failed = [], []
    for ref in groups:
        module, _, cls = ref.partition(":")
        try:
            getattr(importlib.import_module(module), cls)().add_arguments(parser)
            used.append(ref)
        except Exception as exc:  # an older or newer layout: say so, keep going
            failed.append(f"{ref}: {type(exc).__name__}: {exc}")
    if with_router:
        try:
            from dynamo.common.configuration.groups.router_args import add_worker_router_arguments

            add_worker_router_arguments(parser)
            used.append("dynamo.common.configuration.groups.router_args:add_worker_router_arguments")
        except ImportError:
            pass  # before 1.5 workers had no router advertisement flags
    return parser, used, failed


def _parse(parser, argv, keys):
    options = sorted(s for a in parser._actions for s in a.option_strings)
    try:
        ns, unknown = parser.parse_known_args(list(argv))
    except _ParseError as exc:
        return {"options": options, "error": str(exc), "unknown": [], "values": {}}
    values = {k: _jsonable(getattr(ns, k)) for k in keys if hasattr(ns, k)}
    return {"options": options, "error": None, "unknown": unknown, "values": values}


_WORKER_KEYS = ("dyn_tool_call_parser", "dyn_reasoning_parser", "discovery_backend",
                "request_plane", "dyn_structural_tag", "dyn_enable_structural_tag",
                "dyn_structural_tag_scope", "dyn_structural_tag_schema", "dump_config_to",
                "namespace", "use_vllm_tokenizer", "use_sglang_tokenizer")
_FRONTEND_KEYS = ("chat_processor", "http_host", "http_port", "discovery_backend",
                  "request_plane", "namespace")


def op_flags(req):
    out = {}
    if req.get("worker_groups") is not None:
        parser, used, failed = _build(req["worker_groups"], with_router=True)
        worker = _parse(parser, req.get("worker_argv", []), _WORKER_KEYS)
        worker.update(groups=used, failed_groups=failed, source_flags={})
        for rel in req.get("source_only_groups", []):
            flags, path = _source_flags(rel)
            worker["source_flags"][rel] = {"flags": flags, "path": path}
        out["worker"] = worker
    if req.get("frontend_argv") is not None:
        parser, used, failed = _build(["dynamo.frontend.frontend_args:FrontendArgGroup"], False)
        frontend = _parse(parser, req["frontend_argv"], _FRONTEND_KEYS)
        frontend.update(groups=used, failed_groups=failed)
        out["frontend"] = frontend
    out["ai_dynamo"] = _version("ai-dynamo")
    return out


def _module_version(module):
    # Mirrors target.module_version (this script imports nothing from the probe).
    dists = {d: _version(d) for d in dict.fromkeys(md.packages_distributions().get(module, ()))}
    if not dists and importlib.util.find_spec(module) is None:
        return None
    versions = {v for v in dists.values() if v}
    return {"version": versions.pop() if len(versions) == 1 else None, "distributions": dists}


def op_engine(req):
    module, dist = req.get("module"), req.get("dist")
    # find_spec on a top-level name locates the package without executing it.
    found = importlib.util.find_spec(module) is not None if module else None
    version = (_module_version(module) or {}).get("version") if found else None
    for name in ([dist, dist.replace("-", "_")] if dist else []):
        version = version or _version(name)
    return {"module": module, "found": found, "version": version}


def op_versions(req):
    return {name: _version(name) or _version(name.replace("-", "_")) for name in req["names"]}


def op_modules(req):
    return {module: _module_version(module) for module in req["modules"]}


def op_sources(_req):
    spec = importlib.util.find_spec("dynamo")
    return {"locations": list(spec.submodule_search_locations) if spec else []}


def _core_library():
    spec = importlib.util.find_spec("dynamo")
    for root in (spec.submodule_search_locations if spec else []):
        for name in sorted(os.listdir(root)):
            if name.startswith("_core") and name.endswith((".so", ".pyd")):
                return os.path.join(root, name)
    return None


def _names_in_file(path, names):
    """Which of `names` occur in the file (a compiled runtime: the variables it can read)."""
    import mmap

    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return sorted(n for n in names if data.find(n.encode()) != -1)


def _part(func, *args):
    try:
        return func(*args)
    except Exception as exc:  # each part stands alone: an old layout must not hide the rest
        return {"error": f"{type(exc).__name__}: {exc}"}


def _frontend_shape():
    parser, used, failed = _build(["dynamo.frontend.frontend_args:FrontendArgGroup"], False)
    if failed:
        return {"error": failed[0]}
    shape = {"options": sorted(s for a in parser._actions for s in a.option_strings),
             "defaults": {}, "choices": {}}
    for action in parser._actions:
        if action.dest in ("event_plane", "discovery_backend", "request_plane", "http_host",
                           "chat_processor"):
            shape["defaults"][action.dest] = _jsonable(action.default)
            if action.choices:
                shape["choices"][action.dest] = [str(c) for c in action.choices]
    return shape


def _worker_api():
    import dynamo.llm as llm
    import dynamo.runtime as rt

    return {"register": next((n for n in ("register_model", "register_llm") if hasattr(llm, n)), None),
            "runtime_config": hasattr(llm, "ModelRuntimeConfig"),
            "distributed_runtime": hasattr(rt, "DistributedRuntime"),
            "worker_type": hasattr(llm, "WorkerType")}


def op_capabilities(req):
    library = _core_library()
    return {"ai_dynamo": _version("ai-dynamo"), "ai_dynamo_runtime": _version("ai-dynamo-runtime"),
            "parsers": _part(op_parsers, req), "frontend": _part(_frontend_shape),
            "worker_api": _part(_worker_api),
            "runtime_library": library,
            "runtime_env": _part(_names_in_file, library, req.get("env_names", [])) if library else [],
            "python": sys.version.split()[0]}


OPS = {"parsers": op_parsers, "flags": op_flags, "engine": op_engine, "sources": op_sources,
       "versions": op_versions, "capabilities": op_capabilities, "modules": op_modules}


def main():
    req = json.load(sys.stdin)
    real_stdout, sys.stdout = sys.stdout, sys.stderr  # whatever dynamo prints stays off our JSON
    try:
        result = {"ok": True, "result": OPS[req["op"]](req)}
    except ImportError as exc:
        result = {"ok": False, "kind": "import", "error": f"{type(exc).__name__}: {exc}"}
    except Exception as exc:
        result = {"ok": False, "kind": "error", "error": f"{type(exc).__name__}: {exc}"}
    sys.stdout = real_stdout
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
