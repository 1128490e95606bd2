"""The concrete fix for a verdict, worded for the person who runs the deployment."""

from __future__ import annotations

from ..formats import base as kinds
from ..formats import registry
from .verdict import Finding

MODEL_FIXES = {
    kinds.TRUNCATED: "the call was cut off: raise max_tokens for this request",
    kinds.MISSING_END_MARKER: "the model stopped before closing the call: raise max_tokens if "
                              "finish_reason is 'length'; otherwise the model itself is at fault",
    kinds.INVALID_JSON: "the model emitted arguments that are not valid JSON: constrain tool-call "
                        "output with structural tags (--dyn-structural-tag, Dynamo 1.6+), lower "
                        "the temperature, or use a model fine-tuned for this tool format",
    kinds.UNKNOWN_TOOL: "the model called a tool the request does not offer: check the tool names "
                        "and descriptions the chat template renders",
    kinds.SCHEMA_VIOLATION: "the arguments break the tool's JSON Schema: make the parameter "
                            "descriptions clearer or constrain output with structural tags",
    kinds.INSIDE_REASONING: "the model emitted the call inside its reasoning, where no tool parser "
                            "looks: check --dyn-reasoning-parser and the chat template, or disable "
                            "thinking for tool turns",
    kinds.MISSING_NAME: "the model emitted a call without a tool name",
    kinds.MALFORMED: "the model broke the tool-call format's structure",
    "no_call": "the model ignored tool_choice: constrain output with structural tags / guided "
               "decoding, or check that the chat template renders the tools",
}


def fix_for(verdict: str, findings: list[Finding], family: str | None, configured: str | None,
            asked_logprobs: bool = False) -> str:
    if verdict == "parser_config":
        pairing = next((f for f in findings if f.check == "reasoning_pairing"), None)
        if pairing is not None:
            return pairing.message.split(": ", 1)[-1]
        if family is None:
            names = ", ".join(sorted(registry.PARSER_FAMILIES))
            return f"relaunch the worker with a valid --dyn-tool-call-parser (one of: {names})"
        names = registry.names_of(family, working_only=True)
        return (f"relaunch the worker with `--dyn-tool-call-parser {names[0]}`"
                + (f" (equivalent names: {', '.join(names[1:])})" if len(names) > 1 else ""))
    if verdict == "model":
        first = next(f for f in findings if f.verdict == "model")
        return MODEL_FIXES.get(first.check, "the model's output is at fault: " + first.message)
    if verdict == "parser_logic":
        return (f"Dynamo's {configured or 'configured'} parser mis-handled a well-formed call: "
                "report it to ai-dynamo/dynamo with this bundle's REPORT.md and parity fixture")
    if verdict == "inconclusive":
        if any(f.check == "parser_unknown" for f in findings):
            return "rerun with --parser set to the worker's --dyn-tool-call-parser value"
        if asked_logprobs:
            return ("the request asked for logprobs but the frontend did not return them all (1.6.1 "
                    "drops them with the muse and deepseek_v41 parsers): capture the engine's tokens "
                    "with probe-launch (worker hook) or ask for nvext.extra_fields "
                    "[\"completion_token_ids\"] and pass --tokenizer")
        return ("resend the request with \"logprobs\": true (and pass --tokenizer if the output "
                "has multi-byte characters), then analyze again")
    return "nothing to fix: the tool call came back as the model emitted it"
