"""pip-audit: known vulnerabilities in exactly the dependency set the project locks.

The set comes from ``uv export --frozen`` (hashed, runtime dependencies plus
``[tool.taskbelt.audit] groups``); without ``uv.lock`` it is resolved from
``pyproject.toml`` now, and the result says so. pip-audit audits that file
without pip (``--disable-pip``) against one service: an ``advisory-db``
folder served on loopback by :mod:`taskbelt.auditdb`, an ``osv-url``, or by
default PyPI's own vulnerability data.

Failing closed: no report, an unreadable report, a service that refuses,
answers 500 or times out, or a dependency pip-audit skipped (a URL
requirement, a package the service does not know) is ``error``, never
``passed``. Ignores are applied here, after parsing, so that an ignore which
matches nothing can be reported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import re
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from packaging.version import Version

from taskbelt import envs, proc, toolpins
from taskbelt.checks.base import CheckContext, guarded, plural, tail
from taskbelt.config import AuditSettings, IgnoreRule
from taskbelt.output import LOGGER, redact
from taskbelt.project import Project
from taskbelt.results import CheckResult, Status, write_text_atomic

NAME = "pip-audit"
_MEMO_FORMAT = "taskbelt-pip-audit-memo-1"
SOURCE_LOCKED = "uv.lock (frozen)"
SOURCE_RESOLVED = "resolved from pyproject.toml (no uv.lock)"
#: The whole pip-audit run may take this many times ``timeout`` (which bounds
#: each request), and at least _PROCESS_FLOOR seconds.
_PROCESS_FACTOR = 20
_PROCESS_FLOOR = 120.0
_LISTED = 3
_REASON_CHARS = 300
_EXCEPTION = re.compile(r"^(?:\w+\.)*\w*(?:Error|Exception|Timeout)(?::\s*(?P<message>.+))?$")

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


# -- running pip-audit -----------------------------------------------------


def requirements(project: Project, settings: AuditSettings, out: Path) -> str:
    """Write the dependency set to audit into ``out``; return where it came from."""
    if project.lock is not None:
        envs.export_locked(project, out, all_groups=False, groups=settings.groups)
        return SOURCE_LOCKED
    envs.compile_unlocked(project, out, groups=settings.groups)
    return SOURCE_RESOLVED


@dataclass(frozen=True)
class Service:
    """Where pip-audit looks advisories up, as flags and a label."""

    flags: tuple[str, ...]
    label: str
    env: Mapping[str, str]


def _no_proxy(ctx: CheckContext) -> dict[str, str]:
    """Keep any configured HTTP proxy away from the loopback advisory server."""
    current = ctx.base_env.get("NO_PROXY") or ctx.base_env.get("no_proxy") or ""
    value = ",".join(p for p in (current, "127.0.0.1", "localhost") if p)
    return {"NO_PROXY": value, "no_proxy": value}


@contextmanager
def service(ctx: CheckContext) -> Iterator[Service]:
    """The vulnerability service for this run; an advisory-db is served while open.

    ``advisory-db`` wins over ``osv-url`` (CI sets the database through the
    environment); with neither, pip-audit's default online service (PyPI).
    """
    settings = ctx.project.settings.audit
    if settings.advisory_db is not None:
        folder = ctx.root / settings.advisory_db
        # Imported here: yaml and http.server cost every run ~0.1 s otherwise.
        from taskbelt import auditdb  # noqa: PLC0415

        index = auditdb.load(folder, ctx.cache_dir("auditdb"))
        with auditdb.serve(index) as url:
            label = f"advisory-db {index.source} ({index.count} advisories)"
            yield Service(
                ("--vulnerability-service", "osv", "--osv-url", url), label, _no_proxy(ctx)
            )
    elif settings.osv_url:
        flags = ("--vulnerability-service", "osv", "--osv-url", settings.osv_url)
        yield Service(flags, f"OSV at {redact(settings.osv_url)}", {})
    else:
        yield Service(("--vulnerability-service", "pypi"), "PyPI (online)", {})


def argv(
    requirements_file: Path, report: Path, svc: Service, timeout: float, cache: Path
) -> list[str]:
    """The pip-audit command: hashed requirements, no pip, JSON report in a file."""
    return [
        "pip-audit",
        *("--requirement", str(requirements_file), "--require-hashes", "--disable-pip"),
        *("--format", "json", "--aliases", "on", "--desc", "off", "--progress-spinner", "off"),
        *("--timeout", str(max(1, math.ceil(timeout))), "--cache-dir", str(cache)),
        *("--output", str(report), *svc.flags),
    ]


def _reason(done: proc.Completed) -> str:
    """pip-audit's own words for why it stopped, shortened.

    In order of preference: the last exception that carries a message (for
    an HTTP 500 that is requests' ``HTTPError: 500 Server Error``, not the
    bare ``ServiceError`` chained after it), then its ``ERROR:`` log lines,
    then its last line.
    """
    lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
    raised = [m.group(0) for line in lines if (m := _EXCEPTION.match(line)) and m["message"]]
    logged = [line.split(":", 2)[-1].strip() for line in lines if line.startswith("ERROR:")]
    if raised:
        reason = raised[-1]
    elif logged:
        reason = "; ".join(logged)
    else:
        reason = lines[-1] if lines else f"exit status {done.returncode}, no message"
    return reason if len(reason) <= _REASON_CHARS else reason[:_REASON_CHARS] + "..."


def _could_not_run(svc: Service, done: proc.Completed, started: float, why: str) -> CheckResult:
    return CheckResult(
        NAME,
        Status.ERROR,
        time.perf_counter() - started,
        f"pip-audit could not audit against {svc.label}: {why}",
        tail(done.output),
        {"service": svc.label, "returncode": done.returncode},
    )


def scan(ctx: CheckContext, today: dt.date | None = None) -> CheckResult:
    """Audit the locked dependency set; ``today`` decides which ignores expired."""
    return guarded(NAME, lambda: _scan(ctx, today or dt.date.today()))


def _scan(ctx: CheckContext, today: dt.date) -> CheckResult:
    started = time.perf_counter()
    settings = ctx.project.settings.audit
    with tempfile.TemporaryDirectory(prefix="taskbelt-audit-") as tmp:
        reqs = Path(tmp) / "requirements.txt"
        source = requirements(ctx.project, settings, reqs)
        memo = ScanMemo.for_run(ctx, reqs)
        reused = memo.get() if memo is not None else None
        if reused is not None:
            parsed, label = reused
        else:
            outcome = _run_pip_audit(ctx, reqs, Path(tmp) / "pip-audit.json", started)
            if isinstance(outcome, CheckResult):
                return outcome
            parsed, text, label = outcome
            if memo is not None:
                memo.put(text, label)
    verdict = judge(parsed, settings.ignore, today, source, label)
    return CheckResult(
        NAME,
        verdict.status,
        time.perf_counter() - started,
        verdict.summary(),
        verdict.output(),
        {**verdict.details(), "reused_scan": reused is not None},
    )


def _run_pip_audit(
    ctx: CheckContext, reqs: Path, report: Path, started: float
) -> tuple[Report, str, str] | CheckResult:
    """Run pip-audit on ``reqs``: its parsed report, raw text and service, or an error row."""
    settings = ctx.project.settings.audit
    with service(ctx) as svc:
        cmd = argv(reqs, report, svc, settings.timeout, ctx.cache_dir("pip-audit"))
        limit = max(_PROCESS_FLOOR, settings.timeout * _PROCESS_FACTOR)
        done = ctx.run(cmd, timeout=limit, env=svc.env)
    text = report.read_text(encoding="utf-8") if report.is_file() else ""
    if done.returncode not in (0, 1) or not text.strip():
        return _could_not_run(svc, done, started, _reason(done))
    try:
        parsed = parse(text)
    except (ValueError, KeyError, TypeError):
        return _could_not_run(svc, done, started, "its JSON report is unreadable")
    if done.returncode == 1 and not parsed.vulnerabilities:
        return _could_not_run(svc, done, started, _reason(done))
    return parsed, text, svc.label


@dataclass(frozen=True)
class ScanMemo:
    """pip-audit's last report against an offline database, and what it was made from.

    With the same dependency set (hashes included), the same advisory files
    and the same pip-audit, pip-audit would write the same report, so it is
    reused instead of starting pip-audit and the advisory server again: a
    source edit reruns bandit, not the dependency scan. Only the raw report
    is kept; ignores (and their expiry dates) are judged afresh every run.
    An online service is never memoized: it learns of new advisories while
    nothing here changes.
    """

    path: Path
    key: str

    @classmethod
    def for_run(cls, ctx: CheckContext, requirements_file: Path) -> ScanMemo | None:
        """The memo for this dependency set; None when the service is online or under --no-cache."""
        folder = ctx.project.settings.audit.advisory_db
        if folder is None or not ctx.reuse:
            return None
        digest = hashlib.sha256(_MEMO_FORMAT.encode())
        # Comment lines are left out: uv's header names the (temporary) output path.
        lines = requirements_file.read_text(encoding="utf-8").splitlines()
        digest.update("\n".join(x for x in lines if not x.lstrip().startswith("#")).encode())
        from taskbelt import auditdb  # noqa: PLC0415 - see the offline scan

        digest.update(auditdb.fingerprint(ctx.root / folder).encode())
        digest.update(toolpins.lock_digest("audit").encode())
        return cls(ctx.cache_dir("pip-audit-memo") / "last-report.json", digest.hexdigest())

    def get(self) -> tuple[Report, str] | None:
        """The stored report (parsed) and service label, if made from the same inputs."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("key") != self.key:
                return None
            found = parse(str(data["report"])), str(data["service"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None  # missing or damaged: pip-audit simply runs again
        LOGGER.info("pip-audit: same dependencies and advisories as last run; report reused")
        return found

    def put(self, report: str, label: str) -> None:
        """Keep ``report`` (one entry: the newest run replaces the last)."""
        payload = {"key": self.key, "report": report, "service": label}
        write_text_atomic(self.path, json.dumps(payload))


# -- reporting -------------------------------------------------------------


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
