"""The Python worker API of whichever ai-dynamo is installed, called the way that release takes it.

Runs inside the replay worker's process (it imports dynamo). Every release from 1.0 to 1.6 has
`DistributedRuntime`, `register_model` (or `register_llm`), `ModelRuntimeConfig` and
`Endpoint.serve_endpoint`, but their parameters moved: `event_plane` and `WorkerType` appeared in
1.3, `context_length` left `register_model` for the runtime config, `enable_nats` must be False
for a custom worker on releases that default it on. Rather than a table of versions, each call
passes what the installed signature accepts, read with `inspect`.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable


def accepted(func: Callable[..., Any]) -> set[str]:
    """Parameter names of a pyo3 function or class (their text signatures are introspectable)."""
    try:
        return set(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        sig = getattr(func, "__text_signature__", None) or ""
        return {p.strip().split("=")[0].lstrip("*") for p in sig.strip("()").split(",") if p.strip()}


def make_runtime(loop: Any, discovery_backend: str = "file", request_plane: str = "tcp") -> Any:
    from dynamo.runtime import DistributedRuntime

    params = accepted(DistributedRuntime)
    kwargs: dict[str, Any] = {}
    if "enable_nats" in params and nats_on_by_default():
        kwargs["enable_nats"] = False  # a loopback test stack has no NATS server
    if "event_plane" in params:
        kwargs["event_plane"] = None  # the release's default (zmq where it has one)
    return DistributedRuntime(loop, discovery_backend, request_plane, **kwargs)


def nats_on_by_default() -> bool:
    """Releases whose `dynamo_worker` defaults `enable_nats` to True connect to NATS unless told
    not to; later ones decide from the event plane and warn when the parameter is passed."""
    from dynamo.runtime import dynamo_worker

    try:
        default = inspect.signature(dynamo_worker).parameters["enable_nats"].default
    except (KeyError, TypeError, ValueError):
        return False
    return default is True


def runtime_config(tool_call_parser: str | None, reasoning_parser: str | None,
                   context_length: int, max_num_seqs: int = 16, total_kv_blocks: int = 4096) -> Any:
    from dynamo.llm import ModelRuntimeConfig

    rc = ModelRuntimeConfig()
    if tool_call_parser:
        rc.tool_call_parser = tool_call_parser
    if reasoning_parser:
        rc.reasoning_parser = reasoning_parser
    # Each attribute exists only in some releases (context_length moved here in 1.3).
    for name, value in (("context_length", context_length), ("max_num_seqs", max_num_seqs),
                        ("total_kv_blocks", total_kv_blocks)):
        if hasattr(rc, name):
            setattr(rc, name, value)
    return rc


async def register(endpoint: Any, model_dir: str, served_name: str, rc: Any,
                   context_length: int, kv_cache_block_size: int = 16) -> None:
    import dynamo.llm as llm

    register_fn = getattr(llm, "register_model", None) or getattr(llm, "register_llm")
    params = accepted(register_fn)
    kwargs: dict[str, Any] = {"kv_cache_block_size": kv_cache_block_size, "runtime_config": rc}
    if "worker_type" in params and hasattr(llm, "WorkerType"):
        kwargs["worker_type"] = llm.WorkerType.Aggregated
    if "context_length" in params:
        kwargs["context_length"] = context_length
    await register_fn(llm.ModelInput.Tokens, llm.ModelType.Chat | llm.ModelType.Completions,
                      endpoint, model_dir, served_name, **kwargs)
