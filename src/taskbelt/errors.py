"""The exception tree and the exit codes they map to.

One base class per layer; the CLI's single handler turns each into a short
message (cause, then fix) and an exit code, never a traceback.
"""

from __future__ import annotations

import enum
import signal


class ExitCode(enum.IntEnum):
    """Process exit statuses, shared by every command."""

    OK = 0
    FAILED = 1
    USAGE = 2
    INTERRUPTED = 130
    TERMINATED = 143


class TaskbeltError(Exception):
    """A problem the user can fix; carries a cause and a suggested fix."""

    exit_code = ExitCode.USAGE

    def __init__(self, cause: str, fix: str = "") -> None:
        super().__init__(cause)
        self.cause = cause
        self.fix = fix

    def __str__(self) -> str:
        return self.cause if not self.fix else f"{self.cause}\n{self.fix}"


class InvalidValue(ValueError):
    """Raised by a settings validator: the cause, and how to fix it.

    pydantic keeps the exception, so the configuration loader can print the
    validator's own fix instead of a generic one.
    """

    def __init__(self, cause: str, fix: str) -> None:
        super().__init__(cause)
        self.cause = cause
        self.fix = fix


class ConfigError(TaskbeltError):
    """`[tool.taskbelt]` or another configuration input is invalid."""


class ProjectError(TaskbeltError):
    """The repository is not something taskbelt can check (no pyproject, ...)."""


class ToolError(TaskbeltError):
    """A tool could not be started or crashed instead of giving a verdict."""

    def __init__(
        self,
        cause: str,
        fix: str = "",
        *,
        argv: tuple[str, ...] = (),
        returncode: int | None = None,
        output: str = "",
    ) -> None:
        super().__init__(cause, fix)
        self.argv = argv
        self.returncode = returncode
        self.output = output


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal (SIGINT or SIGTERM), or a process was refused after it.

    A ``KeyboardInterrupt``, so that no ``except Exception`` swallows it and
    every path that already handles Ctrl-C handles SIGTERM the same way.
    """

    def __init__(self, signum: int, output: str = "") -> None:
        super().__init__(signum)
        self.signum = signum
        #: What the process that was stopped printed (pytest says where it stood).
        self.output = output

    @property
    def exit_code(self) -> ExitCode:
        """130 after SIGINT, 143 after SIGTERM (128 + the signal, as a shell reports it)."""
        return ExitCode.TERMINATED if self.signum == signal.SIGTERM else ExitCode.INTERRUPTED
