"""Turning failures into one line and an exit code: never a traceback for the user.

Set DYNAMO_PROBE_DEBUG=1 to see the traceback of an unexpected error.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import click

from ..errors import EXIT_INTERRUPTED, Interrupted, ProbeError

EXIT_INTERNAL = 1


class OneLineError(click.ClickException):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def guarded(call: Callable[[], Any]) -> Any:
    """Run a command body under the process-lifetime policy (SIGINT and SIGTERM tear down every
    process the command started, then exit 130), mapping every failure to an `OneLineError`
    with the right exit code."""
    from ..replay import lifetime

    lifetime.reset()
    try:
        with lifetime.policy():
            return call()
    except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        raise
    except ProbeError as exc:
        if isinstance(exc, Interrupted) or lifetime.stopping():
            # A worker thread saw the stop (or a child died of it) before the main thread did.
            lifetime.wait_for_teardown()
            raise OneLineError("interrupted", EXIT_INTERRUPTED) from None
        raise OneLineError(str(exc), exc.exit_code) from None
    except KeyboardInterrupt:
        raise OneLineError("interrupted", EXIT_INTERRUPTED) from None
    except Exception as exc:  # noqa: BLE001 - the last line of defence: one line, not a traceback
        if os.environ.get("DYNAMO_PROBE_DEBUG"):
            raise
        raise OneLineError(f"internal error: {type(exc).__name__}: {exc} "
                           "(set DYNAMO_PROBE_DEBUG=1 for the traceback)", EXIT_INTERNAL) from None
