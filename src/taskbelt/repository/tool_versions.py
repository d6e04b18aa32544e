"""Which version of each tool runs, and why: the repository's pin, else taskbelt's.

A tool's verdict depends on its version (a ``select = ["ALL"]`` ruff
configuration picks up every rule a newer ruff adds), so a tool the
repository pins runs at the repository's version: the ``rev`` of its
pre-commit hook first (what runs on every commit), then its ``uv.lock``, then
an exact ``==`` pin among its dependency groups and extras. taskbelt's own
pins (``config/tools.in``) are the default for every tool the repository
does not pin, and for all of them with ``tool-versions = "taskbelt"``.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from taskbelt.repository import pre_commit
from taskbelt.repository.toml_file import read_toml
from taskbelt.tools import pins as toolpins

#: The pre-commit hook repositories whose ``rev`` is a release of one tool.
#: (aliases such as ``psf/black-pre-commit-mirror`` are resolved by :mod:`taskbelt.repository.pre_commit`).
HOOK_REPOS = {
    "astral-sh/ruff-pre-commit": "ruff",
    "psf/black": "black",
    "pre-commit/mirrors-mypy": "mypy",
}


@dataclass(frozen=True)
class Pin:
    """The version one tool runs at, and where that version was read."""

    tool: str
    version: str
    source: str
    repository: bool = False  # the repository pinned it (else it is taskbelt's pin)

    @property
    def requirement(self) -> str:
        """The requirement that installs exactly this version."""
        return f"{self.tool}=={self.version}"


@functools.cache
def taskbelt_pins() -> Mapping[str, str]:
    """taskbelt's pinned version of every tool it runs (``config/tools.in``)."""
    pins: dict[str, str] = {}
    for group in toolpins.read_groups().values():
        for line in group.requirements:
            name, _, version = line.partition("==")
            pins.setdefault(name.strip().lower(), version.strip())
    return types.MappingProxyType(pins)  # cached: read-only for every caller


def choose(
    root: Path,
    data: Mapping[str, Any],
    hooks: Iterable[pre_commit.Hook],
    *,
    follow_repository: bool = True,
) -> dict[str, Pin]:
    """The version each of taskbelt's tools runs at in the repository at ``root``.

    ``data`` is its pyproject.toml, ``hooks`` its pre-commit hooks.
    """
    found = _repository_pins(root, data, hooks) if follow_repository else {}
    pins = {}
    for tool, version in taskbelt_pins().items():
        pins[tool] = found.get(tool) or Pin(
            tool,
            version,
            (
                'taskbelt\'s pin (tool-versions = "taskbelt")'
                if not follow_repository
                else "taskbelt's pin: the repository pins no version"
            ),
        )
    return pins


def _repository_pins(
    root: Path, data: Mapping[str, Any], hooks: Iterable[pre_commit.Hook]
) -> dict[str, Pin]:
    found: dict[str, Pin] = {}
    for pin in (*_hook_pins(root, hooks), *_lock_pins(root), *_requirement_pins(data)):
        found.setdefault(pin.tool, pin)
    return found


def _version(text: str) -> str | None:
    """``v0.16.3`` or ``0.16.3`` as a version; None for a commit or a branch."""
    try:
        return str(Version(text.removeprefix("v")))
    except InvalidVersion:
        return None


def _hook_pins(root: Path, hooks: Iterable[pre_commit.Hook]) -> Iterable[Pin]:
    path = pre_commit.config_path(root)
    if path is None:
        return
    for hook in hooks:
        tool = HOOK_REPOS.get(hook.repo_path)
        version = _version(hook.frozen or hook.rev) if tool else None
        if tool and version:
            written = f"{hook.rev} (frozen: {hook.frozen})" if hook.frozen else hook.rev
            yield Pin(tool, version, f"{path.name} rev {written} of {hook.repo_path}", True)


def _lock_pins(root: Path) -> Iterable[Pin]:
    lock = root / "uv.lock"
    if not lock.is_file():
        return
    tools = set(taskbelt_pins())
    for package in read_toml(lock).get("package", []):
        name = str(package.get("name", "")).lower()
        version = _version(str(package.get("version", "")))
        if name in tools and version:
            yield Pin(name, version, "uv.lock", True)


def _requirement_pins(data: Mapping[str, Any]) -> Iterable[Pin]:
    tools = set(taskbelt_pins())
    tables: dict[str, Any] = {
        **{f"[dependency-groups] {k}": v for k, v in (data.get("dependency-groups") or {}).items()},
        **{
            f"[project.optional-dependencies] {k}": v
            for k, v in ((data.get("project") or {}).get("optional-dependencies") or {}).items()
        },
    }
    for where, items in tables.items():
        for item in items if isinstance(items, list) else ():
            pin = _exact(item)
            if pin and pin[0] in tools:
                yield Pin(pin[0], pin[1], f"{where}: {item}", True)


def _exact(item: object) -> tuple[str, str] | None:
    """``("ruff", "0.16.3")`` for ``"ruff==0.16.3"``; None for a range or no string."""
    if not isinstance(item, str):
        return None
    try:
        requirement = Requirement(item)
    except InvalidRequirement:
        return None
    specs = list(requirement.specifier)
    if len(specs) != 1 or specs[0].operator not in {"==", "==="} or "*" in specs[0].version:
        return None
    return requirement.name.lower(), specs[0].version
