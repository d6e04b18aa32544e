"""``init``: wire a repository to a vendored taskbelt, and check that it is.

The only change is one entry in the repository's ``mise.toml``:
``[task_config] includes = ["<path to taskbelt>/tasks"]``. The file is
edited with tomlkit so comments, order and formatting survive, written to a
temporary file and renamed, and left alone when the entry is already there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import Array, Table

from taskbelt import defaults, proc
from taskbelt.errors import ConfigError, ProjectError
from taskbelt.files import write_atomic

MISE_FILE = "mise.toml"


@dataclass(frozen=True)
class Wiring:
    """Where a repository stands with respect to taskbelt's tasks."""

    root: Path
    include: str
    wired: bool
    changed: bool


def repo_root(start: Path) -> Path:
    """The top of the git working tree that holds ``start``."""
    done = proc.run(["git", "rev-parse", "--show-toplevel"], cwd=start, ok=None)
    if done.returncode != 0:
        raise ProjectError(
            f"{start} is not inside a git repository",
            "run init from your repository (git init first, then git submodule add taskbelt)",
        )
    return Path(done.stdout.strip()).resolve()


def is_taskbelt(folder: Path) -> bool:
    """True when ``folder`` is a taskbelt checkout (has its tasks and noxfile)."""
    return (folder / "tasks" / "check").is_file() and (folder / "noxfile.py").is_file()


def include_entry(root: Path, home: Path) -> str:
    """The includes entry for ``home``: relative to ``root`` when inside it."""
    if not is_taskbelt(home):
        raise ProjectError(
            f"{home} does not contain taskbelt (no tasks/check or noxfile.py)",
            "point at the folder where taskbelt was added, e.g. .taskbelt",
        )
    tasks = home.resolve() / "tasks"
    try:
        return tasks.relative_to(root).as_posix()
    except ValueError:
        return tasks.as_posix()


def _load(path: Path) -> tomlkit.TOMLDocument:
    if not path.is_file():
        return tomlkit.document()
    try:
        return tomlkit.parse(path.read_text(encoding="utf-8"))
    except TOMLKitError as exc:
        raise ConfigError(
            f"{path}: invalid TOML: {exc}",
            "fix the file (it was not changed), then run init again",
        ) from None


def _includes(doc: tomlkit.TOMLDocument, path: Path) -> Array | None:
    table = doc.get("task_config")
    if table is None:
        return None
    if not isinstance(table, Table):
        raise ConfigError(f"{path}: task_config is not a table", "make it [task_config]")
    includes = table.get("includes")
    if includes is not None and not isinstance(includes, Array):
        raise ConfigError(f"{path}: task_config.includes is not a list", 'write includes = ["..."]')
    return includes


def _normal(entry: str, root: Path) -> Path:
    return (root / entry).resolve()


def wire(root: Path, home: Path = defaults.TASKBELT_HOME, *, check: bool = False) -> Wiring:
    """Add taskbelt's tasks to ``root/mise.toml`` (or only report, with ``check``)."""
    path = root / MISE_FILE
    entry = include_entry(root, home)
    doc = _load(path)
    includes = _includes(doc, path)
    present = includes is not None and any(
        _normal(str(item), root) == _normal(entry, root) for item in includes
    )
    if present or check:
        return Wiring(root, entry, wired=present, changed=False)
    if includes is None:
        table = doc.get("task_config")
        if table is None:
            table = tomlkit.table()
            doc.add("task_config", table)
        table["includes"] = [entry]
    else:
        includes.append(entry)
    write_atomic(path, tomlkit.dumps(doc))
    return Wiring(root, entry, wired=True, changed=True)
