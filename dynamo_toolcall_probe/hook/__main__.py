"""`python -m dynamo_toolcall_probe.hook <component module> <its args...>`

Installs the hook (never fatal: without a seam the component runs unhooked and
`<record_dir>/hook-status.json` says why), then runs the component exactly as
`python -m <component module> <its args...>` would.
"""

from __future__ import annotations

import runpy
import sys

USAGE = ("usage: python -m dynamo_toolcall_probe.hook <component module> [its args...]\n"
         "  e.g. DYNAMO_PROBE_RECORD_DIR=/records python -m dynamo_toolcall_probe.hook "
         "dynamo.vllm --model Qwen/Qwen3-0.6B --dyn-tool-call-parser hermes\n"
         "env: DYNAMO_PROBE_RECORD_DIR (required to record), DYNAMO_PROBE_RECORD_IDS (comma list),\n"
         "     marks as files <record_dir>/marks/<x-dynamo-request-id>")


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr)
        raise SystemExit(0 if argv else 2)
    module, args = argv[0], argv[1:]
    try:
        from .seam import install

        install(component=module, component_argv=args)
    except Exception as exc:  # noqa: BLE001 - the worker must run regardless
        print(f"dynamo-probe hook inactive: {type(exc).__name__}: {exc}", file=sys.stderr)
    sys.argv = [module, *args]  # runpy replaces argv[0] with the module's file, as `-m` does
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
