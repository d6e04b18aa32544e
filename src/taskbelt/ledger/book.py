"""The ledger file: ``taskbelt-ledger.toml`` at the repository root, read, validated, written.

One ``[[finding]]`` table per known finding: its check, tool, rule, path,
fingerprint (:mod:`taskbelt.ledger.fingerprint`) and message, and optionally
a ``reason``, an ``owner`` and an ``until`` date. A ``[[group]]`` table gives
those three to every finding it selects (by ``check``, ``tool``, ``rule``
and a ``path`` glob); a finding's own values win over its group's. The
``[coverage]`` table holds each measured file's coverage floor (its figure
when recorded, rounded down to a whole percent).

The file is validated when it is read (pydantic): a file that does not
parse, an entry for a check or tool that does not exist, a file written by
a newer taskbelt, or two entries with one fingerprint is an error naming the
entry, and nothing is written. Writes go through a temporary file and a
rename, entries sorted by path, check and rule so that a change to the
ledger reads as a small diff; the groups, reasons, owners and dates the
file had are kept.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import tomlkit
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from taskbelt import defaults
from taskbelt.errors import ConfigError
from taskbelt.files import write_atomic

#: The file's name, at the repository root.
FILE = defaults.LEDGER_FILE
#: The format this taskbelt writes and reads; a higher one is a newer taskbelt's.
VERSION = 1
#: The checks whose findings the ledger holds, and the tools that report them.
TOOLS: Mapping[str, frozenset[str]] = {
    "lint": frozenset({"ruff"}),
    "typecheck": frozenset({"mypy", "pyright", "basedpyright", "ty", "pyrefly"}),
    "audit": frozenset({"bandit", "detect-secrets"}),
}
#: The checks whose verdict the ledger changes: those whose findings it holds, and
#: the coverage gate (each file's floor).
JUDGED = frozenset({*TOOLS, "coverage"})
_REDO = f"fix it by hand, or delete {FILE} and record it again with `mise run ledger`"
_HEADER = (
    "taskbelt's debt ledger: the findings this repository knows of and carries on purpose.",
    "`mise run check` fails only on findings that are not listed here.",
    "Record the current findings: mise run ledger   (drop fixed ones only: -- --prune)",
    "Give a [[finding]] or a [[group]] (check, tool, rule, path glob) a reason, owner, until.",
    "[coverage]: each file's coverage floor (a whole percent); it may not drop below it.",
)


class _Why(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reason: str | None = None
    owner: str | None = None
    until: dt.date | None = None


class Entry(_Why):
    """One known finding."""

    check: str = Field(min_length=1)
    tool: str = Field(min_length=1)
    rule: str = Field(min_length=1)
    path: str = Field(min_length=1)
    fingerprint: str = Field(min_length=1)
    message: str = ""


class Group(_Why):
    """A reason, owner or date for every finding that matches its selectors."""

    check: str | None = None
    tool: str | None = None
    rule: str | None = None
    #: A glob (``fnmatch``): ``src/legacy/*``.
    path: str | None = None

    def selects(self, entry: Entry) -> bool:
        """Whether ``entry`` is one of this group's."""
        return (
            self.check in (None, entry.check)
            and self.tool in (None, entry.tool)
            and self.rule in (None, entry.rule)
            and (self.path is None or fnmatch.fnmatchcase(entry.path, self.path))
        )


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    version: int = VERSION
    groups: tuple[Group, ...] = Field(default=(), alias="group")
    entries: tuple[Entry, ...] = Field(default=(), alias="finding")
    floors: dict[Annotated[str, Field(min_length=1)], Annotated[int, Field(ge=0, le=100)]] = Field(
        default_factory=dict, alias="coverage"
    )


@dataclass(frozen=True)
class Why:
    """The reason, owner and date that apply to an entry (its own, else its group's)."""

    reason: str | None = None
    owner: str | None = None
    until: dt.date | None = None

    def expired(self, today: dt.date) -> bool:
        """Whether ``until`` has passed: the entry's findings count as new again."""
        return self.until is not None and self.until < today


@dataclass(frozen=True)
class Ledger:
    """The entries of a ledger file (none when the repository has no ledger)."""

    entries: tuple[Entry, ...] = ()
    groups: tuple[Group, ...] = ()
    #: Whether the file exists (an empty ledger and no ledger read alike).
    present: bool = False
    #: Each file's coverage floor, a whole percent (``[coverage]``: path = floor).
    floors: Mapping[str, int] = field(default_factory=dict)
    _index: dict[str, Entry] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update((e.fingerprint, e) for e in self.entries)

    def get(self, fingerprint: str) -> Entry | None:
        """The entry with ``fingerprint``, if any."""
        return self._index.get(fingerprint)

    def of(self, check: str, tools: Iterable[str] | None = None) -> list[Entry]:
        """The entries of ``check`` (and of ``tools``, when given)."""
        wanted = None if tools is None else set(tools)
        return [
            e for e in self.entries if e.check == check and (wanted is None or e.tool in wanted)
        ]

    def why(self, entry: Entry) -> Why:
        """``entry``'s reason, owner and until: its own, else the first group's that selects it."""
        groups = [g for g in self.groups if g.selects(entry)]

        def first(name: str) -> Any:
            own = getattr(entry, name)
            return (
                own
                if own is not None
                else next((getattr(g, name) for g in groups if getattr(g, name) is not None), None)
            )

        return Why(first("reason"), first("owner"), first("until"))


