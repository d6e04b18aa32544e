"""Findings against the ledger: new, known, expired, and entries fixed."""

from __future__ import annotations

import datetime as dt

from taskbelt.ledger import book
from taskbelt.ledger.judge import expired_untils, judge

TODAY = dt.date(2026, 12, 7)


def entry(fingerprint: str, check: str = "lint", **kw: object) -> book.Entry:
    tool = {"lint": "ruff", "typecheck": "mypy", "audit": "bandit"}[check]
    return book.Entry(
        check=check, tool=tool, rule="R", path="a.py", fingerprint=fingerprint, **kw  # type: ignore[arg-type]
    )


def test_known_new_and_fixed() -> None:
    ledger = book.Ledger((entry("a"), entry("gone"), entry("t", "typecheck")), present=True)
    judged = judge(ledger, "lint", ["ruff"], ["a", "b"], TODAY)
    assert judged.states == ("known", "new")
    assert (judged.new, judged.known) == (1, 1)
    assert [e.fingerprint for e in judged.fixed] == ["gone"], "another check's entry is not fixed"


def test_an_entry_of_another_check_does_not_cover_a_finding() -> None:
    ledger = book.Ledger((entry("a", "typecheck"),), present=True)
    assert judge(ledger, "lint", ["ruff"], ["a"], TODAY).states == ("new",)


def test_an_entry_past_its_until_counts_new_with_its_reason() -> None:
    ledger = book.Ledger(
        (entry("a", until=dt.date(2026, 12, 6), reason="waits for v2"), entry("b")),
        (book.Group(until=dt.date(2026, 12, 7)),),
        present=True,
    )
    judged = judge(ledger, "lint", ["ruff"], ["a", "b"], TODAY)
    assert judged.states == ("new", "known"), "an until of today still holds"
    assert judged.expired[0].reason == "waits for v2"
    assert expired_untils(ledger, TODAY) == ["2026-12-06"]
    assert expired_untils(ledger, dt.date(2026, 12, 8)) == ["2026-12-06", "2026-12-07"]
