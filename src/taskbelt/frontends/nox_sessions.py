"""taskbelt's Nox sessions; ``noxfile.py`` only registers them.

Nox is one way in (without mise: ``uvx nox -f path/to/taskbelt/noxfile.py``).
Every session is a thin door to what ``taskbelt`` itself runs: ``-s lint``
is ``taskbelt run lint``, ``-s test-3.12`` is ``taskbelt run test-3.12``,
``-s check`` is ``taskbelt check``, in the nox process, through the same
execution path (verdict cache, table, reports, masking) and with the
environments taskbelt keeps in ``.taskbelt-cache/envs/`` (nox makes none).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from taskbelt import defaults
from taskbelt.checks import registry
from taskbelt.environments import matrix
from taskbelt.errors import ExitCode, TaskbeltError
from taskbelt.frontends import cli, exit_status
from taskbelt.output import console, masking
from taskbelt.repository import locate
from taskbelt.repository.project import Project
from taskbelt.settings import env_flags
from taskbelt.tools.interpreters import Interpreter

Session = Any  # nox.Session; nox ships no type information mypy can use


def project_root(invoked_from: str | None = None) -> Path:
    """The repository being checked.

    ``TASKBELT_PROJECT_ROOT`` when taskbelt or mise started nox; otherwise the
    folder nox was started from: the session's ``invoked_from`` at run time,
    ``PWD`` at import time (nox changes into the noxfile's folder before it
    imports the noxfile, but leaves ``PWD`` as the shell set it).
    """
    start = Path(invoked_from or os.environ.get("PWD") or Path.cwd())
    return locate.project_root(None, os.environ, start)


#: What nox's script mode (the noxfile's ``# /// script`` dependencies) sets in
#: the environment of the nox it re-starts inside ``.nox/_nox_script_mode``.
_SCRIPT_ENV_NAMES = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "UV_PYTHON")


def caller_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment nox was started in, as far as it can be told.

    nox's script mode installs the noxfile's dependencies into a virtual
    environment of its own and re-starts itself there, with that
    environment's ``bin`` first on ``PATH`` and ``VIRTUAL_ENV``,
    ``UV_PYTHON`` and ``UV_PROJECT_ENVIRONMENT`` pointing at it. That is
    nox's bookkeeping, not the repository's environment: the tests must not
    see it and the verdict cache must not key on it (a check run by
    ``mise run`` answers the same check run by nox). Those values are taken
    out again; variables nox dropped (``PYTHONHOME``, ``PIP_REQUIRE_VIRTUALENV``,
    ``UV_SYSTEM_PYTHON``, ``CONDA_PREFIX``) cannot be recovered.
    """
    env = dict(environ)
    script_env = env.get("VIRTUAL_ENV", "")
    if env.get("NOX_SCRIPT_MODE") != "none" or Path(script_env).name != "_nox_script_mode":
        return env
    for name in _SCRIPT_ENV_NAMES:
        if env.get(name) == script_env:
            del env[name]
    del env["NOX_SCRIPT_MODE"]
    script_bin = {str(Path(script_env) / "bin"), str(Path(script_env) / "Scripts")}
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p not in script_bin]
    env["PATH"] = os.pathsep.join(path)
    return env


def run_command(session: Session, command: list[str]) -> None:
    """Run taskbelt ``command`` (``["check"]``, ``["run", "lint"]``) for this nox session.

    The same parse and the same execution path as ``taskbelt`` on the command
    line (:mod:`taskbelt.running.execution`): the verdict cache, the summary table,
    the reports, masking. The session's ``posargs`` are taskbelt options
    (``-s lint -- -v``). The repository is passed as ``--root``, never
    through the environment. A failed check fails the nox session (exit 1,
    and nox goes on to the next session); exit 2 (a check could not run, or
    bad input) leaves through SystemExit, which nox does not flatten to 1.
    """

    def parse_and_run() -> int:
        args = cli.parse_args([*command, *session.posargs])
        if args.root is None:
            args.root = project_root(session.invoked_from)
        console.setup_logging(verbose=args.verbose)
        return cli.run_named(args, caller_environ(os.environ))

    code = exit_status.guard(parse_and_run)
    if code == ExitCode.FAILED:
        session.error(f"taskbelt {' '.join(command)}: failed")
    elif code:
        raise SystemExit(code)


def check_session_for(name: str, doc: str) -> Callable[[Session], None]:
    """A nox session body that runs check (or one Python's session) ``name``."""

    def body(session: Session) -> None:
        run_command(session, ["run", name])

    body.__doc__ = doc
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


def check_session(session: Session) -> None:
    """Every check in parallel, then the summary table."""
    run_command(session, ["check"])


def mask_nox_log() -> None:
    """What nox itself logs (``nox > ...``) passes through taskbelt's masker too."""
    nox_log = logging.getLogger("nox")
    if masking.mask_record not in nox_log.filters:
        nox_log.addFilter(masking.mask_record)


def register_all(nox: Any) -> None:
    """Register taskbelt's sessions with ``nox`` and make ``check`` the default.

    taskbelt's own noxfile calls this; so can a repository's noxfile that adds
    sessions of its own next to taskbelt's (see the README). taskbelt's
    sessions keep their environments in ``.taskbelt-cache/envs/``; the
    repository's own sessions keep nox's usual ``.nox/``.

    What registering logs (the interpreters found) shows with
    ``TASKBELT_VERBOSE``; a value that is neither on nor off is reported by
    the session that runs, as on the command line, not as a traceback here.
    """
    nox.options.sessions = [registry.ALL]
    console.setup_logging(verbose=env_flags.parse(os.environ.get(defaults.ENV_VERBOSE, "")) is True)
    mask_nox_log()
    for name, doc in sessions_to_register(test_interpreters()):
        nox.session(name=name, venv_backend="none")(check_session_for(name, doc))
    nox.session(name=registry.ALL, venv_backend="none")(check_session)


def sessions_to_register(present: list[Interpreter]) -> list[tuple[str, str]]:
    """Each check's session (its help as the description), and each Python's of a per-Python one."""
    found = []
    for check in registry.checks():
        found.append((check.name, check.help))
        if check.per_python:
            found += [
                (check.session(i.version).name, f"{check.name} on Python {i.version}")
                for i in present
            ]
    return found
