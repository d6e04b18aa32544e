"""The one boundary between taskbelt's errors and the process's exit status.

Every command (the checks, ``container``, ``doctor``, ...) runs inside
:func:`guard`: an error of taskbelt's family becomes its cause and fix on
stderr and its exit code, never a traceback; a tool's output that came with
the error is printed first, so the last two lines say what went wrong and
what to do. Anything else is a bug and propagates.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from taskbelt import output
from taskbelt.errors import ExitCode, TaskbeltError, ToolError

#: How much of a failed tool's output is shown (its end, where the reason is).
SHOWN_CHARS = 4000


def report_error(exc: TaskbeltError) -> int:
    """Print ``exc`` as taskbelt prints every error; return its exit code."""
    if isinstance(exc, ToolError) and exc.output.strip():
        tail = exc.output[-SHOWN_CHARS:]
        print(output.redact(tail.rstrip("\n")), file=sys.stderr)
    print(f"taskbelt: error: {output.redact(exc.cause)}", file=sys.stderr)
    if exc.fix:
        print(f"taskbelt: fix: {output.redact(exc.fix)}", file=sys.stderr)
    return int(exc.exit_code)


def guard(command: Callable[[], int]) -> int:
    """Run ``command``; its errors become messages and exit codes (see the module)."""
    try:
        return command()
    except TaskbeltError as exc:
        return report_error(exc)
    except KeyboardInterrupt:
        print("taskbelt: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
