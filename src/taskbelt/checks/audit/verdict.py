"""pip-audit's report, read and judged: findings, ignores, and the verdict's words.

Kept apart from running pip-audit (:mod:`.pip_audit`) so that
the rules (which ignore applies, what counts as unaudited, what the summary
says) are plain functions of the report, testable without a scan.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from packaging.version import Version

from taskbelt.checks.base import tail
from taskbelt.output.words import plural
from taskbelt.results import Status
from taskbelt.settings.model import IgnoreRule

SOURCE_LOCKED = "uv.lock (frozen)"
SOURCE_RESOLVED = "resolved from pyproject.toml (no uv.lock)"
_LISTED = 3

IgnoreState = Literal["applied", "expired", "stale"]


@dataclass(frozen=True)
class Vulnerability:
    """One advisory that affects one locked package."""

    package: str
    version: str
    id: str
    aliases: tuple[str, ...] = ()
    fix_versions: tuple[str, ...] = ()

    @property
    def ids(self) -> frozenset[str]:
        """The advisory id and its aliases, upper-cased for matching."""
        return frozenset(i.upper() for i in (self.id, *self.aliases))

    def describe(self) -> str:
        """``PYSEC-2019-217 (CVE-2019-10906): fixed in 2.10.1``."""
        aliases = f" ({', '.join(self.aliases)})" if self.aliases else ""
        fixed = f"fixed in {', '.join(self.fix_versions)}" if self.fix_versions else "no fix yet"
        return f"{self.id}{aliases}: {fixed}"

    def to_json(self) -> dict[str, Any]:
        """Plain data for the result's details: package, version, id, aliases, fix_versions."""
        return {
            **asdict(self),
            "aliases": list(self.aliases),
            "fix_versions": list(self.fix_versions),
        }


@dataclass(frozen=True)
class Report:
    """pip-audit's JSON report, parsed."""

    audited: int
    vulnerabilities: tuple[Vulnerability, ...]
    not_audited: tuple[tuple[str, str], ...]


def parse(text: str) -> Report:
    """Read pip-audit's ``--format json`` report.

    Raises:
        ValueError, KeyError, TypeError: the text is not such a report.
    """
    data = json.loads(text)
    vulns: list[Vulnerability] = []
    skipped: list[tuple[str, str]] = []
    audited = 0
    for dep in data["dependencies"]:
        if "skip_reason" in dep:
            skipped.append((str(dep["name"]), str(dep["skip_reason"])))
            continue
        audited += 1
        vulns += [
            Vulnerability(
                package=str(dep["name"]),
                version=str(dep["version"]),
                id=str(v["id"]),
                aliases=tuple(sorted(str(a) for a in v.get("aliases") or [])),
                fix_versions=tuple(str(f) for f in v.get("fix_versions") or []),
            )
            for v in dep["vulns"]
        ]
    return Report(audited, tuple(vulns), tuple(skipped))


@dataclass(frozen=True)
class IgnoreOutcome:
    """What one ``ignore`` entry did in this run."""

    rule: IgnoreRule
    state: IgnoreState
    matched: tuple[Vulnerability, ...]

    def to_json(self) -> dict[str, Any]:
        """The rule, its state and the findings it matched."""
        until = self.rule.until.isoformat() if self.rule.until else None
        return {
            "id": self.rule.id,
            "reason": self.rule.reason,
            "until": until,
            "state": self.state,
            "matched": [f"{v.package} {v.version}: {v.id}" for v in self.matched],
        }


def apply_ignores(
    vulns: Sequence[Vulnerability], rules: Sequence[IgnoreRule], today: dt.date
) -> tuple[list[Vulnerability], list[IgnoreOutcome]]:
    """Split findings into those that still count and what each ignore did.

    A rule matches a finding by advisory id or alias (case-insensitive).
    ``applied``: it matched and ``until`` is today or later (or unset), so its
    findings no longer count. ``expired``: it matched but ``until`` has
    passed, so its findings count again. ``stale``: it matched nothing; that
    is reported (the ignore can be deleted) but is not a failure by itself.
    """
    outcomes = []
    ignored: set[Vulnerability] = set()
    for rule in rules:
        matched = tuple(v for v in vulns if rule.id.upper() in v.ids)
        if not matched:
            outcomes.append(IgnoreOutcome(rule, "stale", matched))
        elif rule.until is not None and rule.until < today:
            outcomes.append(IgnoreOutcome(rule, "expired", matched))
        else:
            outcomes.append(IgnoreOutcome(rule, "applied", matched))
            ignored.update(matched)
    return [v for v in vulns if v not in ignored], outcomes


def fix_hint(vulns: Sequence[Vulnerability], *, locked: bool) -> str:
    """How to get a fixed version of one package into the dependency set.

    Without a lock the hint names the lowest version that fixes every
    advisory listed (the highest of their first fixed versions).
    """
    name = vulns[0].package
    if locked:
        return f"uv lock --upgrade-package {name}"
    firsts = [min(map(Version, v.fix_versions)) for v in vulns if v.fix_versions]
    floor = f">={max(firsts)}" if firsts else " at a fixed version"
    return f"require {name}{floor} in pyproject.toml (or lock it: `uv lock`)"


