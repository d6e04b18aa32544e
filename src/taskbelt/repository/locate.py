"""Which repository taskbelt works on: the one project-root lookup of every door.

``--root`` when given, else ``TASKBELT_PROJECT_ROOT`` (set by taskbelt's mise
tasks and CI templates), else the nearest folder at or above the starting
point (the working directory) that holds a ``pyproject.toml``. The command
line, the fast answer, the Nox sessions and ``container`` all ask here, so
they cannot disagree about which repository a verdict belongs to.

Light: the fast answer for an unchanged repository starts here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from taskbelt import defaults
from taskbelt.errors import ProjectError


def find_root(start: Path) -> Path:
    """The nearest folder at or above ``start`` that holds a pyproject.toml."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "pyproject.toml").is_file():
            return folder
    raise ProjectError(
        f"no pyproject.toml in {start} or any folder above it",
        "run taskbelt inside your project, or create a pyproject.toml with a [project] table",
    )


def project_root(
    explicit: Path | str | None = None,
    environ: Mapping[str, str] | None = None,
    start: Path | None = None,
) -> Path:
    """The repository to check (see the module docstring); ``start`` defaults to the cwd.

    Raises:
        ProjectError: nothing was named and no pyproject.toml is at or above ``start``.
    """
    env = os.environ if environ is None else environ
    if explicit is not None:
        return Path(explicit).resolve()
    if env.get(defaults.ENV_PROJECT_ROOT):
        return Path(env[defaults.ENV_PROJECT_ROOT]).resolve()
    return find_root(start or Path.cwd())
