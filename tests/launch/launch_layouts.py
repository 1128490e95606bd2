"""Fake Dynamo source trees for the gate detector: only the files it reads, in our own words."""

from __future__ import annotations

import textwrap
from pathlib import Path


def write_tree(root: Path, files: dict[str, str], version: str) -> Path:
    """A minimal stand-in for site-packages/dynamo: only what the gate detector reads."""
    for rel, text in {"dynamo/sglang/_version.py": f'__version__ = "{version}"\n', **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


# The 1.3-1.5 layout: a shared helper reads the variable, the SGLang handler calls the helper.
SHARED_HELPER_LAYOUT = {
    "dynamo/common/backend/logprobs.py": """
        import os
        ALLOW_ENV = "DYN_SGL_ALLOW_TOP_LOGPROBS"

        def sglang_top_logprobs_allowed():
            return os.environ.get(ALLOW_ENV, "") not in ("", "0", "false")
    """,
    "dynamo/sglang/request_handlers/llm/decode_handler.py": """
        from dynamo.common.backend import logprobs as shared

        def build(request):
            allow = shared.sglang_top_logprobs_allowed()
            return {"top_logprobs_num": request.get("k"), "allow": allow}
    """,
}

# The 1.2 layout: the handler reads the variable itself.
HANDLER_LAYOUT = {
    "dynamo/sglang/request_handlers/llm/decode_handler.py": """
        import os

        def _allowed():
            return os.getenv("DYN_SGL_ALLOW_TOP_LOGPROBS", "") not in ("", "0")

        def logprob_kwargs(request):
            return {"return_logprob": True, "allow": _allowed()}
    """,
}

# Mentions the variable only in text: no gate.
MENTION_ONLY_LAYOUT = {
    "dynamo/sglang/request_handlers/llm/decode_handler.py": '''
        # DYN_SGL_ALLOW_TOP_LOGPROBS is no longer needed.
        NOTE = "DYN_SGL_ALLOW_TOP_LOGPROBS was removed"

        def logprob_kwargs(request):
            return {"return_logprob": True}
    ''',
}

# The helper exists but the SGLang worker never calls it: not a gate for SGLang.
UNUSED_HELPER_LAYOUT = {
    "dynamo/common/backend/logprobs.py": SHARED_HELPER_LAYOUT["dynamo/common/backend/logprobs.py"],
    "dynamo/sglang/request_handlers/llm/decode_handler.py": """
        def logprob_kwargs(request):
            return {"return_logprob": True}
    """,
}

# A 1.0-style worker: no logprobs handling at all.
NO_LOGPROBS_LAYOUT = {
    "dynamo/sglang/request_handlers/llm/decode_handler.py": """
        def generate(request):
            return {"token_ids": [1, 2]}
    """,
}
