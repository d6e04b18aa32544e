"""A check's findings judged against the repository's ledger: what fails is only what is new.

Lint, typecheck and bandit report findings; each one gets its tool, its
fingerprint (:mod:`taskbelt.ledger.fingerprint`) and its state against the
ledger (:mod:`taskbelt.ledger.judge`). Without a ledger file every finding
is new and the check words its verdict as it always did; with one, the
summary counts both kinds: ``3 new, 212 known``.

The ratchet (:func:`ratchet`): an entry whose finding is gone is fixed. The
row says so and names the command that drops it; on a CI runner (``CI=true``)
a fixed entry still in the ledger fails the check, so the ledger only ever
shrinks as the code is mended (locally it is a note, to prune when convenient).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from taskbelt.checks.base import CheckContext, Finding
from taskbelt.environments.matrix import in_ci
from taskbelt.ledger.book import FILE, Entry
from taskbelt.ledger.fingerprint import Lines, Spot, fingerprints
from taskbelt.ledger.judge import FIXED, KNOWN, NEW, Judged, judge
from taskbelt.output.words import plural
from taskbelt.results import CheckResult, Status

#: The command that drops fixed entries (and only those) from the ledger.
PRUNE = "mise run ledger -- --prune"
#: Fixed entries named in a row's output, at most.
_LISTED = 20


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
    findings = [dataclasses.replace(f, path=ctx.project.relative(Path(f.path))) for f in findings]
    spots = [Spot(f.path, f.line, f.column, f.code) for f in findings]
    prints, verdict = judged(ctx, check, tool, spots)
    marked = tuple(
        dataclasses.replace(f, tool=tool, fingerprint=p, state=s)
        for f, p, s in zip(findings, prints, verdict.states, strict=True)
    )
    return Sorted(marked, verdict, ctx.project.ledger.present)


def fixed(
    ctx: CheckContext, check: str, tools: Sequence[str], found: Sequence[object]
) -> list[Entry]:
    """The ledger's entries of ``check`` and ``tools`` whose fingerprint ``found`` lacks."""
    present = set(found)
    return [e for e in ctx.project.ledger.of(check, tools) if e.fingerprint not in present]


def fixed_json(entry: Entry) -> dict[str, object]:
    """A fixed entry as the JSON report lists it (``state``: ``fixed``)."""
    keys = ("check", "tool", "rule", "path", "fingerprint", "message")
    return {**{key: getattr(entry, key) for key in keys}, "state": FIXED}


def _fixed_words(gone: Sequence[Entry]) -> str:
    entries = "entry" if len(gone) == 1 else "entries"
    return (
        f"{len(gone)} fixed ledger {entries} still in {FILE} "
        f"(first: {gone[0].path}: {gone[0].rule}): "
        f"drop {'it' if len(gone) == 1 else 'them'} with `{PRUNE}`"
    )


@dataclass(frozen=True)
class Growth:
    """What a change added to the ledger's entries of one check, against its base.

    Every entry the base did not have is new debt, whatever the count did: a
    change that fixes one finding and records another has not shrunk the
    debt it took on (seen on colorama: a fix and a new F401 netted to zero).
    """

    #: The entries the base did not have.
    added: tuple[Entry, ...]
    #: Those of them nothing gives a reason.
    unreasoned: tuple[Entry, ...]
    #: The base branch (``origin/main``).
    ref: str

    def words(self, check: str) -> str:
        """``the change added 2 lint entries to the ledger since origin/main ...``."""
        entries = "entry" if len(self.added) == 1 else "entries"
        head = (
            f"the change added {len(self.added)} {check} {entries} to the ledger since {self.ref}"
        )
        if not self.unreasoned:
            return f"{head}, each with a reason"
        first = self.unreasoned[0]
        return (
            f"{head}, {len(self.unreasoned)} without a reason (first: {first.path}: "
            f"{first.rule}): fix them, or give each a reason in {FILE} (its own or a [[group]]'s)"
        )


def growth(ctx: CheckContext, check: str, tools: Sequence[str]) -> Growth | str | None:
    """What the change added to ``check``'s entries; a str: why that cannot be told; None: no base."""
    base = ctx.project.ledger_base(ctx.base_env)
    if base.unknown:
        return base.unknown
    if base.ledger is None:  # the change adopts the ledger: nothing to grow from
        return None
    ledger = ctx.project.ledger
    now = ledger.of(check, tools)
    added = tuple(e for e in now if base.ledger.get(e.fingerprint) is None)
    unreasoned = tuple(e for e in added if not ledger.why(e).reason)
    return Growth(added, unreasoned, base.ref)


def ratchet(
    ctx: CheckContext, result: CheckResult, check: str, tools: Sequence[str]
) -> CheckResult:
    """``result`` with what the ledger's ratchet says of ``check`` and ``tools`` (see the module).

    ``result.details["findings"]`` holds every finding the tools reported,
    with its fingerprint. A result that is an ``error`` is left as it is: a
    tool that could not look proves nothing fixed. Fixed entries are listed
    in ``details["fixed"]`` and under the row. On a CI runner a fixed entry
    fails a row that passed, and so does an entry the change added to the
    ledger without a reason; locally both are notes.
    """
    if not ctx.project.ledger.present or result.status is Status.ERROR or not tools:
        return result
    findings = result.details.get("findings", [])
    prints = [f.get("fingerprint") for f in findings if isinstance(f, dict)]
    gone = fixed(ctx, check, tools, prints)
    ci = in_ci(ctx.base_env)
    said, failing, listed = [], False, []
    if gone:
        said.append(_fixed_words(gone))
        failing = ci
        listed += [f"fixed: {e.path}: {e.rule} {e.message}" for e in gone[:_LISTED]]
        listed += [f"and {len(gone) - _LISTED} more"] if len(gone) > _LISTED else []
    grown = growth(ctx, check, tools)
    if isinstance(grown, str):
        said += [f"the ledger's growth is not judged: {grown}"] if ci else []
    elif grown is not None and grown.added:
        said.append(grown.words(check))
        failing = failing or (ci and bool(grown.unreasoned))
        listed += [
            f"added without a reason: {e.path}: {e.rule} {e.message}"
            for e in grown.unreasoned[:_LISTED]
        ]
    if not said:
        return result
    details = {**result.details, "fixed": [fixed_json(e) for e in gone]} if gone else result.details
    return CheckResult(
        result.name,
        Status.FAILED if failing else result.status,
        result.seconds,
        "; ".join([result.summary, *said]),
        "\n".join(part for part in (result.output, "\n".join(listed)) if part),
        details,
    )
