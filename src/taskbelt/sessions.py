"""Run one named check (a session) in its prepared environment, in this process.

A session is what a user or ``check`` names: ``lint``, ``format``, ``fix``,
``typecheck``, ``test-3.X``, ``coverage`` or ``audit``. Each gets a virtual
environment under ``<repo>/.taskbelt-cache/envs/``, made by uv and filled
from taskbelt's hashed tool locks (and the project, where the tool needs it);
a stamp makes an unchanged environment cost a file read.

The tools are separate processes, so sessions run in threads of one
taskbelt process: the benchmark showed that a ``nox`` child per check cost
about a second of start-up each (Python, nox, the noxfile and the settings
imported again), more than ruff, black and bandit take together. Nox remains
an entry point: its sessions call :func:`run` (see :mod:`taskbelt.nox_sessions`).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from taskbelt import covplugins, defaults, envs, testenv
from taskbelt.checks import coverage, formatting, lint, pytest_cov, typecheck
from taskbelt.checks.base import CheckContext, guarded
from taskbelt.checks.fix import fix_repo
from taskbelt.errors import ConfigError
from taskbelt.interpreters import Interpreter
from taskbelt.matrix import Matrix
from taskbelt.project import Project
from taskbelt.results import CheckResult, Status

Body = Callable[[CheckContext], CheckResult]

#: Sessions that need only a tool group: name -> (tool group, check body).
TOOL_SESSIONS: dict[str, tuple[str, Body]] = {
    lint.NAME: ("lint", lint.run),
    formatting.NAME: ("format", formatting.run),
    "fix": ("format", fix_repo),
    coverage.NAME: ("coverage", coverage.run),
}
AUDIT = "audit"
TEST_PREFIX = "test-"


def tools_python() -> Path:
    """The interpreter tool environments are made from: the one running taskbelt.

    Inside a virtual environment this is its base interpreter, so a tool
    environment outlives the environment taskbelt itself runs from.
    """
    return Path(getattr(sys, "_base_executable", "") or sys.executable)


def env_dir(project: Project, name: str) -> Path:
    """The folder of one environment in the repository's state folder."""
    return project.state_dir / defaults.ENVS_SUBDIR / name


def tool_env(project: Project, group: str) -> Path:
    """The environment holding tool ``group``, created and filled if needed."""
    venv = env_dir(project, f"tools-{group}")
    envs.create_venv(venv, tools_python())
    envs.install_tools(venv, group)
    return venv


def project_env(project: Project, name: str, python: Path) -> Path:
    """An environment named ``name`` on ``python`` with the project installed."""
    venv = env_dir(project, name)
    envs.create_venv(venv, python)
    envs.install_project(venv, project)
    return venv


def interpreter_for(tests: Matrix, version: str) -> Interpreter:
    """The present interpreter of ``version`` (a session name names it)."""
    for interpreter in tests.present:
        if interpreter.version == version:
            return interpreter
    known = ", ".join(f"{TEST_PREFIX}{i.version}" for i in tests.present) or "none"
    raise ConfigError(
        f"no session {TEST_PREFIX}{version}: Python {version} is not in the test matrix here",
        f"choose one of: {known}",
    )


def run(
    session: str,
    project: Project,
    tests: Matrix,
    *,
    reuse: bool = True,
    ahead: coverage.Jobs | None = None,
    tested: list[str] | None = None,
    environ: Mapping[str, str] | None = None,
) -> CheckResult:
    """Run ``session`` for ``project``; a problem preparing it is an ``error`` row.

    ``reuse=False`` (``--no-cache``): the check reuses nothing it made before.
    ``ahead``: coverage's report processes, started by :func:`start_coverage`
    (whoever started them cancels them if this never gets to feed them).
    ``tested``: the Pythons whose tests ran in this invocation; coverage then
    combines their data only (``None``: every version's data of this tree).
    ``environ``: the run's environment, which the tools and tests get
    (default: this process's).
    """

    def attempt() -> CheckResult:
        ctx = dataclasses.replace(context(session, project, tests, environ), reuse=reuse)
        if session == coverage.NAME:
            return coverage.run(ctx, tested, jobs=ahead)
        return body(session)(ctx)

    return guarded(session, attempt)


def start_coverage(
    project: Project, tests: Matrix, environ: Mapping[str, str] | None = None
) -> coverage.Jobs:
    """coverage's report processes, started in its environment, waiting for the data."""
    return coverage.start_jobs(context(coverage.NAME, project, tests, environ))


def prepare(
    session: str, project: Project, tests: Matrix, environ: Mapping[str, str] | None = None
) -> CheckResult:
    """Create and fill ``session``'s environments without running the check."""

    def attempt() -> CheckResult:
        started = time.perf_counter()
        context(session, project, tests, environ)
        seconds = time.perf_counter() - started
        return CheckResult(session, Status.PASSED, seconds, "environment ready")

    return guarded(session, attempt)


def body(session: str) -> Body:
    """The check function of ``session``."""
    if session in TOOL_SESSIONS:
        return TOOL_SESSIONS[session][1]
    if session == typecheck.NAME:
        return typecheck.run
    if session == AUDIT:
        # Imported here: only this session needs the scanners and the OSV server.
        from taskbelt.checks import audit  # noqa: PLC0415

        return audit.run
    if session.startswith(TEST_PREFIX):
        return pytest_cov.run
    raise ConfigError(f"unknown check {session!r}", "run `taskbelt --help` for the names")


def context(
    session: str, project: Project, tests: Matrix, environ: Mapping[str, str] | None = None
) -> CheckContext:
    """``session``'s environments, created and filled if needed, as a check context.

    ``environ`` is the run's environment (default: this process's); the
    context's tools get it.
    """
    env = dict(os.environ if environ is None else environ)
    if session in TOOL_SESSIONS or session == AUDIT:
        group = AUDIT if session == AUDIT else TOOL_SESSIONS[session][0]
        venv = tool_env(project, group)
        if session == coverage.NAME:  # combining imports the repository's coverage plugins
            covplugins.ensure(venv, project, env, "the coverage environment")
        return CheckContext(project, venv / "bin", base_env=env)
    if session == typecheck.NAME:
        version, python = tests.newest
        tools = tool_env(project, "typecheck")
        target = project_env(project, f"typecheck-project-{version}", python)
        return CheckContext(
            project, tools / "bin", project_python=envs.venv_python(target), base_env=env
        )
    if session.startswith(TEST_PREFIX):
        interpreter = interpreter_for(tests, session.removeprefix(TEST_PREFIX))
        if interpreter.path is None:  # present interpreters always have a path
            raise ConfigError(f"Python {interpreter.version} has no path", interpreter.install_hint)
        venv = project_env(project, session, interpreter.path)
        testenv.prepare(venv, project, env)
        python = envs.venv_python(venv)
        return CheckContext(
            project, venv / "bin", interpreter=interpreter, project_python=python, base_env=env
        )
    raise ConfigError(f"unknown check {session!r}", "run `taskbelt --help` for the names")
