"""What a check is: the one declaration each check module makes.

Each check module (``checks/formatting.py``, ``checks/lint/check.py``, ...)
declares ``CHECK = Check(...)``: its name, the tools it needs, the
environment it runs in, how it expands over the test matrix, what it waits
for, what its verdict depends on (its cache key), what it leaves behind, and
the function that runs it. :mod:`taskbelt.checks.registry` lists those
modules, as pre-commit's ``languages/`` and pip-audit's ``_service/`` list
theirs; planning, the cache key, the fast answer, the Nox sessions, the
CLI's help and the summary order read the registry, so a check's name is
spelled in its own module only.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from taskbelt.caching.verdicts import Environ, Files, Spec
from taskbelt.checks.base import Ahead, CheckContext
from taskbelt.environments.matrix import Matrix
from taskbelt.repository.project import Project
from taskbelt.results import CheckResult

__all__ = [
    "Check",
    "Environ",
    "Environment",
    "Files",
    "Session",
    "Spec",
    "files_only",
    "never_cached",
    "no_artifacts",
]


class Environment(enum.Enum):
    """Where a check's tools run."""

    #: taskbelt's locked tool group alone (ruff, black, bandit, ...).
    TOOLS = "tools"
    #: The tool group, plus the project installed on the newest Python of the
    #: matrix (a type checker resolves the project's imports there).
    PROJECT_NEWEST = "project-newest"
    #: The project installed on each Python of the matrix, one session each
    #: (``test-3.12``), with what its tests need.
    PROJECT_EACH = "project-each"


def no_artifacts(project: Project, session: Session) -> list[Path]:
    """A check that leaves nothing the verdict cache must restore."""
    return []


def files_only(project: Project, tests: Matrix, session: Session) -> Spec | None:
    """A verdict that depends on the files (and environment) alone."""
    return {}


def never_cached(project: Project, tests: Matrix, session: Session) -> Spec | None:
    """A check whose verdict is never kept (it writes the files it would key on)."""
    return None


@dataclass(frozen=True)
class Check:
    """One check, as everything that plans, runs, caches and lists checks sees it."""

    #: The name a user types (``taskbelt run lint``) and the summary shows.
    name: str
    #: One line for ``taskbelt --help`` and the Nox session list.
    help: str
    #: Runs the check in a prepared context; a problem is a result, not an exception.
    run: Callable[[CheckContext], CheckResult]
    #: The locked tool group its environment holds (``config/locks/<group>``).
    tools: str
    environment: Environment = Environment.TOOLS
    #: Part of ``taskbelt check`` (``fix`` writes files: never).
    in_check: bool = True
    #: Checks whose sessions must finish first; their keys are part of this
    #: one's key, and this one runs in the second wave (coverage after the tests).
    after: tuple[str, ...] = ()
    #: Also planned whenever a check of :attr:`after` is asked for by its own
    #: name (``test`` is each Python's tests, then ``coverage``).
    follows: bool = False
    #: Another name that plans this check's sessions without the checks that
    #: follow it (``pytest``: CI runs one Python per job and combines later).
    alone: str | None = None
    #: Sessions start in this order when not every one can start at once: the
    #: slowest first, so that it does not start last.
    starts: int = 50
    #: Which of the repository's files its verdict can depend on (the cache key).
    files: Files = "sources"
    #: Which environment variables its verdict can depend on (the cache key).
    environ: Environ = "tools"
    #: What besides files decides the verdict (None: never cache it).
    key: Callable[[Project, Matrix, Session], Spec | None] = files_only
    #: Files a session leaves that the verdict cache keeps with a passing
    #: verdict and puts back on a cached answer (coverage data).
    leaves: Callable[[Project, Session], list[Path]] = no_artifacts
    #: The summary adds where the project's dependencies came from.
    uses_dependencies: bool = False
    #: The summary adds where the reports folder is.
    writes_reports: bool = False
    #: Finishes the environment once its tools are installed (coverage
    #: installs the repository's coverage plugins).
    finish: Callable[[CheckContext], None] | None = None
    #: Starts work in its environment while the first wave still runs.
    start_ahead: Callable[[CheckContext], Ahead] | None = None
    #: The tool groups for one repository, where the repository's choice decides
    #: them (typecheck: each chosen checker's group); None: :attr:`tools` always.
    tools_for: Callable[[Project], tuple[str, ...]] | None = None
    #: Why it does not run in this repository, decided before any environment is
    #: made (typecheck where the repository switched its checker off, or has no
    #: hints and no checker); None: it runs. A plan with such a row is never
    #: saved for the fast answer, so each run decides it afresh.
    skip_when: Callable[[Project], str | None] | None = None
    #: The newest Python its project environment may be on (``"3.11"``), where
    #: its tools cannot look into a newer one; None: the newest present.
    newest_python: Callable[[Project], str | None] | None = None

    def tool_groups(self, project: Project) -> tuple[str, ...]:
        """The locked tool groups this check runs from in ``project`` (the first first on PATH)."""
        return self.tools_for(project) if self.tools_for is not None else (self.tools,)

    @property
    def per_python(self) -> bool:
        """One session per Python of the matrix (``test-3.12``), not one in all."""
        return self.environment is Environment.PROJECT_EACH

    @property
    def needs_matrix(self) -> bool:
        """Planning it needs the interpreters of the test matrix."""
        return self.environment is not Environment.TOOLS

    def session(self, python: str | None = None) -> Session:
        """Its session on ``python`` (``test-3.12``), or its one session (``lint``)."""
        return Session(self, python)


@dataclass(frozen=True)
class Session:
    """One run of a check, as the plan makes it and everything after carries it.

    The check itself (``lint``), or one Python's run of a per-Python check
    (``test-3.12``). A user types names; :mod:`taskbelt.checks.registry`
    resolves them once, at planning, and from there the orchestrator, the
    sessions, the verdict cache and the summary order read the check and
    its Python from this value. :attr:`name` is what is written down: a
    result's row, a cache entry, the saved plan.
    """

    check: Check
    #: The Python of a per-Python check's session (``"3.12"``); None for a
    #: check that runs once.
    python: str | None = None

    @property
    def name(self) -> str:
        """``test-3.12``, or ``lint``."""
        return self.check.name if self.python is None else f"{self.check.name}-{self.python}"

    def __str__(self) -> str:
        return self.name
