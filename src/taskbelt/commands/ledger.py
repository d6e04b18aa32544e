"""``ledger``: write the findings lint, typecheck and bandit report now into the ledger.

The checks run as ``check`` runs them (cached verdicts answer, and their
findings, known ones included, are in their details), then
``taskbelt-ledger.toml`` is written through a temporary file and a rename:

- plain ``ledger`` records every current finding: new ones are added, those
  fixed are dropped, and the entries that stay keep their reason, owner
  and date (as do the ``[[group]]`` tables);
- ``ledger --prune`` only drops fixed entries and adds nothing: the ledger
  can only shrink (the ratchet).

A check that could not look (an error, bandit's part of the audit
included) records nothing: the command stops with that check named and the
ledger as it was. A check that is skipped keeps its entries.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskbelt.errors import TaskbeltError
from taskbelt.ledger import book
from taskbelt.repository.project import Project
from taskbelt.results import CheckResult, RunSummary, Status

#: The checks whose findings the ledger holds (in the order they are listed).
CHECKS = tuple(book.TOOLS)


@dataclass(frozen=True)
class Recorded:
    """What ``ledger`` wrote, and what it changed."""

    path: Path
    ledger: book.Ledger
    added: tuple[book.Entry, ...]
    dropped: tuple[book.Entry, ...]
    #: Under ``--prune``: current findings the ledger does not hold (not added).
    left_out: int

    def lines(self) -> list[str]:
        """What to print: the count by check, and what changed."""
        counts = Counter(e.check for e in self.ledger.entries)
        by_check = ", ".join(f"{check} {counts[check]}" for check in CHECKS if counts[check])
        total = len(self.ledger.entries)
        lines = [
            f"{self.path.name}: {total} known finding{'' if total == 1 else 's'}"
            + (f" ({by_check})" if by_check else "")
        ]
        if self.added:
            lines.append(f"added {len(self.added)} (give them a reason, owner or until)")
        if self.dropped:
            lines.append(f"dropped {len(self.dropped)} fixed")
        if self.left_out:
            lines.append(
                f"not recorded: {self.left_out} new finding{'' if self.left_out == 1 else 's'}"
                " (--prune never adds; fix them, or run `mise run ledger` to record them)"
            )
        if not (self.added or self.dropped):
            lines.append("nothing changed")
        return lines


def _part(result: CheckResult) -> tuple[Status, Mapping[str, Any]]:
    """The status and details that hold ``result``'s findings (the audit's bandit part)."""
    if result.name == "audit":
        bandit = result.details.get("bandit")
        if not isinstance(bandit, Mapping):
            return result.status, {}
        return Status(str(bandit.get("status", result.status.value))), bandit
    return result.status, result.details


def current(summary: RunSummary) -> dict[str, list[book.Entry]]:
    """The findings each check reported now, as entries; a check that was skipped is absent.

    Raises:
        TaskbeltError: a check could not look (nothing is recorded from a blind scan).
    """
    found: dict[str, list[book.Entry]] = {}
    for result in summary.results:
        if result.name not in book.TOOLS:
            continue
        status, details = _part(result)
        if status is Status.SKIPPED:
            continue
        if status not in (Status.PASSED, Status.FAILED):
            raise TaskbeltError(
                f"{result.name} could not run ({result.summary}): nothing was recorded",
                f"run `mise run {result.name}` and fix that first; {book.FILE} is unchanged",
            )
        found[result.name] = [
            _entry(result.name, item)
            for item in details.get("findings", [])
            if isinstance(item, Mapping) and item.get("fingerprint")
        ]
    return found


def _entry(check: str, item: Mapping[str, Any]) -> book.Entry:
    return book.Entry(
        check=check,
        tool=str(item.get("tool")),
        rule=str(item.get("code") or item.get("test_id")),
        path=str(item.get("path") or item.get("file")),
        fingerprint=str(item["fingerprint"]),
        message=str(item.get("message") or item.get("text") or ""),
    )


def record(project: Project, summary: RunSummary, *, prune: bool = False) -> Recorded:
    """Write the ledger from ``summary``'s findings (see the module docstring)."""
    old = project.ledger
    now = current(summary)
    seen = {e.fingerprint for entries in now.values() for e in entries}
    kept = [e for e in old.entries if e.check not in now or e.fingerprint in seen]
    dropped = tuple(e for e in old.entries if e.check in now and e.fingerprint not in seen)
    fresh: dict[str, book.Entry] = {}
    for entries in now.values():
        for entry in entries:
            if old.get(entry.fingerprint) is None:
                fresh.setdefault(entry.fingerprint, entry)
    added = () if prune else tuple(fresh.values())
    ledger = book.Ledger((*kept, *added), old.groups, present=True)
    path = book.write(project.root, ledger)
    return Recorded(path, ledger, added, dropped, len(fresh) if prune else 0)
