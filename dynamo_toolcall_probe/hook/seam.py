"""The seam: where the hook wraps the worker's generate handler.

Legacy path (dynamo.vllm / dynamo.sglang / dynamo.trtllm, Dynamo 0.7.1–1.6.1, and our replay
worker): `dynamo._core.Endpoint.serve_endpoint(handler, ...)`, replaced at class level on the pyo3
class. Unified path (`dynamo.common.backend.Worker`, 1.6.x: tokenspeed, the sample engine): the
Rust Worker calls `engine.generate(request, context)` itself, so `Worker.run` is patched (lazily,
when that module is imported) to put the wrapper on the engine instance first.

Only handlers named `generate` are wrapped (load_lora, clear_kv_blocks, ... pass untouched). The
wrapper is an async generator function with exactly `(request, context)` and no `__wrapped__`
(Rust inspects the signature: TRT-LLM 1.6.1 opts into push egress through a `response_sender`
parameter; a hooked TRT-LLM worker therefore serves on the pull path, which its handler supports).

Unmarked requests: one id lookup and one `os.path.exists` per request, then plain re-yield.
Marked requests: the recorder snapshots every chunk, and `MARKED` is True while the handler runs
a step, which is what scopes the SGLang top-logprobs gate to that one request.
"""

from __future__ import annotations

import contextvars
import importlib.abc
import inspect
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from .recorder import Recorder

MARKED: contextvars.ContextVar[bool] = contextvars.ContextVar("dynamo_probe_marked", default=False)
STATUS_FILE = "hook-status.json"
WRAPPED_NAMES = frozenset(n.strip() for n in os.environ.get(
    "DYNAMO_PROBE_HANDLER_NAMES", "generate").split(",") if n.strip())
_FLAG = "_dynamo_probe_hook"


def handler_name(handler: Any) -> str:
    name = getattr(handler, "__name__", None) or type(handler).__name__
    return str(name)


def _qualname(handler: Any) -> str:
    return str(getattr(handler, "__qualname__", None) or handler_name(handler))


async def _aclose(stream: Any) -> None:
    aclose = getattr(stream, "aclose", None)
    if aclose is not None:
        await aclose()


def _reset(token) -> None:
    try:
        MARKED.reset(token)
    except ValueError:  # a different context: never leave the flag set
        MARKED.set(False)


def wrap_handler(handler: Callable[..., Any], recorder: Recorder,
                 on_error: Callable[[str, BaseException], None] | None = None):
    """The wrapper Rust calls instead of `handler`. Raises if `handler` can't be inspected
    (then the caller serves the original)."""
    params = inspect.signature(handler).parameters
    takes_context = "context" in params
    qualname = _qualname(handler)
    is_marked = recorder.is_marked

    async def generate(request, context):
        try:
            rid = context.id()
            marked = is_marked(rid)
        except Exception:  # noqa: BLE001 - no id: not ours
            marked = False
        if not marked:
            stream = handler(request, context=context) if takes_context else handler(request)
            if not hasattr(stream, "__aiter__"):
                stream = await stream
            try:
                async for item in stream:
                    yield item
            finally:
                await _aclose(stream)
            return

        session = None
        try:
            session = recorder.begin(rid, request, qualname)
        except Exception as exc:  # noqa: BLE001
            if on_error is not None:
                try:
                    on_error("begin", exc)
                except Exception:  # noqa: BLE001
                    pass
        status = "complete"
        token = MARKED.set(True)
        try:
            stream = handler(request, context=context) if takes_context else handler(request)
            if not hasattr(stream, "__aiter__"):
                stream = await stream
        finally:
            _reset(token)
        iterator = stream.__aiter__()
        try:
            while True:
                token = MARKED.set(True)
                try:
                    item = await iterator.__anext__()
                except StopAsyncIteration:
                    break
                finally:
                    _reset(token)
                if session is not None:
                    try:
                        session.chunk(item)
                    except Exception as exc:  # noqa: BLE001
                        try:
                            session.error("chunk", exc)
                        except Exception:  # noqa: BLE001
                            pass
                yield item
        except (GeneratorExit, _Cancelled):
            status = "cancelled"
            raise
        except BaseException as exc:
            status = "exception"
            if session is not None:
                try:
                    session.handler_exception(exc)
                except Exception:  # noqa: BLE001
                    pass
            raise
        finally:
            try:
                await _aclose(iterator)
            finally:
                if session is not None:
                    try:
                        session.end(status)
                    except Exception:  # noqa: BLE001
                        pass

    setattr(generate, _FLAG, True)
    generate.__qualname__ = f"dynamo_probe_hook({qualname})"
    return generate


