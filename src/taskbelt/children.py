"""The processes taskbelt started, so that a timeout or a signal ends all of them.

Every child starts in a process group of its own (``start_new_session``), so
that what it starts in turn (multiprocessing's ``spawn`` workers, a server a
test left running) ends with it. Killing only the child is not enough: its
own children keep the output pipes open, and reading them waits forever
(a public repository's suite hung for 30 minutes that way).

A group is ended with SIGINT first, so that pytest prints where each test
stood, then SIGKILL after :data:`GRACE_SECONDS`. On SIGINT or SIGTERM to
taskbelt, :func:`stop_all` ends every group at once and :func:`spawn`
refuses new children until :func:`resume`, so that every worker thread
finishes promptly instead of starting the next step of its check.

A child in a group of its own does not get the terminal's Ctrl-C; this
module is what stops it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess  # nosec B404 - children are started here and in proc only
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from taskbelt.errors import Interrupted

#: Seconds a process group has between SIGINT and SIGKILL.
GRACE_SECONDS: Final = 5.0

_lock = threading.Lock()
_live: set[subprocess.Popen[str]] = set()
_stopped_by: int | None = None


def spawn(
    argv: Sequence[str],
    *,
    cwd: Path | None,
    env: dict[str, str],
    stdin: int | None,
) -> subprocess.Popen[str]:
    """Start ``argv`` in a new process group with its output piped, and keep it on the list.

    Raises:
        Interrupted: taskbelt is stopping; nothing new starts.
    """
    with _lock:
        if _stopped_by is not None:
            raise Interrupted(_stopped_by)
        popen = (
            subprocess.Popen(  # noqa: S603  # nosec B603 - argv is built by taskbelt, never a shell
                list(argv),
                cwd=cwd,
                env=env,
                stdin=stdin,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
                start_new_session=True,
            )
        )
        _live.add(popen)
    return popen


def release(popen: subprocess.Popen[str]) -> None:
    """Take a finished child off the list."""
    with _lock:
        _live.discard(popen)


def stopped_by() -> int | None:
    """The signal that is stopping taskbelt, or None."""
    return _stopped_by


def _signal_group(popen: subprocess.Popen[str], signum: int) -> None:
    # The group's id is the child's pid (start_new_session); the kernel does not
    # reuse it while any member of the group lives.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(popen.pid, signum)


def _text(data: str | bytes | None) -> str:
    if isinstance(data, bytes):
        return data.decode("utf-8", errors="replace")
    return data or ""


def end(popen: subprocess.Popen[str]) -> tuple[str, str]:
    """End ``popen``'s whole group (SIGINT, then SIGKILL) and return the rest of its output.

    Called after ``communicate`` timed out: a second ``communicate`` keeps
    what the first one read, so the output returned is everything the child
    wrote. A grandchild that left the group and still holds the pipes is not
    waited for: the pipes are closed and what was read is kept.
    """
    out, err = "", ""
    for signum in (signal.SIGINT, signal.SIGKILL):
        _signal_group(popen, signum)
        try:
            out, err = popen.communicate(timeout=GRACE_SECONDS)
        except subprocess.TimeoutExpired as exc:
            out, err = _text(exc.output), _text(exc.stderr)
            continue
        break
    else:
        for pipe in (popen.stdout, popen.stderr):
            if pipe is not None:
                pipe.close()
        popen.wait()
    _signal_group(popen, signal.SIGKILL)  # what the child left behind in its group
    return out, err


def stop_all(signum: int) -> None:
    """Stop every child: SIGINT to each group, SIGKILL to what still runs after the grace period.

    From now on :func:`spawn` raises :class:`~taskbelt.errors.Interrupted`.
    """
    global _stopped_by  # noqa: PLW0603 - one process-wide stop flag, set under the lock
    with _lock:
        _stopped_by = signum
        live = list(_live)
    for popen in live:
        _signal_group(popen, signal.SIGINT)
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline and any(p.poll() is None for p in live):
        time.sleep(0.05)
    for popen in live:
        _signal_group(popen, signal.SIGKILL)


def resume() -> None:
    """Allow new children again (the stopped run has been reported)."""
    global _stopped_by  # noqa: PLW0603 - see stop_all
    with _lock:
        _stopped_by = None
