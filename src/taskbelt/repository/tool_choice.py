"""Which tool runs format, lint and typecheck, with which rules, and why.

Decided here, once per run: the checks, ``fix`` and the git hook all ask
this module, so they can never disagree about a repository, and every choice
carries where it came from (the format summary and ``-v`` say it). Each
search follows what the repository already runs before what it merely
configures, and taskbelt's defaults come last. The orders are the table
"Which tools run" in README.md: change both together.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskbelt import defaults
from taskbelt.repository import (
    flake8_config,
    pre_commit,
    tool_versions,
    tox_config,
    type_checker_choice,
)
from taskbelt.repository.choice import Choice
from taskbelt.repository.command_files import run_by_commands
from taskbelt.repository.pre_commit import Hook
from taskbelt.repository.toml_file import lookup, read_toml
from taskbelt.repository.tool_versions import Pin
from taskbelt.repository.type_checking_off import reason as type_checking_off_reason
from taskbelt.settings.model import Settings

#: The command words of ruff's formatter and of black in a command file.
_RUNS = {"ruff": ("ruff", "format"), "black": ("black",)}
_RUFF_FILES = (".ruff.toml", "ruff.toml")  # ruff prefers these to pyproject.toml, in this order


@dataclass(frozen=True)
class Choices:
    """The tools of one repository's static checks."""

    formatter: Choice
    linter: Choice
    #: Every type checker that runs (several where the repository runs several).
    type_checkers: tuple[Choice, ...]
    #: The version of every tool taskbelt may run, by lower-case name.
    versions: Mapping[str, Pin]
    #: Why typecheck does not run: the repository switched its checker off (else None).
    type_checking_off: str | None = None

    @property
    def type_checker(self) -> Choice:
        """The first type checker (the only one in most repositories)."""
        return self.type_checkers[0]

    def repository_versions(self, tools: Iterable[str]) -> dict[str, str]:
        """Of ``tools``, those the repository pins at another version than taskbelt's.

        A repository pin equal to taskbelt's is left out: the same version is
        then installed from taskbelt's hashed lock.
        """
        shared = tool_versions.taskbelt_pins()
        return {
            tool: pin.version
            for tool in tools
            if (pin := self.versions.get(tool)) is not None
            and pin.repository
            and pin.version != shared.get(tool)
        }


def choose(
    root: Path, data: Mapping[str, Any], settings: Settings, requirements: Iterable[str]
) -> Choices:
    """Choose the tools for the repository at ``root`` (``data``: its pyproject.toml).

    ``requirements``: the lower-case names of every dependency the project
    lists, groups and extras included.
    """
    ruff_config = _ruff_config(root, data)
    hooks = pre_commit.read_hooks(root)  # read once: formatter, versions and scopes use them
    versions = tool_versions.choose(
        root, data, hooks, follow_repository=settings.tool_versions == "repository"
    )
    requirements = frozenset(requirements)
    formatter = _formatter(root, data, settings, requirements, ruff_config=ruff_config, hooks=hooks)
    format_command = "ruff format" if formatter.tool == "ruff" else "black"
    linter = _linter(root, data, requirements, hooks, ruff_config=ruff_config)
    formatter = dataclasses.replace(
        formatter,
        hook=_hook_running(hooks, format_command),
        # ruff's formatter never reads lint rules taskbelt chose or translated
        config=defaults.RUFF_CONFIG if formatter.tool == "ruff" and not ruff_config else None,
    )
    formatter, linter, *type_checkers = (
        dataclasses.replace(choice, pin=versions.get(choice.tool))
        for choice in (
            formatter,
            linter,
            *type_checker_choice.choose(root, data, settings.type_checker, requirements, hooks),
        )
    )
    off = type_checking_off_reason(root, tuple(type_checkers))
    return Choices(formatter, linter, tuple(type_checkers), versions, off)