try:
    from asyncio import CancelledError as _Cancelled
except ImportError:  # pragma: no cover
    _Cancelled = BaseException  # type: ignore[misc,assignment]


# ---- status ------------------------------------------------------------------------------------

class Status:
    def __init__(self, record_dir: str | None, component: str | None) -> None:
        self.record_dir = record_dir
        self.data: dict[str, Any] = {"active": False, "reason": None, "seams": [],
                                     "wrapped": [], "sglang_gate": None, "errors": [],
                                     "component": component, "pid": os.getpid(),
                                     "argv": list(sys.argv), "t": time.time(),
                                     "dynamo_version": _version("ai-dynamo"),
                                     "dynamo_runtime_version": _version("ai-dynamo-runtime")}

    def update(self, **changes: Any) -> None:
        self.data.update(changes)
        self.write()

    def error(self, where: str, exc: BaseException) -> None:
        self.data["errors"].append(f"{where}: {type(exc).__name__}: {exc}")
        self.write()

    def write(self) -> None:
        if not self.record_dir:
            return
        try:
            path = os.path.join(self.record_dir, STATUS_FILE)
            tmp = f"{path}.{os.getpid()}.tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                json.dump(self.data, f, indent=1, default=repr)
            os.replace(tmp, path)
        except OSError as exc:
            print(f"dynamo-probe hook: cannot write status: {exc}", file=sys.stderr)


def _version(dist: str) -> str | None:
    try:
        from importlib.metadata import version

        return version(dist)
    except Exception:  # noqa: BLE001
        return None


# ---- lazy patches (modules imported later by the component) ------------------------------------

class _PostImport(importlib.abc.MetaPathFinder):
    """Runs a callback right after a named module executes, without importing it ourselves
    (importing dynamo.common.backend costs ~0.2 s and would change the component's import order)."""

    def __init__(self, callbacks: dict[str, Callable[[Any], None]]) -> None:
        self.callbacks = callbacks

    def find_spec(self, fullname, path, target=None):
        callback = self.callbacks.get(fullname)
        if callback is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        loader = spec.loader
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        original = loader.exec_module

        def exec_module(module):
            original(module)
            callback(module)

        loader.exec_module = exec_module  # this spec's loader instance only
        return spec


def patch_sglang_gate(module: Any) -> str:
    """1.3–1.5: allow top logprobs for the marked request only; defer to the env gate otherwise."""
    original = getattr(module, "sglang_top_logprobs_allowed", None)
    if original is None:
        return "absent in this Dynamo (no sglang_top_logprobs_allowed; 1.6+ allows top logprobs): no-op"
    if getattr(original, _FLAG, False):
        return "patched"

    def sglang_top_logprobs_allowed(*args, **kwargs):
        if MARKED.get():
            return True
        return original(*args, **kwargs)

    setattr(sglang_top_logprobs_allowed, _FLAG, True)
    sglang_top_logprobs_allowed.__doc__ = original.__doc__
    module.sglang_top_logprobs_allowed = sglang_top_logprobs_allowed
    return "patched"


def _gate_state_without_import() -> str:
    """Is the gate there? Read the source instead of importing dynamo.common.backend."""
    try:
        import dynamo

        for base in getattr(dynamo, "__path__", []):
            path = os.path.join(base, "common", "backend", "logprobs.py")
            if os.path.exists(path):
                with open(path, encoding="utf-8") as f:
                    if "def sglang_top_logprobs_allowed" in f.read():
                        return "pending (patched when dynamo.common.backend.logprobs is imported)"
                return ("absent in this Dynamo (no sglang_top_logprobs_allowed; 1.6+ allows top "
                        "logprobs): no-op")
    except Exception as exc:  # noqa: BLE001
        return f"unknown: {type(exc).__name__}: {exc}"
    return "absent (no dynamo/common/backend/logprobs.py): no-op"


# ---- install -----------------------------------------------------------------------------------

_installed: dict[str, Any] = {}


