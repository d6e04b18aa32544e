"""The one module that starts processes.

Everything taskbelt runs (tools, uv, nox, git) goes through :func:`run`, which
logs the exact command, captures and decodes its output, applies a timeout and
turns "could not start", "took too long" and "exited with a status that is not
an answer" into a :class:`~taskbelt.errors.ToolError` carrying the argv, the
exit status and the output. Callers say which statuses are answers (``ok``)
and what to tell the user otherwise (``error``); none checks a status by hand
only to raise.
"""

from __future__ import annotations

import os
import shutil
import subprocess  # nosec B404 - this module is the single door to subprocesses
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from taskbelt.errors import ToolError
from taskbelt.output import LOGGER, format_command


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
        parts = [p for p in (self.stdout, self.stderr) if p.strip()]
        return "\n".join(p.rstrip("\n") for p in parts)


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


def _timed_out(argv: tuple[str, ...], timeout: float | None) -> ToolError:
    return ToolError(
        f"{argv[0]} did not finish within {timeout or 0:g} s",
        "raise the timeout or look at what the tool waits for",
        argv=argv,
    )


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
        try:
            out, err = self.popen.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            self.popen.kill()
            self.popen.communicate()
            raise _timed_out(self.argv, timeout) from exc
        seconds = time.perf_counter() - start
        LOGGER.info("  -> exit %d in %.2f s", self.popen.returncode, seconds)
        return Completed(self.argv, self.popen.returncode, out, err, seconds)

    def cancel(self) -> None:
        """End a process whose input will never come (closing its stdin is the signal)."""
        if self.popen.poll() is None:
            try:
                self.popen.communicate("", timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.communicate()


def start(
    argv: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> Started:
    """Start ``argv`` with pipes for stdin, stdout and stderr; see :class:`Started`."""
    args, environ, exe = _resolve(argv, env)
    LOGGER.info("$ %s  (started ahead of its input)", format_command(args))
    popen = subprocess.Popen(  # noqa: S603  # nosec B603 - argv is built by taskbelt, never a shell
        [exe, *args[1:]],
        cwd=cwd,
        env=environ,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
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
    try:
        done = (
            subprocess.run(  # noqa: S603  # nosec B603 - argv is built by taskbelt, never a shell
                [exe, *args[1:]],
                cwd=cwd,
                env=environ,
                input=stdin,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=timeout,
                check=False,
            )
        )
    except subprocess.TimeoutExpired as exc:
        raise _timed_out(args, timeout) from exc
    seconds = time.perf_counter() - start
    LOGGER.info("  -> exit %d in %.2f s", done.returncode, seconds)
    completed = Completed(args, done.returncode, done.stdout, done.stderr, seconds)
    if ok is not None and done.returncode not in ok:
        raise failed(completed, error)
    return completed
