"""Typed errors and the exit codes a script can rely on.

The core raises these; only the CLI turns them into a one-line message and an exit code.
"""

from __future__ import annotations

from .verdicts import Verdict

# Exit codes (documented in README.md). A verdict's code is the Verdict's own; then failures.
EXIT_OK = Verdict.OK.exit_code  # the tool call is fine
EXIT_BAD_INPUT = 2  # unreadable/unsupported input or bad option (click uses 2 for usage errors)
EXIT_ENVIRONMENT = 3  # something we need is missing or failed (dynamo not installed, port taken)
EXIT_STARTUP = 4  # a process we started died or never became ready
EXIT_MODEL = Verdict.MODEL.exit_code
EXIT_PARSER_CONFIG = Verdict.PARSER_CONFIG.exit_code
EXIT_PARSER_LOGIC = Verdict.PARSER_LOGIC.exit_code
EXIT_INCONCLUSIVE = Verdict.INCONCLUSIVE.exit_code
EXIT_TEMPLATE = Verdict.TEMPLATE.exit_code
EXIT_INTERRUPTED = 130  # Ctrl-C / SIGTERM

#: verdict -> exit code; derived from `Verdict` (kept for callers that index with plain strings)
VERDICT_EXIT_CODES = {v: v.exit_code for v in Verdict}


class ProbeError(Exception):
    """Base: a failure we can explain in one line. `exit_code` picks the process exit status."""

    exit_code = EXIT_ENVIRONMENT


class BadInput(ProbeError):
    """The user's input (file, option) cannot be used."""

    exit_code = EXIT_BAD_INPUT


class EnvironmentProblem(ProbeError):
    """Something the probe needs is not installed or not reachable."""

    exit_code = EXIT_ENVIRONMENT


class StartupFailed(ProbeError):
    """A process we started exited or did not become ready in time."""

    exit_code = EXIT_STARTUP


class Interrupted(ProbeError):
    exit_code = EXIT_INTERRUPTED
