"""The SARIF logs of lint and typecheck: one run per tool, every finding once, valid SARIF."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from conftest import DATA

from taskbelt.checks import sarif_log
from taskbelt.results import CheckResult, Status

SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def finding(line: int, fingerprint: str = "", state: str = "new") -> dict[str, Any]:
    place: dict[str, Any] = {
        "path": "pkg/m.py",
        "line": line,
        "column": 5,
        "code": "PLW0603",
        "message": "Using the global statement",
    }
    return {**place, "fingerprint": fingerprint, "state": state} if fingerprint else place


def written(tmp_path: Path, result: CheckResult, tool: str = "ruff") -> dict[str, Any]:
    target = tmp_path / "reports" / "x.sarif"
    sarif_log.write(tmp_path, target, result, tool, "warning")
    log: dict[str, Any] = json.loads(target.read_text(encoding="utf-8"))
    jsonschema.validate(log, SCHEMA)
    return log


def test_two_findings_of_one_run_at_one_place_are_two_results(tmp_path: Path) -> None:
    """ruff reports two ``global`` names of one line twice: both are results, each known."""
    twice = [finding(3, "aaa", "known"), finding(3, "bbb", "known")]
    fixed = {"tool": "ruff", "path": "pkg/n.py", "rule": "F401", "message": "x", "fingerprint": "c"}
    result = CheckResult("lint", Status.PASSED, 0.1, "", "", {"findings": twice, "fixed": [fixed]})
    (run,) = written(tmp_path, result)["runs"]
    assert [(r["ruleId"], r["baselineState"]) for r in run["results"]] == [
        ("PLW0603", "unchanged"),
        ("PLW0603", "unchanged"),
        ("F401", "absent"),
    ]


def test_two_runs_of_one_checker_are_one_sarif_run_without_repeats(tmp_path: Path) -> None:
    """Code scanning refuses two runs of one tool: mypy twice is one run, its errors once."""
    runs = [
        {"checker": "mypy", "findings": [finding(3), finding(4)]},
        {"checker": "mypy", "findings": [finding(3), finding(9)]},
        {"checker": "pyright", "findings": [finding(3)]},
    ]
    result = CheckResult("typecheck", Status.FAILED, 0.1, "", "", {"runs": runs})
    log = written(tmp_path, result, "mypy")
    lines = {
        run["tool"]["driver"]["name"]: [
            r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in run["results"]
        ]
        for run in log["runs"]
    }
    assert lines == {"mypy": [3, 4, 9], "pyright": [3]}


def test_a_row_that_could_not_look_leaves_no_log(tmp_path: Path) -> None:
    """An old log saying the code is clean is worse than none."""
    clean = CheckResult("lint", Status.PASSED, 0.1, "", "", {"findings": []})
    assert written(tmp_path, clean)["runs"][0]["results"] == []
    broken = CheckResult("lint", Status.ERROR, 0.1, "ruff crashed", "", {})
    sarif_log.write(tmp_path, tmp_path / "reports" / "x.sarif", broken, "ruff", "warning")
    assert not (tmp_path / "reports" / "x.sarif").exists()
