"""The concrete fix each finding calls for, worded for the person who runs the deployment.

The judge attaches these to its findings when it makes them (`Finding.fix`); the diagnosis' fix
is the fix of the finding that decides the verdict. Release-specific facts come from `Knowledge`
and are worded with its label.
"""

from __future__ import annotations

from ..formats import base as kinds
from ..formats import registry
from ..release import Release
from ..release.knowledge import Knowledge

NOTHING_TO_FIX = "nothing to fix: the tool call came back as the model emitted it"
NO_CALL_WANTED = "nothing to fix: no tool call was wanted and none was made"

MODEL_FIXES = {
    kinds.TRUNCATED: "the call was cut off: raise max_tokens if finish_reason was 'length'; "
                     "otherwise a stop string or the model itself ended it mid-call",
    kinds.MISSING_END_MARKER: "the model stopped before closing the call: raise max_tokens if "
                              "finish_reason is 'length'; otherwise the model itself is at fault",
    kinds.MISSING_START_MARKER: "the model left out the format's start marker: constrain tool-call "
                                "output{structural_tag}, and check that the chat template shows "
                                "the model its own tool-call format",
    kinds.INVALID_JSON: "the model emitted arguments that are not valid JSON: constrain tool-call "
                        "output{structural_tag}, lower the temperature, or use a model "
                        "fine-tuned for this tool format",
    kinds.UNKNOWN_TOOL: "the model called a tool the request does not offer: check the tool names "
                        "and descriptions the chat template renders",
    kinds.SCHEMA_VIOLATION: "the arguments break the tool's JSON Schema: make the parameter "
                            "descriptions clearer or constrain output{structural_tag}",
    kinds.INSIDE_REASONING: "the model emitted the call inside its reasoning, where no tool parser "
                            "looks: check --dyn-reasoning-parser and the chat template, or disable "
                            "thinking for tool turns",
    kinds.MISSING_NAME: "the model emitted a call that names no function: constrain tool-call "
                        "output{structural_tag}, and check the tool names the chat template renders",
    kinds.MALFORMED: "the model broke the tool-call format's structure: constrain tool-call "
                     "output{structural_tag}, or use a model fine-tuned for this tool format",
    "no_call_required": "the model ignored tool_choice: constrain output{structural_tag}, and check "
                        "that the chat template renders the tools",
    "no_call": "if a call was expected, send \"tool_choice\": \"required\" (or name the "
               "function), make the tool's description say when to use it, and check that the "
               "chat template renders the tools",
    "unparsed_markup": "the model wrote tool-call markup in a format no Dynamo parser reads: use a "
                       "model fine-tuned for a supported tool format, constrain tool-call "
                       "output{structural_tag}, and check that the chat template shows the model "
                       "its own tool-call format",
    "call_with_tool_choice_none": "the request said tool_choice \"none\", yet the model emitted "
                                  "a call: a chat template that still shows the tools invites it "
                                  "(a deployment can leave them out when tool_choice is \"none\": "
                                  "the model card's exclude_tools_when_tool_choice_none), or drop "
                                  "the tools from such requests",
    "call_without_tools": "the request offered no tools, yet the model emitted a call: check the "
                          "chat template and system prompt (a template that renders tool "
                          "instructions without tools), or send the tools the model is expected "
                          "to call",
}


#: a call that stops mid-way, by the finish reason: only `length` means max_tokens cut it
CUT_OFF = {
    "length": "the call was cut off by max_tokens (finish_reason 'length'): raise max_tokens for "
              "this request",
    "ended": "the output ends inside the call although generation ended normally (finish_reason "
             "{finish!r}): max_tokens did not cut it; a stop string of the request, a stop token "
             "inside the call, or the model itself ended it: check the request's `stop` and "
             "constrain tool-call output{structural_tag}",
}
UNCLOSED = {
    "length": "the model stopped before closing the call: generation hit max_tokens (finish_reason "
              "'length'): raise max_tokens for this request",
    "ended": "the model did not close the call although generation ended normally (finish_reason "
             "{finish!r}): the model itself is at fault: constrain tool-call output{structural_tag}",
}


def model_fix(check: str, knowledge: Knowledge, finish_reason: str | None = None) -> str:
    """The fix for a model finding `check`; a call cut short is worded by the finish reason
    (raise max_tokens only when it was 'length')."""
    fix = MODEL_FIXES.get(check, "the model's output is at fault")
    by_finish = {kinds.TRUNCATED: CUT_OFF, kinds.MISSING_END_MARKER: UNCLOSED}.get(check)
    if by_finish is not None and finish_reason:
        fix = by_finish["length" if finish_reason == "length" else "ended"]
    return (fix.replace("{structural_tag}", _structural_tag(knowledge))
            .replace("{finish!r}", repr(finish_reason)))


def suggested_parsers(family: str, knowledge: Knowledge) -> list[str]:
    """The parser names of `family` that parse on the deployment's release and route."""
    return knowledge.working_names(registry.names_of(family))


def _structural_tag(knowledge: Knowledge) -> str:
    tag = knowledge.structural_tag
    if tag == "default_on":
        return f" with structural tags (--dyn-structural-tag, on by default in {knowledge.name})"
    if tag == "opt_in":
        return f" with structural tags (--dyn-enable-structural-tag, opt-in in {knowledge.name})"
    return " with guided decoding (Dynamo 1.6 added structural tags)" if tag else ""


