"""The one boundary between taskbelt's errors and the process's exit status.

Every command (the checks, ``container``, ``doctor``, ...) runs inside
:func:`guard`: an error of taskbelt's family becomes its cause and fix on
stderr and its exit code, never a traceback; a tool's output that came with
the error is printed first, so the last two lines say what went wrong and
what to do. Anything else is a bug and propagates.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator

from taskbelt import children
from taskbelt.errors import Interrupted, TaskbeltError, ToolError
from taskbelt.output import console

#: How much of a failed tool's output is shown (its end, where the reason is).
SHOWN_CHARS = 4000


def report_error(exc: TaskbeltError) -> int:
    """Print ``exc`` as taskbelt prints every error; return its exit code."""
    if isinstance(exc, ToolError) and exc.output.strip():
        tail = exc.output[-SHOWN_CHARS:]
        print(console.redact(tail.rstrip("\n")), file=sys.stderr)
    print(f"taskbelt: error: {console.redact(exc.cause)}", file=sys.stderr)
    if exc.fix:
        print(f"taskbelt: fix: {console.redact(exc.fix)}", file=sys.stderr)
    return int(exc.exit_code)


def _raise_interrupted(signum: int, _frame: object) -> None:
    raise Interrupted(signum)


@contextlib.contextmanager
def _signals_raise() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Interrupted` (with the signal) while inside.

    Python turns only SIGINT into an exception; SIGTERM would end taskbelt
    at once, its children left running and nothing reported. Handlers can
    only be set in the main thread; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = {s: signal.signal(s, _raise_interrupted) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def guard(command: Callable[[], int]) -> int:
    """Run ``command``; its errors become messages and exit codes (see the module).

    Stopped by SIGINT or SIGTERM where no run reports it (a run prints its
    table itself), every child is stopped and the exit code is 130 or 143.
    """
    try:
        with _signals_raise():
            return command()
    except TaskbeltError as exc:
        return report_error(exc)
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        children.stop_all(signum)
        children.resume()
        print("taskbelt: interrupted", file=sys.stderr)
        return int(Interrupted(signum).exit_code)
