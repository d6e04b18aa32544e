"""Every check taskbelt knows, in the order the summary lists them.

An explicit list of the checks' declarations (``CHECK``, a
:class:`~taskbelt.checks.interface.Check` in each check's module), as
pre-commit lists its languages: a new check is one module plus one line
here. A repository's own noxfile, or a test, adds a check of its own with
:func:`register` (and takes it out again with :func:`unregister`).

Names: a check's own name (``lint``), its :attr:`~Check.alone` name
(``pytest``), one Python's session of a per-Python check (``test-3.12``),
and ``check``, which is every check that :attr:`~Check.in_check`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from taskbelt.checks import coverage, fix, formatting
from taskbelt.checks.audit import check as audit
from taskbelt.checks.interface import Check
from taskbelt.checks.lint import check as lint
from taskbelt.checks.pytest import check as test
from taskbelt.checks.typecheck import check as typecheck
from taskbelt.errors import ConfigError
from taskbelt.settings import toml_tables
from taskbelt.settings.model import TABLE, Settings

#: The checks taskbelt ships, in summary order. A plain tuple of the modules'
#: declarations, so mypy sees each one and the first import finds a broken one.
BUILT_IN: tuple[Check, ...] = (
    lint.CHECK,
    formatting.CHECK,
    typecheck.CHECK,
    test.CHECK,
    coverage.CHECK,
    audit.CHECK,
    fix.CHECK,
)
#: The name that means every check of :func:`in_check`.
ALL = "check"

_checks: dict[str, Check] = {check.name: check for check in BUILT_IN}


def checks() -> tuple[Check, ...]:
    """Every check, in summary order (those added by :func:`register` last)."""
    return tuple(_checks.values())


def register(check: Check) -> None:
    """Add ``check`` (a repository's own, or a test's); its name must be new."""
    if check.name in _checks or check.name == ALL:
        msg = f"a check named {check.name!r} is registered already"
        raise ValueError(msg)
    _checks[check.name] = check


def unregister(name: str) -> None:
    """Take out a check added by :func:`register` (one of :data:`BUILT_IN` stays)."""
    if all(check.name != name for check in BUILT_IN):
        _checks.pop(name, None)


def get(name: str) -> Check | None:
    """The check named ``name`` (its own name only), or None."""
    return _checks.get(name)


def in_check() -> tuple[str, ...]:
    """What ``taskbelt check`` runs: every check but those that write files."""
    return tuple(c.name for c in checks() if c.in_check)


def names() -> tuple[str, ...]:
    """Every name ``taskbelt run`` takes besides one Python's session."""
    found: list[str] = []
    for check in checks():
        found.append(check.name)
        if check.alone is not None:
            found.append(check.alone)
    return tuple(found)


def check_settings(settings: Settings) -> None:
    """The settings that name checks name checks this registry has.

    ``timeout``'s keys and ``skip``'s entries are checks' own names; the
    settings model cannot know them (the checks import it), so the doors
    that load a project call this before they plan.

    Raises:
        ConfigError: a name is no check's; the fix suggests the nearest one.
    """
    own = [c.name for c in checks()]
    known = {name: name for name in ("default", *own)}
    for key in settings.timeout.checks:
        if key not in known:
            raise toml_tables.unknown_key("tool.taskbelt.timeout", key, known)
    for name in settings.skip:
        if name not in own:
            hint = toml_tables.nearest(name, own, "checks")
            raise ConfigError(f"{TABLE} skip: {name!r} is not a check", hint)


def skipped_because(check: Check, skip: Collection[str]) -> str | None:
    """Why ``check`` does not run under ``skip``, or None when it runs.

    A check that waits for a skipped one is skipped with it (``coverage``
    has no data without ``test``).
    """
    if check.name in skip:
        return f"skipped by {TABLE} skip"
    before = [name for name in check.after if name in skip]
    if before:
        return f"skipped: it needs {before[0]}, which {TABLE} skip switches off"
    return None


@dataclass(frozen=True)
class Asked:
    """What one name a user typed asks for."""

    check: Check
    #: ``test-3.12``: that Python only.
    version: str | None = None
    #: ``pytest``: the per-Python sessions without what follows them.
    alone: bool = False


_SESSION = re.compile(r"(?P<name>.+)-(?P<version>\d+\.\d+)")


def resolve(name: str) -> Asked | None:
    """What ``name`` asks for; None when it names no check."""
    for check in checks():
        if name == check.name:
            return Asked(check)
        if name == check.alone:
            return Asked(check, alone=True)
    match = _SESSION.fullmatch(name)
    if match:
        own = get(match["name"])
        if own is not None and own.per_python:
            return Asked(own, version=match["version"])
    return None


def unknown(name: str) -> ConfigError:
    """The usage error for ``name``, which no check has, with the nearest that one has."""
    per_python = [f"{c.name}-3.X" for c in checks() if c.per_python]
    hint = toml_tables.nearest(name, [*names(), *per_python], "checks")
    return ConfigError(f"unknown check {name!r}", f"{hint} (`taskbelt --help` lists them)")


def expand(names: list[str] | tuple[str, ...]) -> list[str]:
    """``names`` with :data:`ALL` replaced by the checks it means."""
    found: list[str] = []
    for name in names:
        found += in_check() if name == ALL else [name]
    return list(dict.fromkeys(found))


def followers(check: Check) -> list[Check]:
    """The checks planned after ``check`` when it is asked for by name (``test``: coverage)."""
    return [c for c in checks() if c.follows and check.name in c.after]
