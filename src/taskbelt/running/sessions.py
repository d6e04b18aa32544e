"""Run one session of a check in its prepared environment, in this process.

A session (:class:`~taskbelt.checks.interface.Session`, made by the plan) is
one run of a check: the check itself (``lint``), or one Python's run of a
per-Python check (``test-3.12``). The check's declared
:class:`~taskbelt.checks.interface.Environment` says what it gets: a virtual
environment under ``<repo>/.taskbelt-cache/envs/`` (:mod:`taskbelt.environments.create`),
made by uv and filled from taskbelt's hashed tool locks, and the project
installed where the tool needs it; a stamp makes an unchanged environment
cost a file read.

The tools are separate processes, so sessions run in threads of one
taskbelt process: the benchmark showed that a ``nox`` child per check cost
about a second of start-up each (Python, nox, the noxfile and the settings
imported again), more than ruff, black and bandit take together. Nox remains
an entry point: its sessions call :func:`run` (see :mod:`taskbelt.frontends.nox_sessions`).
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Mapping

from taskbelt.checks.base import Ahead, CheckContext, guarded
from taskbelt.checks.interface import Environment, Session
from taskbelt.environments import create, test_env
from taskbelt.environments.matrix import Matrix
from taskbelt.errors import ConfigError
from taskbelt.repository.project import Project
from taskbelt.results import CheckResult, Status
from taskbelt.tools import venvs
from taskbelt.tools.interpreters import Interpreter


def interpreter_for(tests: Matrix, session: Session) -> Interpreter:
    """The present interpreter of ``session``'s Python (``test-3.12``: 3.12)."""
    for interpreter in tests.present:
        if interpreter.version == session.python:
            return interpreter
    known = ", ".join(session.check.session(i.version).name for i in tests.present) or "none"
    raise ConfigError(
        f"no session {session}: Python {session.python} is not in the test matrix here",
        f"choose one of: {known}",
    )


def run(
    session: Session,
    project: Project,
    tests: Matrix,
    *,
    reuse: bool = True,
    ahead: Ahead | None = None,
    tested: list[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> CheckResult:
    """Run ``session`` for ``project``; a problem preparing it is an ``error`` row.

    ``reuse=False`` (``--no-cache``): the check reuses nothing it made before.
    ``ahead``: what :func:`start_ahead` started for it (whoever started it
    cancels it if this never gets to use it).
    ``tested``: the Pythons whose sessions of the checks this one waits for
    ran in this invocation (coverage combines their data only; ``None``:
    every version's data of this tree).
    ``environ``: the run's environment, which the tools and tests get
    (default: this process's).
    """

    def attempt() -> CheckResult:
        ctx = dataclasses.replace(
            context(session, project, tests, environ),
            reuse=reuse,
            tested=None if tested is None else tuple(tested),
            ahead=ahead,
        )
        return session.check.run(ctx)

    return guarded(session.name, attempt)


def start_ahead(
    session: Session, project: Project, tests: Matrix, environ: Mapping[str, str] | None = None
) -> Ahead | None:
    """What ``session``'s check starts in its environment before its turn (None: nothing)."""
    if session.check.start_ahead is None:
        return None
    return session.check.start_ahead(context(session, project, tests, environ))


def prepare(
    session: Session, project: Project, tests: Matrix, environ: Mapping[str, str] | None = None
) -> CheckResult:
    """Create and fill ``session``'s environments without running the check."""

    def attempt() -> CheckResult:
        started = time.perf_counter()
        context(session, project, tests, environ)
        seconds = time.perf_counter() - started
        return CheckResult(session.name, Status.PASSED, seconds, "environment ready")

    return guarded(session.name, attempt)


def context(
    session: Session, project: Project, tests: Matrix, environ: Mapping[str, str] | None = None
) -> CheckContext:
    """``session``'s environments, created and filled if needed, as a check context.

    ``environ`` is the run's environment (default: this process's); the
    context's tools get it.
    """
    check = session.check
    env = dict(os.environ if environ is None else environ)
    if check.environment is Environment.TOOLS:
        tools, *more = [
            create.tool_env(project, group) / "bin" for group in check.tool_groups(project)
        ]
        ctx = CheckContext(project, tools, tuple(more), base_env=env)
    elif check.environment is Environment.PROJECT_NEWEST:
        limit = None if check.newest_python is None else check.newest_python(project)
        version, python = tests.newest_up_to(limit)
        tools, *more = [
            create.tool_env(project, group) / "bin" for group in check.tool_groups(project)
        ]
        target = create.project_env(
            project, f"{check.name}-project-{version}", python, project.typing_choice
        )
        ctx = CheckContext(
            project, tools, tuple(more), project_python=venvs.venv_python(target), base_env=env
        )
    else:
        ctx = _per_python(session, project, tests, env)
    if check.finish is not None:
        check.finish(ctx)
    return ctx


def _per_python(
    session: Session, project: Project, tests: Matrix, env: dict[str, str]
) -> CheckContext:
    """One Python's session: the project and what its tests need, on that Python."""
    if session.python is None:  # `test` itself is its sessions, planned one by one
        name = session.check.name
        raise ConfigError(f"unknown session {name!r}", f"name one Python: {name}-3.X")
    interpreter = interpreter_for(tests, session)
    if interpreter.path is None:  # present interpreters always have a path
        raise ConfigError(f"Python {interpreter.version} has no path", interpreter.install_hint)
    venv = create.project_env(project, session.name, interpreter.path)
    test_env.prepare(venv, project, env)
    python = venvs.venv_python(venv)
    return CheckContext(
        project, venv / "bin", interpreter=interpreter, project_python=python, base_env=env
    )
