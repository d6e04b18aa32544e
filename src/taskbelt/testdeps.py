"""Which of the project's dependency groups and extras its tests and type checker install.

``[tool.taskbelt] test-groups`` and ``test-extras`` choose; without them the
choice is the groups and extras *named* like tests or typing (``test``,
``tests``, ``testing``, ``type``, ``typing``, ``lint``, ...), and ``dev`` only where no
such group or extra exists and ``dev`` includes no other group. A group that
gathers others (platformdirs' ``dev`` includes ``docs``, whose Sphinx needs
Python 3.11) is never installed unasked: installing every group had made
each test run on 3.10 an ``error``.

When uv cannot install the chosen set, :func:`explain` turns uv's resolver
message into one line naming the group (and the group that included it), the
Python and the requirement as written, and a fix.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from taskbelt.config import TABLE, Settings
from taskbelt.errors import ConfigError

TEST_NAMES = ("test", "tests", "testing")
#: ``lint`` too: where many repositories keep mypy and the stub packages it needs.
TYPING_NAMES = ("type", "types", "typing", "typecheck", "type-check", "mypy", "lint")
#: The group uv puts ``uv add --dev`` in: the test dependencies where nothing is named so.
DEV = "dev"


@dataclass(frozen=True)
class Choice:
    """The groups and extras installed with the project, and who chose them."""

    groups: tuple[str, ...]
    extras: tuple[str, ...]
    #: True when ``test-groups`` / ``test-extras`` chose; False for the default.
    configured: bool

    def describe(self) -> str:
        """``groups test, type; extras none``, for messages."""
        groups = ", ".join(self.groups) or "none"
        extras = ", ".join(self.extras) or "none"
        return f"groups {groups}; extras {extras}"


def groups_of(data: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``[dependency-groups]`` as written."""
    groups = data.get("dependency-groups") or {}
    return dict(groups) if isinstance(groups, Mapping) else {}


def extras_of(data: Mapping[str, Any]) -> dict[str, list[Any]]:
    """``[project.optional-dependencies]`` as written."""
    project = data.get("project") or {}
    extras = project.get("optional-dependencies") if isinstance(project, Mapping) else None
    return dict(extras) if isinstance(extras, Mapping) else {}


def _norm(name: str) -> str:
    return str(canonicalize_name(name))


def _includes(items: Sequence[Any]) -> list[str]:
    return [
        str(i["include-group"]) for i in items if isinstance(i, Mapping) and "include-group" in i
    ]


def _chosen(names: Sequence[str], wanted: Sequence[str], key: str, kind: str) -> tuple[str, ...]:
    """``wanted`` as the project spells them; a name it does not define is a ConfigError."""
    by_norm = {_norm(name): name for name in names}
    found = []
    for name in wanted:
        if _norm(name) not in by_norm:
            known = ", ".join(names) or "none"
            raise ConfigError(
                f"{TABLE} {key} names {name!r}, which pyproject.toml does not define as {kind}",
                f"choose from: {known}",
            )
        found.append(by_norm[_norm(name)])
    return tuple(found)


def choose(data: Mapping[str, Any], settings: Settings) -> Choice:
    """What the test and type-check environments install besides the project.

    Raises:
        ConfigError: ``test-groups`` or ``test-extras`` names what the project lacks.
    """
    groups, extras = groups_of(data), extras_of(data)
    named = (*TEST_NAMES, *TYPING_NAMES)
    if settings.test_groups is not None:
        chosen_groups = _chosen(list(groups), settings.test_groups, "test-groups", "a group")
    else:
        chosen_groups = tuple(g for g in groups if _norm(g) in named)
    if settings.test_extras is not None:
        chosen_extras = _chosen(list(extras), settings.test_extras, "test-extras", "an extra")
    else:
        chosen_extras = tuple(e for e in extras if _norm(e) in named)
    testing = any(_norm(n) in TEST_NAMES for n in (*groups, *extras))
    if settings.test_groups is None and not testing:
        dev = next((g for g in groups if _norm(g) == DEV), None)
        if dev is not None and not _includes(groups[dev]):
            chosen_groups = (*chosen_groups, dev)
    configured = settings.test_groups is not None or settings.test_extras is not None
    return Choice(chosen_groups, chosen_extras, configured)


@dataclass(frozen=True)
class Source:
    """Where one requirement is written: ``group docs (included by dev)``."""

    text: str
    where: str


def sources(data: Mapping[str, Any], choice: Choice) -> Iterator[Source]:
    """Every requirement the choice installs, with where it is written; groups first."""
    groups = {_norm(name): (name, items) for name, items in groups_of(data).items()}

    def walk(name: str, via: str, seen: frozenset[str]) -> Iterator[Source]:
        real, items = groups.get(_norm(name), (name, []))
        where = f"group {real}" + (f" (included by {via})" if via else "")
        for item in items:
            if isinstance(item, str):
                yield Source(item, where)
            elif _norm(inner := str(dict(item).get("include-group", ""))) not in seen:
                yield from walk(inner, via or real, seen | {_norm(inner)})

    for group in choice.groups:
        yield from walk(group, "", frozenset({_norm(group)}))
    extras = extras_of(data)
    for extra in choice.extras:
        yield from (Source(str(t), f"extra {extra}") for t in extras.get(extra, []))
    project = data.get("project")
    runtime = project.get("dependencies") if isinstance(project, Mapping) else None
    yield from (Source(str(text), "[project] dependencies") for text in runtime or [])


def _spellings(text: str) -> list[str]:
    try:
        normal = str(Requirement(text))
    except InvalidRequirement:
        return [text]
    return list(dict.fromkeys((text, normal, normal.split(";", maxsplit=1)[0].strip())))


def explain(
    data: Mapping[str, Any], choice: Choice, python: str, output: str
) -> tuple[str, str] | None:
    """Cause and fix for uv's "no solution" ``output``, if it names a chosen requirement."""
    for source in sources(data, choice):
        if not any(spelling in output for spelling in _spellings(source.text)):
            continue
        cause = (
            f"the test dependencies cannot be installed on Python {python}: "
            f"{source.where} requires {source.text}, which uv cannot satisfy there"
        )
        if source.where.startswith("[project]"):
            fix = (
                f"give {source.text} a marker for the Pythons it supports, or raise "
                "requires-python; `[tool.taskbelt] python` limits the matrix"
            )
        elif choice.configured:
            fix = (
                f"leave that group out of {TABLE} test-groups (now {choice.describe()}), "
                f"or give {source.text} a marker such as ; python_version >= '3.x'"
            )
        else:
            fix = (
                f"choose what the tests need with {TABLE} test-groups = [...] "
                f"(now {choice.describe()}), or give {source.text} a marker"
            )
        return cause, fix
    return None
