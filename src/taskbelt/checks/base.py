"""What every check receives, and the helpers they share.

A check is a function ``run(ctx: CheckContext) -> CheckResult``: it builds
the tool's command line from the project, runs it through :mod:`taskbelt.proc`
and turns the exit status and output into a verdict. A tool that cannot run
or crashes is ``error`` (never ``passed``), and its output is kept.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from taskbelt import defaults, proc
from taskbelt.errors import TaskbeltError, ToolError
from taskbelt.repository.project import Project
from taskbelt.results import CheckResult, Status
from taskbelt.tools.interpreters import Interpreter


@dataclass(frozen=True)
class Finding:
    """One problem a tool reported at a place in the code."""

    path: str
    line: int
    column: int
    code: str
    message: str
    #: Set once the finding is judged against the ledger (:mod:`taskbelt.checks.ledgered`):
    #: the tool that reported it, its fingerprint, and ``new`` or ``known``.
    tool: str = ""
    fingerprint: str = ""
    state: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.code} {self.message}".replace(
            "  ", " "
        )

    def to_json(self) -> dict[str, str | int]:
        """Plain data for reports and annotations (the ledger's fields once judged)."""
        data: dict[str, str | int] = {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "message": self.message,
        }
        if self.fingerprint:
            data.update(tool=self.tool, fingerprint=self.fingerprint, state=self.state)
        return data


class Ahead(Protocol):
    """Work a check starts before its turn (coverage's report processes)."""

    def cancel(self) -> None:
        """Stop the work if the check never gets to use it."""


@dataclass(frozen=True)
class CheckContext:
    """Everything a check needs: the project and where its tools live."""

    project: Project
    tools_bin: Path | None = None
    #: Further tool environments' bin folders, on PATH after :attr:`tools_bin`
    #: (a repository that runs two type checkers).
    more_bins: tuple[Path, ...] = ()
    interpreter: Interpreter | None = None
    project_python: Path | None = None
    base_env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    #: False under ``--no-cache``: a check reuses nothing it made before.
    reuse: bool = True
    #: The Pythons whose sessions of the checks this one waits for ran in this
    #: invocation (coverage combines their data only); None: every version's.
    tested: tuple[str, ...] | None = None
    #: What the check's ``start_ahead`` started for it (see :mod:`taskbelt.checks.interface`).
    ahead: Ahead | None = None

    @property
    def root(self) -> Path:
        """The project root (commands run there)."""
        return self.project.root

    def env(self, **extra: str) -> dict[str, str]:
        """The environment for a tool: tools' bin folder first on PATH."""
        env = dict(self.base_env)
        env.pop("VIRTUAL_ENV", None)
        if self.tools_bin is not None:
            bins = [str(self.tools_bin), *map(str, self.more_bins)]
            env["PATH"] = os.pathsep.join([*bins, env.get("PATH", "")])
        env.update(extra)
        return env

    def run(
        self,
        argv: Sequence[str],
        *,
        timeout: float | None = None,
        env: Mapping[str, str] | None = None,
    ) -> proc.Completed:
        """Run a tool in the project root with :meth:`env` plus ``env``.

        Every exit status is returned: a check reads its tool's statuses itself
        (:func:`crashed` for those that mean the tool broke).
        """
        return proc.run(argv, cwd=self.root, env=self.env(**(env or {})), timeout=timeout, ok=None)

    def cache_dir(self, tool: str) -> Path:
        """A cache folder for ``tool`` inside the repo's state folder."""
        path = self.project.state_dir / "cache" / tool
        path.mkdir(parents=True, exist_ok=True)
        return path


def tail(text: str, limit: int = defaults.OUTPUT_TAIL_CHARS) -> str:
    """The last ``limit`` characters of ``text`` (a tool's output can be huge)."""
    return text if len(text) <= limit else "...\n" + text[-limit:]


def crashed(name: str, done: proc.Completed, started: float, what: str = "") -> CheckResult:
    """The result for a tool that exited with a status that means it broke."""
    return CheckResult(
        name=name,
        status=Status.ERROR,
        seconds=time.perf_counter() - started,
        summary=f"{done.argv[0]} crashed (exit {done.returncode}){': ' + what if what else ''}",
        output=tail(done.output),
    )


def guarded(name: str, body: Callable[[], CheckResult]) -> CheckResult:
    """Run a check body; a TaskbeltError becomes an ``error`` result.

    Only taskbelt's own error family is turned into a verdict here; anything
    else is a bug and propagates.
    """
    started = time.perf_counter()
    try:
        return body()
    except ToolError as exc:
        fix = f"fix: {exc.fix}" if exc.fix else ""
        output = "\n".join(p for p in (tail(exc.output), fix) if p)
        return CheckResult(name, Status.ERROR, time.perf_counter() - started, exc.cause, output)
    except TaskbeltError as exc:
        return CheckResult(name, Status.ERROR, time.perf_counter() - started, exc.cause, exc.fix)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def strip_ansi(text: str) -> str:
    """Remove colour codes from a tool's output before parsing it."""
    return _ANSI.sub("", text)
