"""taskbelt's Nox sessions; ``noxfile.py`` only registers them.

Nox is one way in (without mise: ``uvx nox -f path/to/taskbelt/noxfile.py``).
Every session is a thin door to the code ``taskbelt`` itself runs: a check
session (lint, format, fix, typecheck, test-3.X, coverage, audit) runs
:func:`taskbelt.sessions.run` in the nox process, with the environments
taskbelt keeps in the repository's ``.taskbelt-cache/envs/`` (so nox makes
none of its own), and ``check``/``test`` run taskbelt's CLI.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from taskbelt import cli, defaults, matrix, sessions, statedir
from taskbelt.checks.base import guarded
from taskbelt.errors import TaskbeltError
from taskbelt.interpreters import Interpreter
from taskbelt.matrix import Matrix
from taskbelt.project import Project, find_root
from taskbelt.results import CheckResult

Session = Any  # nox.Session; nox ships no type information mypy can use

#: Sessions that run on the test matrix (the others need no interpreter list).
_NEEDS_MATRIX = frozenset({"typecheck"})


def project_root(invoked_from: str | None = None) -> Path:
    """The repository being checked.

    ``TASKBELT_PROJECT_ROOT`` when taskbelt or mise started nox; otherwise the
    folder nox was started from: the session's ``invoked_from`` at run time,
    ``PWD`` at import time (nox changes into the noxfile's folder before it
    imports the noxfile, but leaves ``PWD`` as the shell set it).
    """
    explicit = os.environ.get(defaults.ENV_PROJECT_ROOT)
    if explicit:
        return Path(explicit).resolve()
    return find_root(Path(invoked_from or os.environ.get("PWD") or Path.cwd()))


def _finish(session: Session, result: CheckResult) -> None:
    """Log the verdict; anything but passed fails the nox session."""
    session.log(f"{result.name}: {result.status.value}: {result.summary}")
    if not result:
        if result.output:
            session.log(result.output)
        session.error(result.summary)


def run_check(session: Session, name: str) -> None:
    """Run check session ``name`` on the repository nox was started in."""

    def attempt() -> CheckResult:
        project = Project.load(project_root(session.invoked_from))
        wants_matrix = name in _NEEDS_MATRIX or name.startswith(sessions.TEST_PREFIX)
        tests = matrix.resolve(project) if wants_matrix else Matrix((), ())
        statedir.prepare(project.state_dir)
        with statedir.repo_lock(project.state_dir):
            return sessions.run(name, project, tests)

    _finish(session, guarded(name, attempt))


def check_session_for(name: str) -> Callable[[Session], None]:
    """A nox session body that runs check ``name``."""

    def body(session: Session) -> None:
        run_check(session, name)

    body.__doc__ = f"taskbelt's {name} check."
    return body


def test_interpreters() -> list[Interpreter]:
    """The present interpreters of the matrix, for registering test sessions.

    A broken configuration must not stop nox from listing its sessions; the
    sessions report the error themselves when they run.
    """
    try:
        return list(matrix.resolve(Project.load(project_root())).present)
    except TaskbeltError:
        return []


def _delegate(session: Session, argv: list[str]) -> None:
    """Run taskbelt's CLI in the nox process and keep its exit status.

    nox flattens every failure to exit 1; taskbelt's 2 (could not check)
    must survive, so a non-zero status leaves through SystemExit, which nox
    does not intercept.
    """
    os.environ.setdefault(defaults.ENV_PROJECT_ROOT, str(project_root(session.invoked_from)))
    code = cli.main([*argv, *session.posargs])
    if code:
        raise SystemExit(code)


def check_session(session: Session) -> None:
    """Every check in parallel, then the summary table."""
    _delegate(session, ["check"])


def all_tests_session(session: Session) -> None:
    """Every test-3.X session, then the combined coverage gate."""
    _delegate(session, ["run", "test"])


def register_all(nox: Any) -> None:
    """Register taskbelt's sessions with ``nox`` and make ``check`` the default.

    taskbelt's own noxfile calls this; so can a repository's noxfile that adds
    sessions of its own next to taskbelt's (see the README). taskbelt's
    sessions keep their environments in ``.taskbelt-cache/envs/``; the
    repository's own sessions keep nox's usual ``.nox/``.
    """
    nox.options.sessions = ["check"]
    names = ["lint", "format", "fix", "typecheck", "coverage", "audit"]
    names += [f"{sessions.TEST_PREFIX}{i.version}" for i in test_interpreters()]
    for name in names:
        nox.session(name=name, venv_backend="none")(check_session_for(name))
    nox.session(name="check", venv_backend="none")(check_session)
    nox.session(name="test", venv_backend="none")(all_tests_session)
