"""Which of the project's dependency groups and extras its tests and type checker install.

``[tool.taskbelt] test-groups`` and ``test-extras`` choose for both. Without
them the tests get what the repository's own test command installs: the
tox environment that runs pytest (its ``extras``, ``dependency_groups`` and
``deps``, as tox resolves them: :mod:`taskbelt.repository.tox_config`), else the nox
session that does (what its ``session.install`` calls name, as nox's own
loader and a recorder find them: :mod:`taskbelt.repository.nox_config`); else the groups
and extras *named* like tests (``test``, ``tests``, ``testing``); else
``dev``, where ``dev`` includes no other group. The type checker gets the
same and the groups and extras named like typing (``type``, ``typing``,
``mypy``, ``lint``, ...), which stay out of the tests. A group that gathers
others (platformdirs' ``dev`` includes ``docs``, whose Sphinx needs Python
3.11) is never installed unasked: installing every group had made each test
run on 3.10 an ``error``.

When uv cannot install the chosen set, :func:`explain` turns uv's resolver
message into one line naming the group (and the group that included it), the
Python and the requirement as written, and a fix.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from taskbelt.errors import ConfigError
from taskbelt.repository.tox_config import ToxEnv
from taskbelt.settings.model import TABLE, Settings

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
    #: Requirements installed besides the groups and extras (a tox environment's ``deps``).
    requirements: tuple[str, ...] = ()
    #: The repository's test command that chose (``tox env py312``), or "".
    chosen_by: str = ""

    def describe(self) -> str:
        """``groups test, type; extras none``, for messages."""
        groups = ", ".join(self.groups) or "none"
        extras = ", ".join(self.extras) or "none"
        described = f"groups {groups}; extras {extras}"
        if self.requirements:
            described += f"; deps {', '.join(self.requirements)}"
        return described + (f" ({self.chosen_by})" if self.chosen_by else "")


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


@dataclass(frozen=True)
class TestCommand:
    """What the repository's own test command installs: a tox environment or a nox session."""

    #: ``tox env py312``, ``nox session tests-3.12``.
    name: str
    extras: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    #: Requirement lines (``freezegun``, ``-r requirements-test.txt``).
    deps: tuple[str, ...] = ()

    @classmethod
    def of_tox(cls, env: ToxEnv) -> TestCommand:
        """A tox environment's ``extras``, ``dependency_groups`` and ``deps``."""
        return cls(f"tox env {env.name}", env.extras, env.dependency_groups, env.deps)


def _no_command() -> TestCommand | None:
    return None


def choose(
    data: Mapping[str, Any],
    settings: Settings,
    command: Callable[[], TestCommand | None] = _no_command,
    *,
    typing: bool = False,
) -> Choice:
    """What the test environments (or, ``typing``, the type checker's) install besides the project.

    The settings choose for both. Else the tests get what the repository's
    own test command installs (``command``: the tox environment or nox
    session that runs pytest), else the groups and extras named like tests,
    else ``dev``; the
    type checker gets that and the groups and extras named like typing. A
    typing group stays out of the tests: a ``mypy`` group bringing
    pytest-mypy-plugins ran its cases on every Python, before coverage.

    Raises:
        ConfigError: ``test-groups`` or ``test-extras`` names what the project lacks.
    """
    groups, extras = groups_of(data), extras_of(data)
    named = (*TEST_NAMES, *TYPING_NAMES) if typing else TEST_NAMES
    if settings.test_groups is not None or settings.test_extras is not None:
        return Choice(
            (
                _chosen(list(groups), settings.test_groups, "test-groups", "a group")
                if settings.test_groups is not None
                else tuple(g for g in groups if _norm(g) in named)
            ),
            (
                _chosen(list(extras), settings.test_extras, "test-extras", "an extra")
                if settings.test_extras is not None
                else tuple(e for e in extras if _norm(e) in named)
            ),
            configured=True,
        )
    tests = _for_tests(groups, extras, command)
    if not typing:
        return tests
    return dataclasses.replace(
        tests,
        groups=tuple(
            dict.fromkeys((*tests.groups, *(g for g in groups if _norm(g) in TYPING_NAMES)))
        ),
        extras=tuple(
            dict.fromkeys((*tests.extras, *(e for e in extras if _norm(e) in TYPING_NAMES)))
        ),
    )


def _for_tests(
    groups: Mapping[str, Any],
    extras: Mapping[str, Any],
    command: Callable[[], TestCommand | None],
) -> Choice:
    """What the test command installs; else the groups and extras named like tests; else ``dev``."""
    env = command()
    if env is not None:
        env_groups = [g for g in groups if _norm(g) in {_norm(n) for n in env.groups}]
        env_extras = [e for e in extras if _norm(e) in {_norm(n) for n in env.extras}]
        requirements = tuple(dep for dep in env.deps if not _installs_the_project(dep))
        if env_groups or env_extras or requirements:
            return Choice(
                tuple(env_groups),
                tuple(env_extras),
                configured=False,
                requirements=requirements,
                chosen_by=env.name,
            )
    chosen_groups = tuple(g for g in groups if _norm(g) in TEST_NAMES)
    chosen_extras = tuple(e for e in extras if _norm(e) in TEST_NAMES)
    if not chosen_groups and not chosen_extras:
        dev = next((g for g in groups if _norm(g) == DEV), None)
        if dev is not None and not _includes(groups[dev]):
            chosen_groups = (dev,)
    return Choice(chosen_groups, chosen_extras, configured=False)


def _installs_the_project(dep: str) -> bool:
    """``.``, ``-e .``: a tox ``deps`` line installing the project, which taskbelt installs itself."""
    return dep.replace("-e", "", 1).strip() in {".", "./"}


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
    for text in choice.requirements:
        yield Source(text, f"{choice.chosen_by} deps")
    project = data.get("project")
    runtime = project.get("dependencies") if isinstance(project, Mapping) else None
    yield from (Source(str(text), "[project] dependencies") for text in runtime or [])


#: uv's words for a requirement no index has (not a Python-version matter).
_NOT_IN_INDEX = re.compile(
    r"Because (?P<name>[A-Za-z0-9._-]+) was not found in the package registry"
)


def _name_of(text: str) -> str:
    try:
        return Requirement(text).name
    except InvalidRequirement:
        return text


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
    absent = _NOT_IN_INDEX.search(output)
    for source in sources(data, choice):
        if not any(spelling in output for spelling in _spellings(source.text)):
            continue
        if absent is not None and _norm(absent["name"]) == _norm(_name_of(source.text)):
            return (
                f"the test dependencies cannot be installed: {source.where} requires "
                f"{source.text}, and the package index has no {absent['name']}",
                "check the name, or point uv at the index that has it "
                "(UV_INDEX_URL, or [[tool.uv.index]] in pyproject.toml)",
            )
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
