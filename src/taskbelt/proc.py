"""The one module that starts processes.

Everything taskbelt runs (tools, uv, nox, git) goes through :func:`run`, which
logs the exact command, captures and decodes its output, applies a timeout and
turns "could not start", "took too long" and "exited with a status that is not
an answer" into a :class:`~taskbelt.errors.ToolError` carrying the argv, the
exit status and the output. Callers say which statuses are answers (``ok``)
and what to tell the user otherwise (``error``); none checks a status by hand
only to raise.

Two limits bound a process: its own ``timeout`` and the :func:`deadline` of
the check it belongs to (``[tool.taskbelt] timeout``), whichever comes
first. A process past either is ended with its whole group (see
:mod:`taskbelt.children`) and the error carries what it printed until then.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess  # nosec B404 - this module is the single door to subprocesses
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from taskbelt import children
from taskbelt.errors import Interrupted, ToolError
from taskbelt.output.console import LOGGER, format_command


@dataclass(frozen=True)
class Completed:
    """The record of one finished process."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        """stdout and stderr together, stdout first."""
        return _joined(self.stdout, self.stderr)


def which(name: str, path: str | None = None) -> str | None:
    """Locate an executable on ``path`` (default: PATH)."""
    return shutil.which(name, path=path)


def _resolve(
    argv: Sequence[str], env: Mapping[str, str] | None
) -> tuple[tuple[str, ...], dict[str, str], str]:
    """The argv as text, the child's environment, and the executable's path."""
    args = tuple(str(a) for a in argv)
    environ = dict(os.environ if env is None else env)
    exe = which(args[0], environ.get("PATH")) if os.sep not in args[0] else args[0]
    if exe is None:
        raise ToolError(
            f"{args[0]} is not installed or not on PATH",
            f"install {args[0]} (see `mise run doctor`), then run again",
            argv=args,
        )
    return args, environ, exe


@dataclass(frozen=True)
class Deadline:
    """The time by which every process of one check must have finished."""

    at: float
    #: The error when a process is still running then.
    cause: str
    fix: str


_DEADLINE: ContextVar[Deadline | None] = ContextVar("taskbelt_deadline", default=None)


@contextlib.contextmanager
def deadline(seconds: float, cause: str, fix: str) -> Iterator[None]:
    """Bound every process started in this context (this thread) to ``seconds`` from now.

    A process still running then is ended and :class:`ToolError` ``(cause,
    fix)`` raised, with the process's output so far.
    """
    token = _DEADLINE.set(Deadline(time.monotonic() + seconds, cause, fix))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def _limit(timeout: float | None) -> tuple[float | None, Deadline | None]:
    """The seconds a process may take, and the check's deadline when that is what sets them.

    The nearer of its own ``timeout`` and the check's :func:`deadline`.
    """
    budget = _DEADLINE.get()
    if budget is None:
        return timeout, None
    remaining = max(0.0, budget.at - time.monotonic())
    if timeout is not None and timeout <= remaining:
        return timeout, None
    return remaining, budget


def _communicate(
    popen: subprocess.Popen[str], argv: tuple[str, ...], stdin: str | None, timeout: float | None
) -> tuple[str, str]:
    """Feed ``stdin``, wait within the limits, end the group on a timeout or an interrupt.

    Raises:
        ToolError: a limit passed (its output is what the process printed).
        Interrupted: taskbelt was stopped while the process ran.
    """
    limit, budget = _limit(timeout)
    try:
        if limit is not None and limit <= 0:  # the check's time is already spent
            raise subprocess.TimeoutExpired(list(argv), 0)
        out, err = popen.communicate(stdin, timeout=limit)
    except subprocess.TimeoutExpired as exc:
        printed = _joined(*children.end(popen))
        if budget is not None:
            raise ToolError(budget.cause, budget.fix, argv=argv, output=printed) from exc
        raise ToolError(
            f"{argv[0]} did not finish within {timeout or 0:g} s",
            "raise the timeout or look at what the tool waits for",
            argv=argv,
            output=printed,
        ) from exc
    except BaseException:  # Ctrl-C in this thread: the child is in a group of its own
        children.end(popen)
        raise
    finally:
        children.release(popen)
    signum = children.stopped_by()
    if signum is not None:
        raise Interrupted(signum, _joined(out, err))
    return out, err


def _joined(stdout: str, stderr: str) -> str:
    """stdout and stderr together, stdout first (empty ones left out)."""
    return "\n".join(p.rstrip("\n") for p in (stdout, stderr) if p.strip())


@dataclass
class Started:
    """A process started ahead of its input, which :meth:`finish` sends.

    For work whose slow part is start-up (an interpreter importing a
    library) while its input is not ready yet: the start-up overlaps with
    whatever produces the input.
    """

    argv: tuple[str, ...]
    popen: subprocess.Popen[str]

    def finish(self, stdin: str, timeout: float | None = None) -> Completed:
        """Send ``stdin``, wait for the end; the time logged is from now on."""
        start = time.perf_counter()
        out, err = _communicate(self.popen, self.argv, stdin, timeout)
        seconds = time.perf_counter() - start
        LOGGER.info("  -> exit %d in %.2f s", self.popen.returncode, seconds)
        return Completed(self.argv, self.popen.returncode, out, err, seconds)

    def cancel(self) -> None:
        """End a process whose input will never come (closing its stdin is the signal)."""
        if self.popen.poll() is None:
            try:
                self.popen.communicate("", timeout=10)
            except subprocess.TimeoutExpired:
                children.end(self.popen)
        children.release(self.popen)


def start(
    argv: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> Started:
    """Start ``argv`` with pipes for stdin, stdout and stderr; see :class:`Started`."""
    args, environ, exe = _resolve(argv, env)
    LOGGER.info("$ %s  (started ahead of its input)", format_command(args))
    popen = children.spawn([exe, *args[1:]], cwd=cwd, env=environ, stdin=subprocess.PIPE)
    return Started(args, popen)


def failed(done: Completed, error: tuple[str, str] | None = None) -> ToolError:
    """The error for ``done``, which exited with a status that is not an answer.

    ``error`` is the (cause, fix) to show; without it the cause names the
    command and its status, and the fix points at the output that follows.
    """
    cause, fix = error or (
        f"{Path(done.argv[0]).name} failed (exit {done.returncode})",
        "read the tool's output above",
    )
    return ToolError(cause, fix, argv=done.argv, returncode=done.returncode, output=done.output)


def run(
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    stdin: str | None = None,
    ok: Collection[int] | None = (0,),
    error: tuple[str, str] | None = None,
) -> Completed:
    """Run ``argv`` to completion and return what it did.

    Args:
        argv: the command; ``argv[0]`` is looked up on the PATH of ``env``.
        cwd: working directory.
        env: the complete environment for the child (default: ours).
        timeout: seconds before the child is killed and a ToolError raised.
        stdin: text fed to the child's standard input.
        ok: the exit statuses that are answers; any other raises. ``None``:
            every status is an answer, which the caller reads.
        error: (cause, fix) of the error raised for a status not in ``ok``.

    Returns:
        The completed process, its status one of ``ok``.

    Raises:
        ToolError: the executable is missing, the timeout passed, or the
            status is not in ``ok``.
    """
    args, environ, exe = _resolve(argv, env)
    LOGGER.info("$ %s", format_command(args))
    start = time.perf_counter()
    # No stdin unless given: a tool or test that asks for input gets end-of-file
    # at once instead of waiting for a terminal nobody watches.
    popen = children.spawn(
        [exe, *args[1:]],
        cwd=cwd,
        env=environ,
        stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE,
    )
    out, err = _communicate(popen, args, stdin, timeout)
    seconds = time.perf_counter() - start
    LOGGER.info("  -> exit %d in %.2f s", popen.returncode, seconds)
    completed = Completed(args, popen.returncode, out, err, seconds)
    if ok is not None and popen.returncode not in ok:
        raise failed(completed, error)
    return completed