def _by_package(vulns: Sequence[Vulnerability]) -> dict[str, list[Vulnerability]]:
    grouped: dict[str, list[Vulnerability]] = {}
    for vuln in vulns:
        grouped.setdefault(f"{vuln.package} {vuln.version}", []).append(vuln)
    return grouped


@dataclass(frozen=True)
class Verdict:
    """A parsed report with the ignores applied, and what was audited against what."""

    report: Report
    remaining: tuple[Vulnerability, ...]
    outcomes: tuple[IgnoreOutcome, ...]
    source: str
    service: str

    @property
    def status(self) -> Status:
        """error if a dependency went unaudited (fail closed), failed if any finding counts."""
        if self.report.not_audited:
            return Status.ERROR
        return Status.FAILED if self.remaining else Status.PASSED

    def _with(self, state: IgnoreState) -> list[IgnoreOutcome]:
        return [o for o in self.outcomes if o.state == state]

    def summary(self) -> str:
        """One line: the verdict first, then what the reader must know about it."""
        parts = []
        if self.report.not_audited:
            names = ", ".join(name for name, _ in self.report.not_audited)
            first = self.report.not_audited[0][1]
            count = plural(len(self.report.not_audited), "dep")
            parts.append(f"{count} not audited against {self.service}: {names} ({first})")
        grouped = _by_package(self.remaining)
        if grouped:
            shown = [f"{pkg}: {', '.join(v.id for v in vs)}" for pkg, vs in grouped.items()]
            more = f"; and {len(shown) - _LISTED} more" if len(shown) > _LISTED else ""
            listed = "; ".join(shown[:_LISTED]) + more
            parts.append(f"{plural(len(grouped), 'vulnerable dep')} ({listed})")
        else:
            parts.append(f"no known vulnerabilities in {plural(self.report.audited, 'dep')}")
        applied = sum(len(o.matched) for o in self._with("applied"))
        parts += [f"{applied} ignored"] if applied else []
        parts += [
            f"ignore for {o.rule.id} expired on {o.rule.until}" for o in self._with("expired")
        ]
        parts += [f"stale ignore {o.rule.id} (matches no finding)" for o in self._with("stale")]
        parts += [] if self.source == SOURCE_LOCKED else [self.source]
        return "; ".join(parts)

    def output(self) -> str:
        """The readable report: findings grouped by package with the fix, then ignores."""
        lines = []
        for package, vulns in _by_package(self.remaining).items():
            lines.append(
                f"{package}  (fix: {fix_hint(vulns, locked=self.source == SOURCE_LOCKED)})"
            )
            lines += [f"  {vuln.describe()}" for vuln in vulns]
        labels = {"applied": "ignored", "expired": "EXPIRED ignore", "stale": "stale ignore"}
        for o in self.outcomes:
            until = f" until {o.rule.until}" if o.rule.until else ""
            lines.append(f"{labels[o.state]} {o.rule.id}{until}: {o.rule.reason}")
        lines += [f"not audited: {name}: {why}" for name, why in self.report.not_audited]
        return tail("\n".join(lines))

    def details(self) -> dict[str, Any]:
        """Machine-readable findings, ignores by state, and the dependency source."""
        ignored = [
            {**v.to_json(), "reason": o.rule.reason, "ignore": o.rule.id}
            for o in self._with("applied")
            for v in o.matched
        ]
        return {
            "source": self.source,
            "service": self.service,
            "audited": self.report.audited,
            "vulnerabilities": [v.to_json() for v in self.remaining],
            "ignored": ignored,
            "expired_ignores": [o.to_json() for o in self._with("expired")],
            "stale_ignores": [o.to_json() for o in self._with("stale")],
            "not_audited": [{"name": n, "reason": r} for n, r in self.report.not_audited],
        }


def judge(
    report: Report, rules: Sequence[IgnoreRule], today: dt.date, source: str, service: str
) -> Verdict:
    """Apply the ignore rules to ``report`` (see :func:`apply_ignores`)."""
    remaining, outcomes = apply_ignores(report.vulnerabilities, rules, today)
    return Verdict(report, tuple(remaining), tuple(outcomes), source, service)


def merge(texts: Iterable[str]) -> str:
    """pip-audit's JSON reports of several layers as one report (each dependency once)."""
    seen: set[tuple[str, str]] = set()
    dependencies = []
    for text in texts:
        for dep in json.loads(text)["dependencies"]:
            key = (str(dep.get("name")), str(dep.get("version", dep.get("skip_reason"))))
            if key not in seen:
                seen.add(key)
                dependencies.append(dep)
    return json.dumps({"dependencies": dependencies, "fixes": []})
