"""The baseline files of the repository's type checkers: inputs of the typecheck verdict.

A baseline changes what a checker reports with no source changed (an entry
dropped makes its error new again), and it lives wherever the repository's
configuration says, so it is not among the files every static check reads:
the typecheck spec names it (``read_files``) and the verdict cache reads its
bytes afresh on every run, the fast answer's included.
"""

from __future__ import annotations

from pathlib import Path

from taskbelt.checks.typecheck.checkers import (
    basedpyright_baseline,
    mypy_baseline,
    pyrefly_baseline,
)
from taskbelt.errors import TaskbeltError
from taskbelt.repository.project import Project


def files(project: Project) -> list[Path]:
    """The baselines the chosen checkers read, in choice order (none where unreadable)."""
    try:
        choices = project.tools.type_checkers
    except TaskbeltError:  # settings taskbelt cannot read: the row's error, when it runs
        return []
    found: list[Path | None] = []
    for choice in choices:
        if choice.tool == "mypy":
            found.append(mypy_baseline.file(project))
        elif choice.tool == "basedpyright":
            found.append(basedpyright_baseline.original(project))
        elif choice.tool == "pyrefly":
            found.append(pyrefly_baseline.file(project, choice))
    return list(dict.fromkeys(path for path in found if path is not None))
