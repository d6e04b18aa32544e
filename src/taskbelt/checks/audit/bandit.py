"""bandit: security findings in the project's own source, plus a SARIF report.

bandit runs once with ``-f json``; taskbelt writes the SARIF report itself
from that JSON (bandit's own ``sarif`` formatter needs the ``sarif-om``
extra, which the pinned audit tools do not include), so the SARIF file also
carries taskbelt's own rule:

``TB001 bare-nosec``: bandit treats ``# nosec`` without a rule id as
"suppress every check on this line", which hides future findings too; each
such comment is a finding until it names the rule it silences.

bandit runs with ``--ignore-nosec``: the findings the repository suppressed
(its ``# nosec``, and ruff's ``# noqa: S108`` and the like for the same
rules; :mod:`taskbelt.checks.audit.suppress`) come back too, and are listed in the
report as suppressed, with the comment that suppressed them, never counted.

bandit reports every finding; those under ``[tool.taskbelt.audit]``
``severity`` (``medium`` by default, as most projects run bandit) or
``confidence`` are notes: listed in the output, the JSON (``notes``) and the
SARIF report (level ``note``), never failing the audit. The repository's own
bandit configuration decides which checks run where
(:mod:`taskbelt.checks.audit.banditconfig`).

A file bandit could not parse, no file scanned at all, a crash or unreadable
output is ``error``.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from taskbelt import proc
from taskbelt.checks import ledgered
from taskbelt.checks.audit import banditconfig, ruffsettings, suppress
from taskbelt.checks.audit import judged as source_judged
from taskbelt.checks.audit.bandit_issue import BARE_NOSEC, BARE_TEXT, Issue
from taskbelt.checks.audit.bandit_sarif import sarif
from taskbelt.checks.base import CheckContext, crashed, guarded, tail
from taskbelt.errors import ToolError
from taskbelt.files import write_atomic
from taskbelt.ledger import book
from taskbelt.ledger.fingerprint import Spot
from taskbelt.ledger.judge import NEW
from taskbelt.output.console import LOGGER
from taskbelt.output.words import plural
from taskbelt.results import CheckResult, Status

NAME = "bandit"
#: The check whose ledger entries bandit's findings are.
LEDGER_CHECK = "audit"
SARIF_FILE = "bandit.sarif"
BARE_NOSEC_NAME = "bare-nosec"
_RULE_ID = re.compile(r"B\d{3}")
_LISTED = 3
#: bandit's hard-coded password rules quote the password in their message
#: (``Possible hardcoded password: '<the value>'``): taskbelt keeps the file,
#: line and rule of such a finding and drops the value.
QUOTES_SECRET = frozenset({"B105", "B106", "B107"})


@dataclass(frozen=True)
class Report:
    """bandit's JSON output, parsed."""

    issues: tuple[Issue, ...]
    scanned: tuple[str, ...]
    errors: tuple[tuple[str, str], ...]


def _text(item: Mapping[str, Any]) -> str:
    """The finding's message; for a rule in :data:`QUOTES_SECRET`, without the value."""
    text = str(item["issue_text"])
    if str(item["test_id"]) in QUOTES_SECRET:
        return text.split(":", 1)[0].rstrip() + " (value not shown)"
    return text


def _issue(item: Mapping[str, Any]) -> Issue:
    cwe = item.get("issue_cwe") or {}
    return Issue(
        file=str(item["filename"]),
        line=int(item["line_number"]),
        column=int(item.get("col_offset") or 0),
        test_id=str(item["test_id"]),
        test_name=str(item.get("test_name", "")),
        severity=str(item["issue_severity"]).upper(),
        confidence=str(item["issue_confidence"]).upper(),
        text=_text(item),
        more_info=str(item.get("more_info", "")),
        cwe=int(cwe["id"]) if isinstance(cwe, Mapping) and cwe.get("id") else None,
        lines=tuple(int(n) for n in item.get("line_range") or ()),
    )


