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


def ratchet(
    ctx: CheckContext, result: CheckResult, check: str, tools: Sequence[str]
) -> CheckResult:
    """``result`` with the ledger's fixed entries of ``check`` and ``tools`` (see the module).

    ``result.details["findings"]`` holds every finding the tools reported,
    with its fingerprint. A result that is an ``error`` is left as it is: a
    tool that could not look proves nothing fixed. Fixed entries are listed
    in ``details["fixed"]`` and under the row; on a CI runner they fail a
    row that passed.
    """
    if not ctx.project.ledger.present or result.status is Status.ERROR or not tools:
        return result
    findings = result.details.get("findings", [])
    prints = [f.get("fingerprint") for f in findings if isinstance(f, dict)]
    gone = fixed(ctx, check, tools, prints)
    if not gone:
        return result
    entries = "entry" if len(gone) == 1 else "entries"
    first = f"{gone[0].path}: {gone[0].rule}"
    ci = in_ci(ctx.base_env)
    words = (
        f"{len(gone)} fixed ledger {entries} still in {FILE} (first: {first}): "
        f"drop {'it' if len(gone) == 1 else 'them'} with `{PRUNE}`"
    )
    listed = "\n".join(f"fixed: {e.path}: {e.rule} {e.message}" for e in gone[:_LISTED])
    more = f"\nand {len(gone) - _LISTED} more" if len(gone) > _LISTED else ""
    status = Status.FAILED if ci else result.status
    return CheckResult(
        result.name,
        status,
        result.seconds,
        f"{result.summary}; {words}",
        "\n".join(part for part in (result.output, listed + more) if part),
        {**result.details, "fixed": [fixed_json(e) for e in gone]},
    )
