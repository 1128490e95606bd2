"""Typed errors and the exit codes a script can rely on.

The core raises these; only the CLI turns them into a one-line message and an exit code.
"""

from __future__ import annotations

# Exit codes (documented in README.md). Verdicts first, then failures.
EXIT_OK = 0  # verdict "ok": the tool call is fine
EXIT_BAD_INPUT = 2  # unreadable/unsupported input or bad option (click uses 2 for usage errors)
EXIT_ENVIRONMENT = 3  # something we need is missing or failed (dynamo not installed, port taken)
EXIT_STARTUP = 4  # a process we started died or never became ready
EXIT_MODEL = 10  # verdict "model"
EXIT_PARSER_CONFIG = 11  # verdict "parser_config"
EXIT_PARSER_LOGIC = 12  # verdict "parser_logic"
EXIT_INCONCLUSIVE = 13  # verdict "inconclusive"
EXIT_INTERRUPTED = 130  # Ctrl-C / SIGTERM

VERDICT_EXIT_CODES = {
    "ok": EXIT_OK,
    "model": EXIT_MODEL,
    "parser_config": EXIT_PARSER_CONFIG,
    "parser_logic": EXIT_PARSER_LOGIC,
    "inconclusive": EXIT_INCONCLUSIVE,
}


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
