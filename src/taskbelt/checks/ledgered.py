"""A check's findings judged against the repository's ledger: what fails is only what is new.

Lint, typecheck and bandit report findings; each one gets its tool, its
fingerprint (:mod:`taskbelt.ledger.fingerprint`) and its state against the
ledger (:mod:`taskbelt.ledger.judge`). Without a ledger file every finding
is new and the check words its verdict as it always did; with one, the
summary counts both kinds: ``3 new, 212 known``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from taskbelt.checks.base import CheckContext, Finding
from taskbelt.ledger.fingerprint import Lines, Spot, fingerprints
from taskbelt.ledger.judge import KNOWN, NEW, Judged, judge
from taskbelt.output.words import plural


@dataclass(frozen=True)
class Sorted:
    """A check's findings, each judged, and what the verdict says of the ledger."""

    #: Every finding, with its tool, fingerprint and state, in the order reported.
    all: tuple[Finding, ...]
    judged: Judged
    #: Whether the repository keeps a ledger.
    ledger: bool

    @property
    def new(self) -> list[Finding]:
        """The findings that fail the check."""
        return [f for f in self.all if f.state == NEW]

    @property
    def known(self) -> list[Finding]:
        """The findings the ledger covers."""
        return [f for f in self.all if f.state == KNOWN]

    def counted(self, kind: str) -> str:
        """``3 type errors`` without a ledger; ``3 new type errors, 212 known`` with one."""
        if not self.ledger:
            return plural(len(self.new), kind)
        return f"{plural(len(self.new), f'new {kind}')}, {len(self.known)} known"

    def expired(self) -> str:
        """``; 2 findings new again: their ledger entry expired 2026-01-31 (<reason>)``, or ""."""
        whys = list(self.judged.expired.values())
        if not whys:
            return ""
        first = whys[0]
        reason = f" ({first.reason})" if first.reason else ""
        whose = "its" if len(whys) == 1 else "their"
        return (
            f"; {plural(len(whys), 'finding')} new again: {whose} ledger entry expired "
            f"{first.until}{reason}"
        )


def _portable(ctx: CheckContext, path: str) -> str:
    """``path`` relative to the project root where it lies under it (``/repo/src/a.py``: ``src/a.py``)."""
    where = Path(path)
    if where.is_absolute() and where.is_relative_to(ctx.root):
        return where.relative_to(ctx.root).as_posix()
    return path


def judged(
    ctx: CheckContext, check: str, tool: str, spots: Sequence[Spot]
) -> tuple[list[str], Judged]:
    """Each spot's fingerprint, and their states against the repository's ledger."""
    prints = fingerprints(tool, spots, Lines(ctx.root))
    return prints, judge(ctx.project.ledger, check, [tool], prints)


def sort(ctx: CheckContext, check: str, tool: str, findings: Sequence[Finding]) -> Sorted:
    """Judge ``findings`` of ``tool`` (reported by ``check``) against the repository's ledger.

    A path a checker printed absolute is made relative to the root first: the
    ledger is committed, and its fingerprints must hold on every checkout.
    """
    findings = [dataclasses.replace(f, path=_portable(ctx, f.path)) for f in findings]
    spots = [Spot(f.path, f.line, f.column, f.code) for f in findings]
    prints, verdict = judged(ctx, check, tool, spots)
    marked = tuple(
        dataclasses.replace(f, tool=tool, fingerprint=p, state=s)
        for f, p, s in zip(findings, prints, verdict.states, strict=True)
    )
    return Sorted(marked, verdict, ctx.project.ledger.present)
