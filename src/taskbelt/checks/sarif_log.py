"""SARIF 2.1.0 logs of what lint and typecheck found (``reports/lint.sarif``, ``typecheck.sarif``).

Code scanning, editors and review bots read SARIF; taskbelt writes the log
itself from the row's findings, so it is the same whichever linter or type
checker ran and holds what the debt ledger made of each finding: where the
repository keeps a ledger, a result carries the ledger's fingerprint
(``partialFingerprints["taskbelt/v1"]``, stable across edits elsewhere in
the file, unlike GitHub's line hash) and its ``baselineState`` (``new``, or
``unchanged`` for a known one); an entry whose finding is gone is a result
of its own, ``absent``. ruff and the checkers have SARIF writers of their
own, but each is a second run, and none knows the ledger.

One run per tool (two runs of mypy are one ``mypy`` run, their results
merged): code scanning refuses two runs of one tool in an upload. A row
that could not look (``error``) leaves no log: none is better than a stale
one that says the code is clean.
"""

from __future__ import annotations

import json
import urllib.parse
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from taskbelt.files import write_atomic
from taskbelt.ledger.judge import KNOWN
from taskbelt.results import CheckResult, Status

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
#: The key of the ledger's fingerprint among a result's partial fingerprints.
FINGERPRINT_KEY = "taskbelt/v1"
#: Where each tool's rules are documented.
_INFORMATION = {
    "ruff": "https://docs.astral.sh/ruff/rules/",
    "mypy": "https://mypy.readthedocs.io/",
    "pyright": "https://microsoft.github.io/pyright/",
    "basedpyright": "https://docs.basedpyright.com/",
    "ty": "https://docs.astral.sh/ty/",
    "pyrefly": "https://pyrefly.org/",
}


def location(path: str, line: int = 0, column: int = 0) -> dict[str, Any]:
    """A result's place: the file under ``%SRCROOT%``, and its 1-based line and column."""
    where: dict[str, Any] = {
        "artifactLocation": {"uri": urllib.parse.quote(path), "uriBaseId": "%SRCROOT%"}
    }
    if line:
        where["region"] = {"startLine": max(line, 1), "startColumn": max(column, 1)}
    return {"physicalLocation": where}


def baseline(fingerprint: str, state: str) -> dict[str, Any]:
    """The ledger's fingerprint and what it made of the finding."""
    return {
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "baselineState": "unchanged" if state == KNOWN else "new",
    }


def absent(path: str, rule: str, message: str, fingerprint: str) -> dict[str, Any]:
    """A ledger entry whose finding is gone, as a result (``baselineState``: ``absent``)."""
    return {
        "ruleId": rule,
        "level": "none",
        "message": {"text": message or rule},
        "locations": [location(path)],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "baselineState": "absent",
    }


def log(root: Path, runs: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """A SARIF 2.1.0 log of ``runs``, their paths relative to ``root``."""
    base = {"%SRCROOT%": {"uri": root.resolve().as_uri() + "/"}}
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{**run, "originalUriBaseIds": base} for run in runs],
    }


def _place(finding: Mapping[str, Any]) -> tuple[object, ...]:
    keys = ("path", "line", "column", "code", "message", "fingerprint")
    return tuple(finding.get(key) for key in keys)


def _by_tool(result: CheckResult, tool: str) -> dict[str, list[Mapping[str, Any]]]:
    """The row's findings by the tool that reported them (typecheck: by checker).

    A second run of one checker adds only what the runs before it did not
    report: the same error seen twice is one result. Within one run every
    finding counts (ruff reports two ``global`` names of one line twice,
    each with its own fingerprint).
    """
    runs = result.details.get("runs")
    if not isinstance(runs, list):
        runs = [{"checker": result.details.get("checker") or tool, **result.details}]
    found: dict[str, list[Mapping[str, Any]]] = {}
    for run in runs:
        kept = found.setdefault(str(run.get("checker") or tool), [])
        before = Counter(_place(f) for f in kept)
        for finding in run.get("findings", []):
            if not isinstance(finding, dict):
                continue
            if before[_place(finding)] > 0:  # an earlier run of this checker reported it
                before[_place(finding)] -= 1
                continue
            kept.append(finding)
    return found


def _results(findings: Iterable[Mapping[str, Any]], level: str) -> list[dict[str, Any]]:
    results = []
    for f in findings:
        judged = f.get("fingerprint")
        results.append(
            {
                "ruleId": str(f.get("code") or "error"),
                "level": level,
                "message": {"text": str(f.get("message") or f.get("code"))},
                "locations": [
                    location(str(f.get("path")), int(f.get("line") or 0), int(f.get("column") or 0))
                ],
                **(baseline(str(judged), str(f.get("state"))) if judged else {}),
            }
        )
    return results


def write(root: Path, target: Path, result: CheckResult, tool: str, level: str) -> None:
    """Write ``result``'s findings to ``target`` as SARIF (remove it for a row that could not look).

    ``tool``: who reported them where the row does not say (lint: ruff);
    ``level``: the SARIF level of a finding (``warning``, ``error``).
    """
    if result.status not in (Status.PASSED, Status.FAILED):
        target.unlink(missing_ok=True)
        return
    gone = [f for f in result.details.get("fixed", []) if isinstance(f, dict)]
    runs = []
    for name, findings in _by_tool(result, tool).items():
        results = _results(findings, level)
        results += [
            absent(str(e["path"]), str(e["rule"]), str(e.get("message", "")), str(e["fingerprint"]))
            for e in gone
            if e.get("tool") == name
        ]
        rules = sorted({r["ruleId"] for r in results})
        driver = {"name": name, "rules": [{"id": rule} for rule in rules]}
        if name in _INFORMATION:
            driver["informationUri"] = _INFORMATION[name]
        runs.append({"tool": {"driver": driver}, "results": results})
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, json.dumps(log(root, runs), indent=1) + "\n")