def parse(stdout: str) -> Report:
    """Read ``bandit -f json``; the scanned files are the keys of its metrics.

    Raises:
        ValueError, KeyError, TypeError: the text is not bandit's JSON.
    """
    data = json.loads(stdout)
    return Report(
        issues=tuple(_issue(item) for item in data["results"]),
        scanned=tuple(sorted(name for name in data["metrics"] if name != "_totals")),
        errors=tuple((str(e["filename"]), str(e["reason"])) for e in data["errors"]),
    )


def bare_nosec(source: str, file: str) -> list[Issue]:
    """TB001 findings: ``# nosec`` comments in ``source`` that name no ``B###`` rule."""
    return _bare_nosec_in({file: suppress.read(source)})


def _bare_nosec_in(comments: Mapping[str, suppress.Comments]) -> list[Issue]:
    """TB001 findings in files already read (comments found as bandit finds them)."""
    return [
        Issue(file, line, nosec.column, BARE_NOSEC, BARE_NOSEC_NAME, "MEDIUM", "HIGH", BARE_TEXT)
        for file, found in comments.items()
        for line, nosec in found.nosec.items()
        if not any(_RULE_ID.fullmatch(word) for word in nosec.words)
    ]


def argv(ctx: CheckContext) -> list[str]:
    """The bandit command: every finding, under the repo's configuration or taskbelt's."""
    targets = [ctx.project.relative(p) for p in ctx.project.source_paths]
    if not targets:
        raise ToolError(
            "no Python package or module found for bandit to scan",
            'set [tool.taskbelt] src = ["path/to/package"]',
        )
    config = banditconfig.choose(ctx.project)
    LOGGER.info("audit: bandit's settings: %s", config.source)
    return [
        *("bandit", "--recursive", *targets, "--format", "json", "--quiet", "--ignore-nosec"),
        *config.argv(),
        *("--severity-level", "all", "--confidence-level", "all"),
    ]


#: bandit's ranks, lowest first (``UNDEFINED`` is below every threshold).
_RANKS = {"UNDEFINED": 0, "LOW": 1, "MEDIUM": 2, "HIGH": 3}


def threshold(severity: str, confidence: str) -> str:
    """The audit's threshold in words: ``medium severity``, ``low severity, high confidence``."""
    words = f"{severity.lower()} severity"
    return words if confidence.lower() == "low" else f"{words}, {confidence.lower()} confidence"


def below(issue: Issue, severity: str, confidence: str) -> bool:
    """True if ``issue`` is under the threshold: a note, not a failure."""
    return (
        _RANKS.get(issue.severity, 0) < _RANKS[severity.upper()]
        or _RANKS.get(issue.confidence, 0) < _RANKS[confidence.upper()]
    )


# -- the check -------------------------------------------------------------


def _place(issue: Issue) -> tuple[str, int, int, str]:
    return (issue.file, issue.line, issue.column, issue.test_id)


def scan(ctx: CheckContext) -> CheckResult:
    """Scan the project's source with bandit and write ``reports/bandit.sarif``."""
    return guarded(NAME, lambda: ledgered.ratchet(ctx, _scan(ctx), LEDGER_CHECK, [NAME]))


def _incomplete(report: Report, done: proc.Completed, started: float) -> CheckResult:
    """A scan that missed files (unparseable, or all excluded) proves nothing: error.

    bandit's stdout is not shown: its JSON quotes the code of every finding.
    """
    if report.errors:
        files = ", ".join(f"{name} ({reason})" for name, reason in report.errors)
        summary = f"bandit could not scan {plural(len(report.errors), 'file')}: {files}"
    else:
        summary = (
            "bandit scanned no Python file (does [tool.bandit] exclude_dirs exclude them all?)"
        )
    return CheckResult(
        NAME, Status.ERROR, time.perf_counter() - started, summary, tail(done.stderr)
    )


