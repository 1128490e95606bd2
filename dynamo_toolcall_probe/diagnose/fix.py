"""The concrete fix for a verdict, worded for the person who runs the deployment."""

from __future__ import annotations

from ..formats import base as kinds
from ..formats import registry
from ..release import Release
from ..release.knowledge import Knowledge
from .verdict import Finding

MODEL_FIXES = {
    kinds.TRUNCATED: "the call was cut off: raise max_tokens for this request",
    kinds.MISSING_END_MARKER: "the model stopped before closing the call: raise max_tokens if "
                              "finish_reason is 'length'; otherwise the model itself is at fault",
    kinds.INVALID_JSON: "the model emitted arguments that are not valid JSON: constrain tool-call "
                        "output{structural_tag}, lower the temperature, or use a model "
                        "fine-tuned for this tool format",
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


def suggested_parsers(family: str, knowledge: Knowledge) -> list[str]:
    """The parser names of `family` that parse on the deployment's release and route."""
    return knowledge.working_names(registry.names_of(family))


def _structural_tag(knowledge: Knowledge) -> str:
    tag = knowledge.structural_tag
    if tag == "default_on":
        return f" with structural tags (on by default in {knowledge.label}: check --dyn-structural-tag)"
    if tag == "opt_in":
        return f" with structural tags (--dyn-enable-structural-tag in {knowledge.label})"
    return " with guided decoding (Dynamo 1.6 added structural tags)" if tag else ""


def fix_for(verdict: str, findings: list[Finding], family: str | None, configured: str | None,
            asked_logprobs: bool = False, knowledge: Knowledge | None = None) -> str:
    knowledge = knowledge or Knowledge.of(Release(None))
    if verdict == "parser_config":
        pairing = next((f for f in findings if f.check == "reasoning_pairing"), None)
        if pairing is not None:
            return pairing.message.split(": ", 1)[-1]
        if family is None:
            names = ", ".join(sorted(knowledge.tool_parsers or registry.PARSER_FAMILIES))
            return f"relaunch the worker with a valid --dyn-tool-call-parser (one of: {names})"
        names = suggested_parsers(family, knowledge)
        if not names:
            return (f"{knowledge.label} has no tool parser that reads the {family} format: "
                    "upgrade Dynamo or change the model's tool format")
        return (f"relaunch the worker with `--dyn-tool-call-parser {names[0]}`"
                + (f" (equivalent names: {', '.join(names[1:])})" if len(names) > 1 else ""))
    if verdict == "model":
        first = next(f for f in findings if f.verdict == "model")
        fix = MODEL_FIXES.get(first.check, "the model's output is at fault: " + first.message)
        return fix.replace("{structural_tag}", _structural_tag(knowledge))
    if verdict == "parser_logic":
        return (f"Dynamo's {configured or 'configured'} parser mis-handled a well-formed call: "
                "report it to ai-dynamo/dynamo with this bundle's REPORT.md and parity fixture")
    if verdict == "inconclusive":
        if any(f.check == "parser_unknown" for f in findings):
            return "rerun with --parser set to the worker's --dyn-tool-call-parser value"
        if asked_logprobs:
            return ("the request asked for logprobs but the frontend did not return them all"
                    + _logprob_gaps(knowledge) + ": capture the engine's tokens with probe-launch "
                    "(worker hook)" + _token_ids(knowledge) + " and pass --tokenizer")
        return ("resend the request with \"logprobs\": true (and pass --tokenizer if the output "
                "has multi-byte characters), then analyze again" + _sglang_gate(knowledge))
    return "nothing to fix: the tool call came back as the model emitted it"


def _logprob_gaps(knowledge: Knowledge) -> str:
    facts = knowledge.logprobs()
    gaps = []
    if facts.get("dropped_with"):
        gaps.append(f"it drops them with the {', '.join(facts['dropped_with'])} parser(s)")
    if facts and not facts.get("complete_with_tool_parser", True):
        gaps.append("with any tool parser it returns only the last token's")
    return f" ({knowledge.label}: {'; '.join(gaps)})" if gaps else ""


def _token_ids(knowledge: Knowledge) -> str:
    if knowledge.completion_token_ids:
        return (f", or ask for nvext.extra_fields [\"completion_token_ids\"] ({knowledge.label} "
                "returns the exact token ids)")
    return ""


def _sglang_gate(knowledge: Knowledge) -> str:
    if knowledge.sglang_gate != "gated":
        return ""
    return (f"; on an SGLang worker, {knowledge.label} refuses top logprobs unless "
            "DYN_SGL_ALLOW_TOP_LOGPROBS=1 is set: send \"top_logprobs\": 0 with \"logprobs\": true")
