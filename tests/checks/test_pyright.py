"""Reading pyright's JSON report where a taskbelt is vendored at a visible path.

pyright cannot be told on its command line to skip a folder, so it checks a
taskbelt vendored at ``vendor/taskbelt`` and taskbelt drops those
diagnostics. These cases need a checked folder that only a real vendoring
makes; the reports are written here in pyright's ``--outputjson`` shape
(the real checker's runs are in test_typecheckers.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from taskbelt.checks.base import CheckContext
from taskbelt.checks.typecheck.checkers import pyright
from taskbelt.errors import ToolError

ROOT = Path("/repo")
READ = pyright.runner("pyright").read


def context() -> CheckContext:
    project = SimpleNamespace(excluded=(".taskbelt-cache", "vendor/taskbelt"))
    return cast(CheckContext, SimpleNamespace(root=ROOT, project=project))


def report(*diagnostics: tuple[str, str]) -> str:
    """``(file under ROOT, severity)`` pairs as pyright's JSON report."""
    return json.dumps(
        {
            "generalDiagnostics": [
                {
                    "file": str(ROOT / file),
                    "severity": severity,
                    "message": f"a {severity}\n  more",
                    "range": {"start": {"line": 2, "character": 0}},
                    "rule": "reportSomething",
                }
                for file, severity in diagnostics
            ]
        }
    )


def paths(findings: Any) -> list[str]:
    return [finding.path for finding in findings]


def test_errors_only_in_the_vendored_taskbelt_are_a_pass() -> None:
    found = READ(context(), report(("vendor/taskbelt/src/x.py", "error")), 1)
    assert found.clean
    assert found.findings == []


def test_the_vendored_taskbelt_s_errors_are_not_the_repository_s() -> None:
    output = report(("vendor/taskbelt/src/x.py", "error"), ("src/demo/a.py", "error"))
    found = READ(context(), output, 1)
    assert paths(found.findings) == ["src/demo/a.py"]
    assert (found.findings[0].line, found.findings[0].column) == (3, 1)
    assert found.findings[0].message == "a error"


def test_warnings_alone_fail_where_the_run_failed_on_them() -> None:
    found = READ(
        context(), report(("src/demo/a.py", "warning"), ("src/demo/b.py", "information")), 1
    )
    assert (paths(found.findings), found.kind) == (["src/demo/a.py"], "warning")
    assert found.because == "(pyright's run fails on warnings)"


def test_warnings_beside_vendored_errors_cannot_be_judged_so_it_is_an_error() -> None:
    output = report(("vendor/taskbelt/src/x.py", "error"), ("src/demo/a.py", "warning"))
    with pytest.raises(ToolError) as raised:
        READ(context(), output, 1)
    assert "cannot say whether the repository's warnings fail" in str(raised.value)
    assert "vendor taskbelt in a hidden folder (.taskbelt)" in raised.value.fix


def test_a_run_without_a_report_is_an_error_not_a_pass() -> None:
    with pytest.raises(ToolError, match="pyright printed no JSON report"):
        READ(context(), "Error: no config", 1)


def test_a_baseline_update_line_before_the_report_is_read_past() -> None:
    """basedpyright says on stdout that it updated its baseline, then prints the report."""
    said = "updated undefined with 1 error (went down by 1)\n\n" + report(("src/a.py", "error"))
    assert paths(READ(context(), said, 1).findings) == ["src/a.py"]
