"""Resolve the test matrix against the interpreters that are present.

Versions come from ``[tool.taskbelt] python``, else ``.python-version``,
else every version ``requires-python`` admits. A version the repo named
itself but that is missing fails in CI (``CI=true``) with the command that
installs it, and is skipped locally; versions only implied by
``requires-python`` are used when present and otherwise left out, in CI too.
Each version that is not run is a ``skipped`` row with its reason
(:meth:`Matrix.why_skipped`), and ``doctor`` reports it the same way.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

from taskbelt.errors import ConfigError
from taskbelt.repository.project import Project
from taskbelt.settings import env_flags
from taskbelt.tools import interpreters
from taskbelt.tools.interpreters import Interpreter


@dataclass(frozen=True)
class Matrix:
    """The versions to test on: those present; those named but missing; those left out.

    ``left_out`` holds versions only ``requires-python`` implies that are not
    installed: skipped everywhere, where a named ``missing`` one fails in CI.
    """

    present: tuple[Interpreter, ...]
    missing: tuple[Interpreter, ...]
    left_out: tuple[Interpreter, ...] = ()

    @property
    def newest(self) -> tuple[str, Path]:
        """Version and path of the newest present interpreter (used for type-checking)."""
        return self.newest_up_to(None)

    def newest_up_to(self, limit: str | None) -> tuple[str, Path]:
        """The newest present interpreter not newer than ``limit`` (the oldest where all are)."""
        present = sorted(self.present, key=lambda i: Version(i.version))
        fitting = [i for i in present if limit is None or Version(i.version) <= Version(limit)]
        best = (fitting or present[:1])[-1]
        if best.path is None:  # present interpreters always have a path
            raise ConfigError(f"Python {best.version} has no interpreter", best.install_hint)
        return best.version, best.path

    @property
    def all(self) -> tuple[Interpreter, ...]:
        """Every wanted version, present or not, oldest first."""
        return tuple(sorted(self.present + self.skipped, key=lambda i: Version(i.version)))

    @property
    def skipped(self) -> tuple[Interpreter, ...]:
        """Wanted but not installed: each is a ``skipped`` row (named ones fail in CI)."""
        return self.missing + self.left_out

    def stops_check(self, ci: bool) -> tuple[Interpreter, ...]:
        """The versions whose absence stops ``check`` (and fails ``doctor``).

        Every wanted one when none is present; else, in CI, the named ones.
        """
        if not self.present:
            return self.skipped
        return self.missing if ci else ()

    def why_skipped(self, interpreter: Interpreter) -> str:
        """The one reason ``check`` and ``doctor`` both give for a version not run."""
        implied = "" if interpreter in self.missing else " (requires-python admits it)"
        return f"Python {interpreter.version} is not installed{implied}; install: {interpreter.install_hint}"


def in_ci(env: Mapping[str, str]) -> bool:
    """True on a CI runner (``CI=true``, as GitHub Actions and GitLab set it)."""
    return env_flags.parse(env.get("CI", "")) is True


def survey(project: Project, env: Mapping[str, str] | None = None) -> Matrix:
    """Find an interpreter for each wanted version; never raises (``doctor`` reports)."""
    environ = os.environ if env is None else env
    versions, explicit = interpreters.wanted_versions(
        project.settings.python, project.python_version_file, project.requires_python
    )
    # Each find runs the candidate (~30 ms); side by side, five versions cost one.
    with ThreadPoolExecutor(max_workers=max(1, len(versions))) as pool:
        found = list(pool.map(lambda v: interpreters.find(v, environ), versions))
    present = tuple(i for i in found if i.path is not None)
    absent = tuple(i for i in found if i.path is None)
    return Matrix(present, absent, ()) if explicit else Matrix(present, (), absent)


def resolve(project: Project, env: Mapping[str, str] | None = None) -> Matrix:
    """Find an interpreter for each wanted version.

    Raises:
        ConfigError: no wanted version is present, or (in CI) a named one is missing.
    """
    environ = os.environ if env is None else env
    tests = survey(project, environ)
    stopping = tests.stops_check(in_ci(environ))
    if stopping and tests.present:
        names = ", ".join(i.version for i in stopping)
        raise ConfigError(
            f"Python {names} is in the test matrix but not installed on this machine",
            f"install it: {stopping[0].install_hint}; or run `mise run python:sync`",
        )
    if not tests.present:
        wanted = ", ".join(i.version for i in tests.all) or "(none)"
        hint = tests.skipped[0].install_hint if tests.skipped else "mise install python@3.12"
        raise ConfigError(
            f"no Python interpreter for the test matrix is installed (wanted: {wanted})",
            f"install one: {hint}; or set [tool.taskbelt] python to versions you have",
        )
    return tests