def path(root: Path) -> Path:
    """Where ``root``'s ledger is."""
    return root / FILE


def digest(root: Path) -> str:
    """A hash of ``root``'s ledger file as it is ("" without one): a verdict's input."""
    try:
        return hashlib.sha256(path(root).read_bytes()).hexdigest()
    except FileNotFoundError:
        return ""


def load(root: Path) -> Ledger:
    """``root``'s ledger, validated; an empty one when there is no file.

    Raises:
        ConfigError: the file does not parse or breaks a rule (see the module docstring).
    """
    try:
        text = path(root).read_text(encoding="utf-8")
    except FileNotFoundError:
        return Ledger()
    return parse(text)


def parse(text: str) -> Ledger:
    """The ledger ``text`` holds, validated (:func:`load` of a file's text, or of a commit's).

    Raises:
        ConfigError: the text does not parse or breaks a rule (see the module docstring).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{FILE} is not valid TOML: {exc}", _REDO) from None
    version = data.get("version", VERSION)
    if isinstance(version, int) and version > VERSION:
        raise ConfigError(
            f"{FILE} was written by a newer taskbelt (ledger version {version}; "
            f"this taskbelt reads version {VERSION})",
            "update taskbelt (mise run update), or record the ledger again with this one",
        )
    try:
        model = _File.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{FILE}: {_first_error(exc, data)}", _REDO) from None
    _check_entries(model.entries)
    return Ledger(model.entries, model.groups, present=True, floors=dict(model.floors))


def _first_error(exc: ValidationError, data: Mapping[str, Any]) -> str:
    """The first problem, naming the entry (``finding 3 (src/a.py)``) and the key."""
    error = exc.errors()[0]
    where = [*error["loc"], None]
    if where[0] in ("finding", "group") and isinstance(where[1], int):
        table, at = str(where[0]), where[1]
        items = data.get(table)
        item = items[at] if isinstance(items, list) and at < len(items) else {}
        named = f" ({item['path']})" if isinstance(item, Mapping) and item.get("path") else ""
        key = ".".join(map(str, where[2:-1]))
        return f"{table} {at + 1}{named}: {key + ': ' if key else ''}{error['msg']}"
    return f"{'.'.join(map(str, where[:-1])) or 'the file'}: {error['msg']}"


def _check_entries(entries: Sequence[Entry]) -> None:
    """Each entry names a check and tool that exist, and no two share a fingerprint."""
    seen: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        tools = TOOLS.get(entry.check)
        if tools is None:
            raise ConfigError(
                f"{FILE}: finding {number} ({entry.path}): no check {entry.check!r} "
                "keeps findings in the ledger",
                f"use one of {', '.join(TOOLS)}; {_REDO}",
            )
        if entry.tool not in tools:
            raise ConfigError(
                f"{FILE}: finding {number} ({entry.path}): {entry.check} has no tool "
                f"{entry.tool!r}",
                f"use one of {', '.join(sorted(tools))}; {_REDO}",
            )
        if entry.fingerprint in seen:
            raise ConfigError(
                f"{FILE}: findings {seen[entry.fingerprint]} and {number} have the same "
                f"fingerprint {entry.fingerprint}",
                f"remove one of them; {_REDO}",
            )
        seen[entry.fingerprint] = number


#: The order of a table's keys in the file: what it is, then why it is carried.
_KEY_ORDER = ("check", "tool", "rule", "path", "fingerprint", "message", "reason", "owner", "until")


def _order(entry: Entry) -> tuple[str, str, str, str, str]:
    return (entry.path, entry.check, entry.tool, entry.rule, entry.fingerprint)


def render(ledger: Ledger) -> str:
    """The file's text: the header, ``version``, the groups, then the entries in order."""
    document = tomlkit.document()
    for line in _HEADER:
        document.add(tomlkit.comment(line))
    document.add("version", VERSION)
    for name, items in (("group", ledger.groups), ("finding", sorted(ledger.entries, key=_order))):
        if not items:
            continue
        tables = tomlkit.aot()
        for item in items:
            table = tomlkit.table()
            values = item.model_dump(exclude_none=True)
            for key in sorted(values, key=_KEY_ORDER.index):
                table.add(key, values[key])
            tables.append(table)
        document.add(name, tables)
    if ledger.floors:
        floors = tomlkit.table()
        for where in sorted(ledger.floors):
            floors.add(where, ledger.floors[where])
        document.add("coverage", floors)
    return tomlkit.dumps(document)


def write(root: Path, ledger: Ledger) -> Path:
    """Write ``ledger`` to ``root``'s file atomically; the path written."""
    where = path(root)
    write_atomic(where, render(ledger))
    return where