def install(component: str | None = None, environ=os.environ,
            component_argv: list[str] | None = None) -> dict[str, Any]:
    """Install every seam this Dynamo has. Never raises; returns the status dict."""
    if _installed:
        return _installed["status"].data
    record_dir = environ.get("DYNAMO_PROBE_RECORD_DIR")
    status = Status(None, component)
    status.data["component_argv"] = component_argv
    _installed["status"] = status
    if not record_dir:
        status.data["reason"] = "DYNAMO_PROBE_RECORD_DIR is not set"
        return status.data
    try:
        recorder = Recorder(record_dir, environ.get("DYNAMO_PROBE_RECORD_IDS"))
    except Exception as exc:  # noqa: BLE001
        status.data["reason"] = f"cannot use the record directory: {type(exc).__name__}: {exc}"
        print(f"dynamo-probe hook inactive: {status.data['reason']}", file=sys.stderr)
        return status.data
    status.record_dir = recorder.record_dir
    _installed["recorder"] = recorder
    seams: list[str] = []
    reasons: list[str] = []

    # 1. Endpoint.serve_endpoint (all three backends' legacy path, our replay worker)
    try:
        from dynamo._core import Endpoint

        original = Endpoint.serve_endpoint
        if getattr(original, _FLAG, False):
            raise RuntimeError("already patched")

        def serve_endpoint(self, handler, *args, **kwargs):
            if handler_name(handler) in WRAPPED_NAMES and not getattr(handler, _FLAG, False):
                try:
                    wrapped = wrap_handler(handler, recorder, status.error)
                except Exception as exc:  # noqa: BLE001 - serve the original, say why
                    status.error(f"wrap {_qualname(handler)}", exc)
                else:
                    status.data["wrapped"].append({"seam": "Endpoint.serve_endpoint",
                                                   "handler": _qualname(handler)})
                    status.write()
                    handler = wrapped
            return original(self, handler, *args, **kwargs)

        setattr(serve_endpoint, _FLAG, True)
        serve_endpoint.__doc__ = original.__doc__
        Endpoint.serve_endpoint = serve_endpoint
        if Endpoint.serve_endpoint is not serve_endpoint:
            raise RuntimeError("assignment to the pyo3 class did not take")
        seams.append("dynamo._core.Endpoint.serve_endpoint")
    except Exception as exc:  # noqa: BLE001
        reasons.append(f"Endpoint.serve_endpoint: {type(exc).__name__}: {exc}")

    # 2. dynamo.common.backend.Worker (unified Rust Worker calls engine.generate directly)
    def patch_worker(module: Any) -> None:
        try:
            worker_cls = module.Worker
            original_run = worker_cls.run
            if getattr(original_run, _FLAG, False):
                return

            async def run(self, *args, **kwargs):
                engine = getattr(self, "engine", None)
                gen = getattr(engine, "generate", None)
                if gen is not None and not getattr(gen, _FLAG, False):
                    try:
                        engine.generate = wrap_handler(gen, recorder, status.error)
                        status.data["wrapped"].append({"seam": "dynamo.common.backend.Worker",
                                                       "handler": _qualname(gen)})
                        status.write()
                    except Exception as exc:  # noqa: BLE001
                        status.error("wrap engine.generate", exc)
                return await original_run(self, *args, **kwargs)

            setattr(run, _FLAG, True)
            worker_cls.run = run
            if "dynamo.common.backend.Worker.run" not in status.data["seams"]:
                status.data["seams"].append("dynamo.common.backend.Worker.run")
            status.data["active"] = True
            status.write()
        except Exception as exc:  # noqa: BLE001
            status.error("patch dynamo.common.backend.Worker", exc)

    # 3. the SGLang top-logprobs gate (1.3–1.5), scoped to the marked request
    def patch_gate(module: Any) -> None:
        try:
            status.update(sglang_gate=patch_sglang_gate(module))
        except Exception as exc:  # noqa: BLE001
            status.error("patch sglang gate", exc)

    lazy = {"dynamo.common.backend.worker": patch_worker,
            "dynamo.common.backend.logprobs": patch_gate}
    status.data["sglang_gate"] = _gate_state_without_import()
    status.data["seams"] = seams
    status.data["lazy_seams"] = sorted(lazy)
    for name, callback in lazy.items():
        if name in sys.modules:
            callback(sys.modules[name])
    sys.meta_path.insert(0, _PostImport(lazy))
    # Unified Worker seam only counts once patched; the legacy seam is what makes us active.
    status.data["active"] = bool(seams)
    status.data["reason"] = "; ".join(reasons) or None
    status.write()
    if not seams:
        print(f"dynamo-probe hook inactive: {status.data['reason']}", file=sys.stderr)
    return status.data
