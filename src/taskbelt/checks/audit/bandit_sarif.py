"""bandit's findings as a SARIF 2.1.0 log (``reports/bandit.sarif``).

taskbelt writes the log itself from bandit's JSON (bandit's own ``sarif``
formatter needs the ``sarif-om`` extra, which the pinned audit tools do not
include), so it also carries taskbelt's own TB001 rule, the suppressions the
source made, and which findings are below the audit's threshold.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from taskbelt.checks.audit import ruffsettings
from taskbelt.checks.audit.bandit_issue import BARE_NOSEC, BARE_TEXT, Issue

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
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
