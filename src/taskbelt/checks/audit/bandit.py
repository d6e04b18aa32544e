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
import urllib.parse
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskbelt import proc
from taskbelt.checks.audit import banditconfig, ruffsettings, suppress
from taskbelt.checks.audit import judged as source_judged
from taskbelt.checks.base import CheckContext, crashed, guarded, tail
from taskbelt.errors import ToolError
from taskbelt.files import write_atomic
from taskbelt.output.console import LOGGER
from taskbelt.output.words import plural
from taskbelt.results import CheckResult, Status

NAME = "bandit"
SARIF_FILE = "bandit.sarif"
BARE_NOSEC = "TB001"
BARE_NOSEC_NAME = "bare-nosec"
SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
_RULE_ID = re.compile(r"B\d{3}")
_LEVELS = {"HIGH": "error", "MEDIUM": "warning", "LOW": "note"}
_BARE_TEXT = (
    "bare `# nosec` silences every bandit check on this line, future ones too;"
    " name the rule it is for, e.g. `# nosec B602`"
)
_LISTED = 3
#: bandit's hard-coded password rules quote the password in their message
#: (``Possible hardcoded password: 'hunter2'``): taskbelt keeps the file,
#: line and rule of such a finding and drops the value.
QUOTES_SECRET = frozenset({"B105", "B106", "B107"})
_BANDIT = {"name": "bandit", "informationUri": "https://bandit.readthedocs.io/"}
_TASKBELT = {"name": "taskbelt"}


@dataclass(frozen=True)
class Issue:
    """One bandit finding (or a TB001 bare ``# nosec``)."""

    file: str
    line: int
    column: int
    test_id: str
    test_name: str
    severity: str
    confidence: str
    text: str
    more_info: str = ""
    cwe: int | None = None
    #: The lines of the finding's statement (bandit's ``line_range``).
    lines: tuple[int, ...] = ()

    def __str__(self) -> str:
        level = f"{self.severity.lower()} severity, {self.confidence.lower()} confidence"
        return f"{self.file}:{self.line}:{self.column}: {self.test_id} {self.text} [{level}]"

    def to_json(self) -> dict[str, Any]:
        """Plain data for the result's details."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "test_id": self.test_id,
            "test_name": self.test_name,
            "severity": self.severity,
            "confidence": self.confidence,
            "text": self.text,
            "more_info": self.more_info,
            "cwe": self.cwe,
        }


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
        Issue(file, line, nosec.column, BARE_NOSEC, BARE_NOSEC_NAME, "MEDIUM", "HIGH", _BARE_TEXT)
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


# -- SARIF -----------------------------------------------------------------


def _rule(issue: Issue) -> dict[str, Any]:
    tags = ["security", *([f"external/cwe/cwe-{issue.cwe}"] if issue.cwe else [])]
    rule: dict[str, Any] = {
        "id": issue.test_id,
        "name": issue.test_name,
        "properties": {"tags": tags},
    }
    if issue.more_info:
        rule["helpUri"] = issue.more_info
    if issue.test_id == BARE_NOSEC:
        rule["shortDescription"] = {"text": _BARE_TEXT}
    return rule


def _run(
    driver: Mapping[str, str],
    issues: Sequence[Issue],
    suppressed: Mapping[Issue, str],
    notes: frozenset[Issue],
) -> dict[str, Any]:
    """One SARIF run: the tool, the rules it used, and its results.

    A suppressed finding carries a suppression (SARIF 2.1.0, 3.35) naming the comment
    or setting, so viewers show it as dismissed; one below the threshold is a ``note``.
    """
    rules: dict[str, dict[str, Any]] = {}
    for issue in issues:
        rules.setdefault(issue.test_id, _rule(issue))
    index = {rule_id: i for i, rule_id in enumerate(rules)}
    results = [
        {
            "ruleId": issue.test_id,
            "ruleIndex": index[issue.test_id],
            "level": "note" if issue in notes else _LEVELS.get(issue.severity, "warning"),
            "message": {"text": issue.text},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": urllib.parse.quote(issue.file),
                            "uriBaseId": "%SRCROOT%",
                        },
                        "region": {
                            "startLine": max(issue.line, 1),
                            "startColumn": issue.column + 1,
                        },
                    }
                }
            ],
            "properties": {"severity": issue.severity, "confidence": issue.confidence},
            **(
                {
                    "suppressions": [
                        {
                            "kind": ruffsettings.sarif_kind(suppressed[issue]),
                            "justification": suppressed[issue],
                        }
                    ]
                }
                if issue in suppressed
                else {}
            ),
        }
        for issue in issues
    ]
    return {
        "tool": {"driver": {**driver, "rules": list(rules.values())}},
        "results": results,
    }


def sarif(
    root: Path,
    issues: Sequence[Issue],
    suppressed: Mapping[Issue, str] | None = None,
    notes: Sequence[Issue] = (),
) -> dict[str, Any]:
    """A SARIF 2.1.0 log: bandit's findings in one run, taskbelt's TB001 in another.

    ``suppressed``: the findings the source suppressed, and the comment that did;
    ``notes``: those of ``issues`` below the audit's threshold.
    """
    base = {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}}
    judged = suppressed or {}
    found = [*issues, *judged]
    below_threshold = frozenset(notes)
    runs = [
        _run(_BANDIT, [i for i in found if i.test_id != BARE_NOSEC], judged, below_threshold),
        _run(_TASKBELT, [i for i in found if i.test_id == BARE_NOSEC], judged, below_threshold),
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{**run, "originalUriBaseIds": base} for run in runs],
    }


# -- the check -------------------------------------------------------------


def _place(issue: Issue) -> tuple[str, int, int, str]:
    return (issue.file, issue.line, issue.column, issue.test_id)


def scan(ctx: CheckContext) -> CheckResult:
    """Scan the project's source with bandit and write ``reports/bandit.sarif``."""
    return guarded(NAME, lambda: _scan(ctx))


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
    issues = [i for i in found if i not in noted]
    write_atomic(sarif_path, json.dumps(sarif(ctx.root, found, judged, notes), indent=2) + "\n")
    level = threshold(settings.severity, settings.confidence)
    details = {
        "findings": [i.to_json() for i in issues],
        "notes": [i.to_json() for i in notes],
        "threshold": {"severity": settings.severity, "confidence": settings.confidence},
        "suppressed": [{**i.to_json(), "by": judged[i]} for i in sorted(judged, key=_place)],
        "scanned": len(report.scanned),
        "sarif": str(sarif_path),
    }
    seconds = time.perf_counter() - started
    by_settings = sum(1 for by in judged.values() if by.startswith(ruffsettings.PREFIX))
    asides = _asides(notes, len(judged) - by_settings, by_settings, level)
    output = "\n".join(map(str, issues))
    if notes:
        output += f"\n\nnotes, below {level} (not counted):\n" + "\n".join(map(str, notes))
    if not issues:
        clean = "bandit clean" + (f" ({'; '.join(asides)})" if asides else "")
        return CheckResult(NAME, Status.PASSED, seconds, clean, tail(output.strip()), details)
    shown = ", ".join(f"{i.test_id} {i.file}:{i.line}" for i in issues[:_LISTED])
    more = f", and {len(issues) - _LISTED} more" if len(issues) > _LISTED else ""
    summary = "; ".join([f"bandit: {plural(len(issues), 'finding')} ({shown}{more})", *asides])
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
