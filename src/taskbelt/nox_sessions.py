"""The bodies of taskbelt's Nox sessions; ``noxfile.py`` only registers them.

A leaf session (lint, format, typecheck, test-3.X, coverage, audit, fix)
gets a reused uv virtual environment from nox, fills it from taskbelt's
hashed tool locks (and the project, where the tool needs it), runs one check
and hands its result back: to the parent ``taskbelt`` process through
``TASKBELT_RESULT_FILE``, or, when nox is run by hand, as nox's own verdict.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from taskbelt import cli, defaults, envs, matrix
from taskbelt.checks import coverage, formatting, lint, pytest_cov, typecheck
from taskbelt.checks.base import CheckContext, guarded
from taskbelt.errors import TaskbeltError
from taskbelt.fixer import fix_repo
from taskbelt.interpreters import Interpreter
from taskbelt.project import Project, find_root
from taskbelt.results import CheckResult

Session = Any  # nox.Session; nox ships no type information mypy can use


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


def default_envdir() -> str | None:
    """``<project>/.taskbelt-cache/nox``, or None (nox's default) outside a project."""
    try:
        return str(project_root() / defaults.STATE_DIR_NAME / defaults.ENVS_SUBDIR)
    except TaskbeltError:
        return None


def _venv(session: Session) -> Path:
    return Path(session.virtualenv.location)


def _finish(session: Session, result: CheckResult) -> None:
    target = os.environ.get(defaults.ENV_RESULT_FILE)
    if target:
        result.write(Path(target))
    session.log(f"{result.name}: {result.status.value}: {result.summary}")
    if not result:
        if not target and result.output:
            session.log(result.output)
        session.error(result.summary)


def _leaf(
    session: Session,
    name: str,
    group: str,
    body: Callable[[Project, Path], CheckResult],
) -> None:
    """Load the project, install ``group`` and run ``body``; always finish with a result."""

    def attempt() -> CheckResult:
        project = Project.load(project_root(session.invoked_from))
        envs.install_tools(_venv(session), group)
        return body(project, _venv(session))

    _finish(session, guarded(name, attempt))


def _ctx(project: Project, venv: Path, **kw: Any) -> CheckContext:
    return CheckContext(project=project, tools_bin=venv / "bin", **kw)


def lint_session(session: Session) -> None:
    """ruff check."""
    _leaf(session, lint.NAME, "lint", lambda p, v: lint.run(_ctx(p, v)))


def format_session(session: Session) -> None:
    """Formatting check; writes nothing."""
    _leaf(session, formatting.NAME, "format", lambda p, v: formatting.run(_ctx(p, v)))


def fix_session(session: Session) -> None:
    """ruff --fix and the formatter, writing files."""
    _leaf(session, "fix", "format", lambda p, v: fix_repo(_ctx(p, v)))


def audit_session(session: Session) -> None:
    """pip-audit on the locked set and bandit on the source."""
    from taskbelt.checks import audit  # noqa: PLC0415 - only this session needs the scanners

    _leaf(session, audit.NAME, "audit", lambda p, v: audit.run(_ctx(p, v)))


def coverage_session(session: Session) -> None:
    """Combine coverage data of every tested version and apply the gate."""
    _leaf(session, coverage.NAME, "coverage", lambda p, v: coverage.run(_ctx(p, v)))


def typecheck_session(session: Session) -> None:
    """mypy from the tool env, against a project env on the newest matrix Python."""

    def body(project: Project, venv: Path) -> CheckResult:
        version, python = matrix.resolve(project).newest
        project_env = venv.parent / f"typecheck-project-{version}"
        envs.create_venv(project_env, python)
        envs.install_project(project_env, project)
        return typecheck.run(_ctx(project, venv, project_python=envs.venv_python(project_env)))

    _leaf(session, typecheck.NAME, "typecheck", body)


def test_session(interpreter: Interpreter) -> Callable[[Session], None]:
    """The session body for one Python of the matrix."""

    def run_tests(session: Session) -> None:
        name = pytest_cov.check_name(interpreter.version)

        def attempt() -> CheckResult:
            project = Project.load(project_root(session.invoked_from))
            venv = _venv(session)
            envs.install_project(venv, project)
            envs.install_tools(venv, "test")
            ctx = _ctx(
                project, venv, interpreter=interpreter, project_python=envs.venv_python(venv)
            )
            return pytest_cov.run(ctx)

        _finish(session, guarded(name, attempt))

    run_tests.__doc__ = f"pytest with coverage on Python {interpreter.version}."
    return run_tests


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
    """Register taskbelt's sessions with ``nox`` and set its options.

    taskbelt's own noxfile calls this; so can a repository's noxfile that adds
    sessions of its own next to taskbelt's (see the README).
    """
    nox.options.default_venv_backend = "uv"
    nox.options.reuse_venv = "yes"
    nox.options.sessions = ["check"]
    # Environments belong to the repository being checked, not to taskbelt's
    # checkout (`--envdir` on the command line still wins).
    nox.options.envdir = default_envdir()
    nox.session(name="lint")(lint_session)
    nox.session(name="format")(format_session)
    nox.session(name="fix")(fix_session)
    nox.session(name="typecheck")(typecheck_session)
    nox.session(name="coverage")(coverage_session)
    nox.session(name="audit")(audit_session)
    for interpreter in test_interpreters():
        nox.session(name=f"test-{interpreter.version}", python=str(interpreter.path))(
            test_session(interpreter)
        )
    nox.session(name="check", venv_backend="none")(check_session)
    nox.session(name="test", venv_backend="none")(all_tests_session)