def _linter(
    root: Path,
    data: Mapping[str, Any],
    requirements: frozenset[str],
    hooks: tuple[Hook, ...],
    *,
    ruff_config: str | None,
) -> Choice:
    """The lint rules: the repository's ruff, its ruff hook, its flake8, else taskbelt's."""
    ruff_hook = _hook_running(hooks, "ruff check")
    if ruff_config:
        return Choice("ruff", f"rules from {ruff_config}", hook=ruff_hook)
    if ruff_hook:
        return Choice(
            "ruff", f"ruff's default rules, as pre-commit {ruff_hook} runs it", hook=ruff_hook
        )
    flake8_hook = _hook_running(hooks, "flake8")
    declared = flake8_config.find(root, data, requirements, flake8_hook, _tox_deps(root, "flake8"))
    if declared is not None:
        return Choice(
            "ruff",
            f"flake8's rules from {declared.source}, translated",
            hook=flake8_hook,
            flake8=declared,
        )
    return Choice("ruff", "taskbelt's default rules", defaults.RUFF_CONFIG)


def _tox_deps(root: Path, tool: str) -> list[str] | None:
    """The ``deps`` of the tox environments that run ``tool``; None where none does."""
    config = tox_config.declared(root, root / defaults.STATE_DIR_NAME)
    envs = tox_config.envs_running(config, tool) if config is not None else []
    return [dep for env in envs for dep in env.deps] if envs else None


def _hook_running(hooks: Iterable[Hook], command: str) -> Hook | None:
    """The first of the repository's pre-commit hooks that runs ``command``."""
    return next((hook for hook in hooks if pre_commit.command_of(hook) == command), None)


def _formatter(
    root: Path,
    data: Mapping[str, Any],
    settings: Settings,
    requirements: frozenset[str],
    *,
    ruff_config: str | None,
    hooks: tuple[Hook, ...],
) -> Choice:
    if settings.formatter is not None:
        return Choice(settings.formatter, "[tool.taskbelt] formatter")
    finders: tuple[Callable[[], Choice | None], ...] = (
        lambda: _formatter_hook(root, hooks),
        lambda: _formatter_command(root),
        lambda: _formatter_config(root, data),
        lambda: _formatter_dependency(requirements),
    )
    for finder in finders:
        if found := finder():
            return found
    if ruff_config:
        return Choice("ruff", f"{ruff_config} configures ruff, and nothing names black")
    return Choice("black", "taskbelt's default: nothing in the repository names a formatter")


def _one(found: Mapping[str, str]) -> Choice | None:
    """The choice when exactly one formatter was named; two say nothing."""
    if len(found) != 1:
        return None
    ((tool, source),) = found.items()
    return Choice(tool, source)


def _formatter_hook(root: Path, hooks: Iterable[Hook]) -> Choice | None:
    path = pre_commit.config_path(root)
    found: dict[str, str] = {}
    for hook in hooks:
        command = pre_commit.command_of(hook)
        if path is not None and command in {"ruff format", "black"}:
            found.setdefault(command.split()[0], f"{path.name} {hook}")
    return _one(found)


def _formatter_command(root: Path) -> Choice | None:
    return _one(run_by_commands(root, _RUNS))


def _formatter_config(root: Path, data: Mapping[str, Any]) -> Choice | None:
    found: dict[str, str] = {}
    if lookup(data, "tool", "black") is not None:
        found["black"] = "pyproject.toml [tool.black]"
    if lookup(data, "tool", "ruff", "format") is not None:
        found["ruff"] = "pyproject.toml [tool.ruff.format]"
    for name in _RUFF_FILES:
        if (root / name).is_file() and "format" in read_toml(root / name):
            found.setdefault("ruff", f"{name} [format]")
    return _one(found)


def _formatter_dependency(requirements: frozenset[str]) -> Choice | None:
    if "black" in requirements:  # a project that lists both lints with ruff, formats with black
        return Choice("black", "black among the project's dependencies")
    if "ruff" in requirements:
        return Choice("ruff", "ruff among the project's dependencies, black not")
    return None


def _ruff_config(root: Path, data: Mapping[str, Any]) -> str | None:
    """Where the repository configures ruff, in ruff's own order; None if nowhere."""
    for name in _RUFF_FILES:
        if (root / name).is_file():
            return name
    return "pyproject.toml [tool.ruff]" if lookup(data, "tool", "ruff") is not None else None
