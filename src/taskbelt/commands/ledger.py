"""``ledger``: write the findings lint, typecheck, bandit and the secrets scan report into the ledger.

The checks run as ``check`` runs them (cached verdicts answer, and their
findings, known ones included, are in their details), then
``taskbelt-ledger.toml`` is written through a temporary file and a rename:

- plain ``ledger`` records every current finding: new ones are added, those
  fixed are dropped, and the entries that stay keep their reason, owner
  and date (as do the ``[[group]]`` tables);
- ``ledger --prune`` only drops fixed entries and adds nothing: the ledger
  can only shrink (the ratchet).

A check that could not look (an error, bandit's or the secrets scan's
part of the audit included) records nothing: the command stops with that check named and the
ledger as it was. A check that is skipped keeps its entries.

It also runs the tests and the coverage gate (cached verdicts answer) and
records each measured file's coverage floor: its figure, rounded down to a
whole percent. ``--prune`` only drops the floors of files no longer
measured; where the gate gave no figures the floors stay as they were.

``ledger --import-baselines`` runs the type checkers with their own
baselines set aside (basedpyright's, pyrefly's, mypy-baseline's), so the
errors those list are recorded too; the repository then deletes them, or
the errors the ledger holds would be hidden by both and count as fixed.
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskbelt.checks.typecheck.check import baseline_files
from taskbelt.errors import TaskbeltError
from taskbelt.ledger import book
from taskbelt.output.words import plural
from taskbelt.repository.project import Project
from taskbelt.results import CheckResult, RunSummary, Status

#: The checks whose findings the ledger holds (in the order they are listed).
CHECKS = tuple(book.TOOLS)
#: What ``ledger`` runs: those, and the tests with the coverage gate (each file's floor).
RUN = (*CHECKS, "test")


@dataclass(frozen=True)
class Recorded:
    """What ``ledger`` wrote, and what it changed."""

    path: Path
    ledger: book.Ledger
    added: tuple[book.Entry, ...]
    dropped: tuple[book.Entry, ...]
    #: Under ``--prune``: current findings the ledger does not hold (not added).
    left_out: int
    #: What became of the coverage floors (a line to print).
    floors: str = ""
    #: The coverage gate ran but gave no per-file figures: it gives them only where a
    #: ledger exists, so a first recording runs the gate once more (see :data:`WANTS`).
    wants_figures: bool = False

    def with_floors(self, later: Recorded) -> Recorded:
        """This recording's changes with the floors a later run of the gate recorded."""
        return dataclasses.replace(
            self, ledger=later.ledger, floors=later.floors, wants_figures=later.wants_figures
        )

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
            lines.append("no finding added or dropped")
        if self.floors:
            lines.append(self.floors)
        return lines


#: The audit's parts whose findings the ledger holds: bandit's and the secrets scan's.
_AUDIT_PARTS = ("bandit", "secrets")


def _part(result: CheckResult) -> tuple[Status, Mapping[str, Any]]:
    """The status and details that hold ``result``'s findings (the audit: its scans of the code).

    The audit's status here is its worst part's of those two: a part that
    could not look makes the whole recording refuse.
    """
    if result.name != "audit":
        return result.status, result.details
    parts = [result.details.get(name) for name in _AUDIT_PARTS]
    found = [part for part in parts if isinstance(part, Mapping)]
    if not found:
        return result.status, {}
    statuses = [Status(str(part.get("status", result.status.value))) for part in found]
    status = next((s for s in statuses if s not in (Status.PASSED, Status.FAILED)), statuses[0])
    return status, {"findings": [item for part in found for item in part.get("findings", [])]}


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


#: What :func:`floors` says where the gate gave no per-file figures though it ran:
#: the coverage gate reports them only where a ledger exists (they cost it time),
#: so the first recording writes the ledger, then runs the gate once more.
WANTS = "coverage floors: the gate runs once more for each file's figure"


def floors(
    old: Mapping[str, int], summary: RunSummary, *, prune: bool
) -> tuple[dict[str, int], str]:
    """Each measured file's floor (its figure rounded down), and a line saying what changed.

    Where the coverage gate gave no figures (it could not run, or was not
    asked for), the floors stay as they were. ``prune`` drops the floors of
    files no longer measured and changes no other.
    """
    row = next((r for r in summary.results if r.name == "coverage"), None)
    figures = row.details.get("files") if row is not None else None
    if row is not None and row.status in (Status.PASSED, Status.FAILED) and figures is None:
        return dict(old), WANTS
    if (
        row is None
        or row.status not in (Status.PASSED, Status.FAILED)
        or not isinstance(figures, Mapping)
    ):
        why = row.summary if row is not None else "it did not run"
        return dict(old), f"coverage floors kept as they were: no figures ({why})" if old else ""
    if prune:
        kept = {path: floor for path, floor in old.items() if path in figures}
        gone = len(old) - len(kept)
        return kept, f"coverage floors: dropped {gone} of files no longer measured" if gone else ""
    now = {str(path): math.floor(float(figure)) for path, figure in figures.items()}
    raised = sum(1 for p, f in now.items() if p in old and f > old[p])
    lowered = sum(1 for p, f in now.items() if p in old and f < old[p])
    changed = f" (raised {raised}, lowered {lowered})" if raised or lowered else ""
    return now, f"coverage floors: {plural(len(now), 'file')}{changed}"


def record(project: Project, summary: RunSummary, *, prune: bool = False) -> Recorded:
    """Write the ledger from ``summary``'s findings and figures (see the module docstring)."""
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
    floored, said = floors(old.floors, summary, prune=prune)
    ledger = book.Ledger((*kept, *added), old.groups, present=True, floors=floored)
    path = book.write(project.root, ledger)
    wants = said == WANTS
    return Recorded(path, ledger, added, dropped, len(fresh) if prune else 0, said, wants)


def imported(project: Project) -> list[str]:
    """What ``--import-baselines`` says: each checker baseline now in the ledger, to delete."""
    return [
        f"imported the type errors {project.relative(path)} lists: delete it, and the setting "
        "that names it, now that the ledger holds them (both would hide them, and the ledger "
        "would call them fixed)"
        for path in baseline_files(project)
    ]
