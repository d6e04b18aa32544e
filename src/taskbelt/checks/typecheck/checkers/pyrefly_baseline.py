"""The repository's own pyrefly baseline: honoured by pyrefly, counted by taskbelt.

pyrefly reads its baseline (``--baseline FILE`` on the repository's command,
else ``baseline`` in its configuration) and leaves the errors it lists out
of its report: the repository's known type errors stay known under taskbelt
with nothing done. To say how many they are and how many the change fixed,
taskbelt asks pyrefly to show them marked: from pyrefly 1.3,
``--baseline-error-level error`` keeps each baselined error in the JSON
report with ``"baselined": true``. Those are read as known, never failing;
the entries the file holds beyond them are fixed (``pyrefly check
--prune-baseline`` drops them). pyrefly older than 1.3 has no such flag: it
still honours its baseline, and the row counts the file's entries.

Where the baseline is comes from pyrefly's own configuration, read here
(pyrefly has no command that prints it: ``dump-config`` leaves it out):
``pyrefly.toml`` wins over ``[tool.pyrefly]`` in ``pyproject.toml``, as in
pyrefly, and a relative path is relative to that file's folder.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from packaging.version import InvalidVersion, Version

from taskbelt.checks.base import CheckContext
from taskbelt.checks.typecheck.checkers import Read, baselines_ignored
from taskbelt.repository.choice import Choice
from taskbelt.repository.project import Project
from taskbelt.repository.toml_file import lookup, read_toml

#: The first pyrefly that marks baselined errors (``--baseline-error-level``).
MARKS = Version("1.3")
_LEVEL = "--baseline-error-level"


def file(project: Project, choice: Choice) -> Path | None:
    """The baseline pyrefly reads in this run, where there is one."""
    args = list(choice.args)
    for at, arg in enumerate(args):
        if arg == "--baseline" and at + 1 < len(args):
            return _existing(project.root / args[at + 1])
        if arg.startswith("--baseline="):
            return _existing(project.root / arg.partition("=")[2])
    own = choice.config if choice.config is not None else project.root / "pyrefly.toml"
    if own.is_file() and own.name != "pyproject.toml":
        value = read_toml(own).get("baseline")
    else:
        own = project.root / "pyproject.toml"
        value = lookup(project.data, "tool", "pyrefly", "baseline")
    return _existing(own.parent / str(value)) if value else None


def _existing(path: Path) -> Path | None:
    return path if path.is_file() else None


def marks(choice: Choice) -> bool:
    """Whether the pyrefly of this run shows baselined errors marked (1.3 and newer)."""
    if choice.pin is None:  # taskbelt's own pin
        return True
    try:
        return Version(choice.pin.version) >= MARKS
    except InvalidVersion:
        return False


def _asked(choice: Choice) -> str | None:
    """The level the repository's own command gives baselined errors, if it gives one."""
    args = list(choice.args)
    for at, arg in enumerate(args):
        if arg == _LEVEL and at + 1 < len(args):
            return args[at + 1]
        if arg.startswith(f"{_LEVEL}="):
            return arg.partition("=")[2]
    return None


def options(ctx: CheckContext, choice: Choice) -> list[str]:
    """``--baseline-error-level error`` where a baseline is read and pyrefly can mark it."""
    if _asked(choice) is not None or not marks(choice) or file(ctx.project, choice) is None:
        return []
    return [_LEVEL, "error"]


def _shown(choice: Choice) -> bool:
    """Whether this run shows the baselined errors, marked (then they are counted one by one)."""
    return marks(choice) and _asked(choice) != "ignore"


def count(path: Path) -> int:
    """How many errors a baseline file lists (0 where it does not read as one)."""
    try:
        errors = json.loads(path.read_text(encoding="utf-8")).get("errors", [])
    except (OSError, ValueError, AttributeError):
        return 0
    return len(errors) if isinstance(errors, list) else 0


def honour(ctx: CheckContext, choice: Choice, found: Read) -> Read:
    """``found`` with the row's aside: ``; 12 known in pyrefly-baseline.json``, and the fixed."""
    path = file(ctx.project, choice)
    if path is None:
        return found
    if baselines_ignored(ctx):  # every error reported, for the ledger to import
        return dataclasses.replace(found, findings=[*found.findings, *found.known], known=[])
    name = ctx.project.relative(path)
    listed = count(path)
    if not _shown(choice):
        return dataclasses.replace(found, aside=f"{found.aside}; {listed} listed in {name}")
    fixed = max(listed - len(found.known), 0)
    it = "it" if fixed == 1 else "them"
    gone = f"; {fixed} fixed it still lists: `pyrefly check --prune-baseline` drops {it}"
    aside = f"; {len(found.known)} known in {name}{gone if fixed else ''}"
    return dataclasses.replace(found, aside=found.aside + aside)