def parser_config_fix(family: str | None, knowledge: Knowledge) -> str:
    if family is None:
        names = ", ".join(sorted(knowledge.tool_parsers or registry.PARSER_FAMILIES))
        return f"relaunch the worker with a valid --dyn-tool-call-parser (one of: {names})"
    names = suggested_parsers(family, knowledge)
    if not names:
        return (f"{knowledge.name} has no tool parser that reads the {family} format: "
                "upgrade Dynamo or change the model's tool format")
    return (f"relaunch the worker with `--dyn-tool-call-parser {names[0]}`"
            + (f" (equivalent names: {', '.join(names[1:])})" if len(names) > 1 else ""))


def pairing_fix(paired: str) -> str:
    return f"relaunch the worker with --dyn-reasoning-parser {paired}"


def parser_logic_fix(configured: str | None) -> str:
    return (f"Dynamo's {configured or 'configured'} parser mis-handled a well-formed call: "
            "report it to ai-dynamo/dynamo with this bundle's REPORT.md and parity fixture")


GRAMMAR_BACKEND = ("give the worker a grammar backend (TensorRT-LLM: --guided-decoding-backend "
                   "xgrammar; SGLang: --grammar-backend; vLLM: its structured-outputs backend) and "
                   "look in the worker log for a guided-decoding warning; a custom worker must pass "
                   "sampling_options.guided_decoding to its engine")
ENGINE_FIX = "the engine ignored the decoding constraint Dynamo sent it: " + GRAMMAR_BACKEND
# Every measured release sends a forced tool_choice's JSON Schema to the worker (the hook's
# record on 1.0.2, 1.2.1, 1.5.1, 1.6.1), so an answer outside it points at the engine.
FORCED_FAULT_FIX = ("Dynamo constrains the answer to a forced tool_choice to a JSON Schema of the call, "
                    "so an answer that breaks it means the engine did not apply the constraint; "
                    "capture with probe-launch (the worker hook records the constraint the worker "
                    "received) or " + GRAMMAR_BACKEND)


def forced_lost_fix(request, knowledge: Knowledge) -> str | None:
    """A forced call the release is measured to lose in the constrained shape: upgrade (None:
    not a measured fault of this release; the generic parser-logic fix applies)."""
    from .no_call import tool_choice_required

    choice = "required" if tool_choice_required(request) == "*" else "named"
    if knowledge.forced(choice, "constrained") != "lost":
        return None
    fixed = knowledge.forced_parses_from(choice, "constrained")
    what = 'tool_choice "required"' if choice == "required" else "a named tool_choice"
    return (f"{knowledge.name} does not return the call of {what} from the JSON shape it "
            "constrains the answer to (measured)"
            + (f": upgrade to Dynamo {fixed} or newer, which does" if fixed else ": report it to "
               "ai-dynamo/dynamo with this bundle"))


def leak_fix(configured: str | None) -> str:
    return (f"Dynamo's {configured or 'configured'} parser left tool-call markup in "
            "message.content: report it to ai-dynamo/dynamo with this bundle's REPORT.md and "
            "parity fixture")


def reasoning_logic_fix(reasoning_parser: str | None) -> str:
    return (f"Dynamo's {reasoning_parser or 'configured'} reasoning parser should end reasoning "
            "where a tool-call start marker begins: report it to ai-dynamo/dynamo with this "
            "bundle; meanwhile disable thinking for tool turns or run without "
            "--dyn-reasoning-parser")


STREAM_FIX = ("streaming and non-streaming differ: a Dynamo streaming-parser bug; report it with "
              "this bundle")

PARSER_UNKNOWN_FIX = "rerun with --parser set to the worker's --dyn-tool-call-parser value"


def raw_output_fix(asked_logprobs: bool, knowledge: Knowledge | None = None) -> str:
    """What to do when the raw output is unknown or incomplete."""
    knowledge = knowledge or Knowledge.of(Release(None))
    if asked_logprobs:
        return ("the request asked for logprobs but the frontend did not return them all"
                + _logprob_gaps(knowledge) + ": capture the engine's tokens with probe-launch "
                "(worker hook)" + _token_ids(knowledge) + " and pass --tokenizer")
    return ("resend the request with \"logprobs\": true (and pass --tokenizer if the output "
            "has multi-byte characters), then analyze again" + _sglang_gate(knowledge))


def _logprob_gaps(knowledge: Knowledge) -> str:
    facts = knowledge.logprobs()
    gaps = []
    if facts.get("dropped_with"):
        gaps.append(f"it drops them with the {', '.join(facts['dropped_with'])} parser(s)")
    got, tokens = facts.get("entries_with_tool_parser"), facts.get("tokens")
    if isinstance(got, int) and isinstance(tokens, int) and got < tokens:
        gaps.append(f"with a tool parser it returned {got} entries for {tokens} tokens")
    elif isinstance(got, int) and isinstance(tokens, int) and got > tokens:
        gaps.append(f"with a tool parser it returned {got} entries for {tokens} tokens: the "
                    "chunk that ends a call is repeated")
    return f" ({knowledge.name}: {'; '.join(gaps)})" if gaps else ""


def _token_ids(knowledge: Knowledge) -> str:
    if knowledge.completion_token_ids:
        return (f", or ask for nvext.extra_fields [\"completion_token_ids\"] ({knowledge.name} "
                "returns the exact token ids)")
    return ""


def _sglang_gate(knowledge: Knowledge) -> str:
    if knowledge.sglang_gate != "gated":
        return ""
    return (f"; on an SGLang worker, {knowledge.name} refuses top logprobs unless "
            "DYN_SGL_ALLOW_TOP_LOGPROBS=1 is set: send \"top_logprobs\": 0 with \"logprobs\": true")
