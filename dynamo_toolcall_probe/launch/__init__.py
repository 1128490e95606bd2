"""probe-launch, everything decided before a process starts: backend recipes, checks against the
installed Dynamo, the SGLang logprobs gate, metadata and the dry run. Running the plan is the
supervisor's job (replay/stack.py). Nothing here imports dynamo, torch or an engine at import time.

    plan = plan_launch(LaunchRequest("sglang", model="Qwen/Qwen2.5-7B-Instruct", parser="hermes"))
    plan = plan.resolve(http_port=..., system_port=..., run_dir=...)  # by the supervisor
"""

from .plan import LaunchPlan, plan_launch
from .spec import CommandSpec, EnvChange, LaunchRequest

__all__ = ["LaunchPlan", "LaunchRequest", "CommandSpec", "EnvChange", "plan_launch"]
