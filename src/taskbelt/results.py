"""Check results as values, and how a run reduces to an exit code."""

from __future__ import annotations

import enum
import signal
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from taskbelt.errors import ExitCode, Interrupted


class Status(enum.StrEnum):
    """A check's verdict."""

    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    ERROR = "error"
    #: Not finished: taskbelt was stopped (SIGINT, SIGTERM) while it ran or waited.
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class CheckResult:
    """What one check found.

    ``summary`` is the one-line reason shown in the table; ``output`` is the
    tool's captured output, shown when the check did not pass; ``details``
    holds machine-readable extras (coverage figure, findings) for reports.

    The summary is made one line here, whatever the check wrote: line breaks
    and runs of spaces become one space (a tool's message joined into it can
    carry both). It is never cut: the JSON report has it whole, the table
    wraps it.
    """

    name: str
    status: Status
    seconds: float = 0.0
    summary: str = ""
    output: str = ""
    details: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Make ``summary`` one line with single spaces (see above)."""
        object.__setattr__(self, "summary", " ".join(self.summary.split()))

    def __bool__(self) -> bool:
        """True when the check did not fail or error."""
        return self.status in {Status.PASSED, Status.SKIPPED}

    def to_json(self) -> dict[str, Any]:
        """Plain data for a result file."""
        data = asdict(self)
        data["status"] = self.status.value
        data["details"] = dict(self.details)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CheckResult:
        """Inverse of :meth:`to_json`."""
        return cls(
            name=str(data["name"]),
            status=Status(data["status"]),
            seconds=float(data.get("seconds", 0.0)),
            summary=str(data.get("summary", "")),
            output=str(data.get("output", "")),
            details=dict(data.get("details") or {}),
        )


@dataclass(frozen=True)
class RunSummary:
    """All results of one taskbelt command."""

    results: tuple[CheckResult, ...]
    notes: tuple[str, ...] = ()
    #: The signal that stopped the run (its unfinished checks are ``interrupted``).
    stopped_by: int | None = None

    @property
    def status(self) -> Status:
        """interrupted if stopped, error if any errored, failed if any failed, else passed."""
        statuses = {r.status for r in self.results}
        if self.stopped_by is not None or Status.INTERRUPTED in statuses:
            return Status.INTERRUPTED
        if Status.ERROR in statuses:
            return Status.ERROR
        if Status.FAILED in statuses:
            return Status.FAILED
        return Status.PASSED

    @property
    def exit_code(self) -> ExitCode:
        """0 passed, 1 a check failed, 2 a check could not run (fail closed); 130/143 stopped."""
        if self.status is Status.INTERRUPTED:
            return Interrupted(self.stopped_by or signal.SIGINT).exit_code
        return {
            Status.PASSED: ExitCode.OK,
            Status.FAILED: ExitCode.FAILED,
            Status.ERROR: ExitCode.USAGE,
        }[self.status]
