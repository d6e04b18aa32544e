"""bandit's findings as a SARIF 2.1.0 log (``reports/bandit.sarif``).

taskbelt writes the log itself from bandit's JSON (bandit's own ``sarif``
formatter needs the ``sarif-om`` extra, which the pinned audit tools do not
include), so it also carries taskbelt's own TB001 rule, the suppressions the
source made, and which findings are below the audit's threshold.

Where the repository keeps a debt ledger, each finding the ledger judged
carries its fingerprint (``partialFingerprints["taskbelt/v1"]``, the
ledger's own, stable across edits elsewhere in the file) and its
``baselineState``: ``new`` or ``unchanged`` (known); a ledger entry whose
finding is gone is a result of its own, ``absent``, at its file.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from taskbelt.checks.audit import ruffsettings
from taskbelt.checks.audit.bandit_issue import BARE_NOSEC, BARE_TEXT, Issue
from taskbelt.checks.sarif_log import FINGERPRINT_KEY, SARIF_SCHEMA, baseline
from taskbelt.ledger.book import Entry

_LEVELS = {"HIGH": "error", "MEDIUM": "warning", "LOW": "note"}
_BANDIT = {"name": "bandit", "informationUri": "https://bandit.readthedocs.io/"}
_TASKBELT = {"name": "taskbelt"}


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
        rule["shortDescription"] = {"text": BARE_TEXT}
    return rule


def _location(path: str, line: int = 0, column: int = -1) -> dict[str, Any]:
    where: dict[str, Any] = {
        "artifactLocation": {"uri": urllib.parse.quote(path), "uriBaseId": "%SRCROOT%"}
    }
    if line:
        where["region"] = {"startLine": max(line, 1), "startColumn": column + 1}
    return {"physicalLocation": where}


def _absent(entry: Entry, index: Mapping[str, int]) -> dict[str, Any]:
    """A ledger entry whose finding is gone, as a result (``baselineState``: ``absent``)."""
    return {
        "ruleId": entry.rule,
        **({"ruleIndex": index[entry.rule]} if entry.rule in index else {}),
        "level": "none",
        "message": {"text": entry.message or entry.rule},
        "locations": [_location(entry.path)],
        "partialFingerprints": {FINGERPRINT_KEY: entry.fingerprint},
        "baselineState": "absent",
    }


def _run(
    driver: Mapping[str, str],
    issues: Sequence[Issue],
    suppressed: Mapping[Issue, str],
    notes: frozenset[Issue],
    *,
    ledger: Mapping[Issue, tuple[str, str]] | None = None,
    absent: Sequence[Entry] = (),
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
            "locations": [_location(issue.file, max(issue.line, 1), issue.column)],
            **(baseline(*ledger[issue]) if ledger and issue in ledger else {}),
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
    results += [_absent(entry, index) for entry in absent]
    return {
        "tool": {"driver": {**driver, "rules": list(rules.values())}},
        "results": results,
    }


def sarif(
    root: Path,
    issues: Sequence[Issue],
    suppressed: Mapping[Issue, str] | None = None,
    notes: Sequence[Issue] = (),
    *,
    ledger: Mapping[Issue, tuple[str, str]] | None = None,
    absent: Sequence[Entry] = (),
) -> dict[str, Any]:
    """A SARIF 2.1.0 log: bandit's findings in one run, taskbelt's TB001 in another.

    ``suppressed``: the findings the source suppressed, and the comment that did;
    ``notes``: those of ``issues`` below the audit's threshold; ``ledger``: the
    fingerprint and state the debt ledger gave each finding it judged;
    ``absent``: its entries whose finding is gone.
    """
    base = {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}}
    judged = suppressed or {}
    found = [*issues, *judged]
    below_threshold = frozenset(notes)
    runs = [
        _run(
            _BANDIT,
            [i for i in found if i.test_id != BARE_NOSEC],
            judged,
            below_threshold,
            ledger=ledger,
            absent=[e for e in absent if e.rule != BARE_NOSEC],
        ),
        _run(
            _TASKBELT,
            [i for i in found if i.test_id == BARE_NOSEC],
            judged,
            below_threshold,
            ledger=ledger,
            absent=[e for e in absent if e.rule == BARE_NOSEC],
        ),
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{**run, "originalUriBaseIds": base} for run in runs],
    }
