"""Findings against the ledger: new, known, or known but past the entry's ``until``.

A finding whose fingerprint has an entry is known and does not fail its
check; one without is new. An entry whose ``until`` has passed no longer
covers its finding: it counts as new again, and its reason is shown. An
entry of the check and tool whose finding is gone is fixed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from taskbelt.ledger.book import Entry, Ledger, Why

NEW = "new"
KNOWN = "known"
#: An entry whose finding is gone (the JSON report's state of a fixed entry).
FIXED = "fixed"


@dataclass(frozen=True)
class Judged:
    """The state of each finding, in the order given, and the entries nothing matched."""

    #: ``new`` or ``known``, one per fingerprint.
    states: tuple[str, ...]
    #: Findings counted new because their entry expired: index -> the entry's reason, owner, until.
    expired: dict[int, Why]
    #: Entries of the check and tools that no finding matched.
    fixed: tuple[Entry, ...]

    @property
    def new(self) -> int:
        """How many findings count."""
        return self.states.count(NEW)

    @property
    def known(self) -> int:
        """How many findings the ledger covers."""
        return self.states.count(KNOWN)


def judge(
    ledger: Ledger,
    check: str,
    tools: Iterable[str],
    fingerprints: Sequence[str],
    today: dt.date | None = None,
) -> Judged:
    """Each fingerprint's state against ``ledger`` (see the module docstring)."""
    day = today or dt.date.today()
    states, expired = [], {}
    for at, fingerprint in enumerate(fingerprints):
        entry = ledger.get(fingerprint)
        why = None if entry is None or entry.check != check else ledger.why(entry)
        if why is None or why.expired(day):
            states.append(NEW)
            if why is not None:
                expired[at] = why
        else:
            states.append(KNOWN)
    found = set(fingerprints)
    fixed = tuple(e for e in ledger.of(check, tools) if e.fingerprint not in found)
    return Judged(tuple(states), expired, fixed)


def expired_untils(ledger: Ledger, today: dt.date | None = None) -> list[str]:
    """The ``until`` dates of the ledger that have passed (a cache key changes when one does)."""
    day = today or dt.date.today()
    dates = {w.until for w in map(ledger.why, ledger.entries) if w.until and w.expired(day)}
    return sorted(d.isoformat() for d in dates)