def _scan(ctx: CheckContext) -> CheckResult:
    started = time.perf_counter()
    sarif_path = ctx.project.reports_dir / SARIF_FILE
    sarif_path.unlink(missing_ok=True)  # never leave a stale report behind an error
    done = ctx.run(argv(ctx))
    if done.returncode not in (0, 1):
        return crashed(NAME, done, started)
    try:
        report = parse(done.stdout)
    except (ValueError, KeyError, TypeError):
        return crashed(NAME, done, started, "unreadable output")
    if report.errors or not report.scanned:
        return _incomplete(report, done, started)
    comments = {
        name: suppress.read((ctx.root / name).read_text(encoding="utf-8", errors="replace"))
        for name in report.scanned
    }
    judged = source_judged.suppressed(ctx, report.issues, comments)
    judged.update(ruffsettings.suppressed(ctx, [i for i in report.issues if i not in judged]))
    found = sorted(
        [*(i for i in report.issues if i not in judged), *_bare_nosec_in(comments)],
        key=_place,
    )
    settings = ctx.project.settings.audit
    notes = [i for i in found if below(i, settings.severity, settings.confidence)]
    noted = set(notes)
    counted = [i for i in found if i not in noted]
    spots = [Spot(i.file, i.line, i.column, i.test_id) for i in counted]
    prints, verdict = ledgered.judged(ctx, LEDGER_CHECK, NAME, spots)
    issues = [i for i, state in zip(counted, verdict.states, strict=True) if state == NEW]
    states = {
        issue: (print_, state)
        for issue, print_, state in zip(counted, prints, verdict.states, strict=True)
    }
    log = sarif(
        ctx.root,
        found,
        judged,
        notes,
        ledger=states if ctx.project.ledger.present else None,
        absent=verdict.fixed,
    )
    write_atomic(sarif_path, json.dumps(log, indent=2) + "\n")
    level = threshold(settings.severity, settings.confidence)
    details = {
        "findings": [
            {**i.to_json(), "tool": NAME, "fingerprint": print_, "state": state}
            for i, print_, state in zip(counted, prints, verdict.states, strict=True)
        ],
        "notes": [i.to_json() for i in notes],
        "threshold": {"severity": settings.severity, "confidence": settings.confidence},
        "suppressed": [{**i.to_json(), "by": judged[i]} for i in sorted(judged, key=_place)],
        "scanned": len(report.scanned),
        "sarif": str(sarif_path),
    }
    seconds = time.perf_counter() - started
    by_settings = sum(1 for by in judged.values() if by.startswith(ruffsettings.PREFIX))
    asides = _asides(notes, len(judged) - by_settings, by_settings, level)
    if verdict.known:
        asides.insert(0, f"{verdict.known} known in {book.FILE}")
    output = "\n".join(map(str, issues))
    if notes:
        output += f"\n\nnotes, below {level} (not counted):\n" + "\n".join(map(str, notes))
    if not issues:
        clean = "bandit clean" + (f" ({'; '.join(asides)})" if asides else "")
        return CheckResult(NAME, Status.PASSED, seconds, clean, tail(output.strip()), details)
    shown = ", ".join(f"{i.test_id} {i.file}:{i.line}" for i in issues[:_LISTED])
    more = f", and {len(issues) - _LISTED} more" if len(issues) > _LISTED else ""
    kind = "new finding" if ctx.project.ledger.present else "finding"
    summary = "; ".join([f"bandit: {plural(len(issues), kind)} ({shown}{more})", *asides])
    return CheckResult(NAME, Status.FAILED, seconds, summary, tail(output.strip()), details)


def _asides(notes: Sequence[Issue], in_source: int, by_settings: int, level: str) -> list[str]:
    """What did not count: ``11 notes below medium severity: B101 x11``, the suppressed."""
    asides = []
    if notes:
        rules = Counter(i.test_id for i in notes)
        listed = ", ".join(f"{rule} x{count}" for rule, count in sorted(rules.items()))
        asides.append(f"{plural(len(notes), 'note')} below {level}: {listed}")
    if in_source:
        asides.append(f"{in_source} suppressed in the source")
    if by_settings:
        asides.append(f"{by_settings} suppressed by ruff's settings")
    return asides
