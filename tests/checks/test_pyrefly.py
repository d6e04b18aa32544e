"""Reading pyrefly's JSON report: what fails, and a taskbelt vendored at a visible path.

pyrefly's ``--project-excludes`` on the command line replaces the
repository's own list, so taskbelt passes none and drops the diagnostics of
a taskbelt vendored at ``vendor/taskbelt``. These cases need a checked
folder that only a real vendoring makes; the reports are written here in the
shape pyrefly 1.4's ``--output-format json`` prints (the real checker's runs
are in test_typecheckers.py).
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any, cast

import pytest

from taskbelt.checks.base import CheckContext
from taskbelt.checks.typecheck.checkers import pyrefly
from taskbelt.errors import ToolError


def context() -> CheckContext:
    project = SimpleNamespace(excluded=(".taskbelt-cache", "vendor/taskbelt"))
    return cast(CheckContext, SimpleNamespace(project=project))


def report(*diagnostics: tuple[str, str]) -> str:
    """``(path, severity)`` pairs as pyrefly's JSON report."""
    return json.dumps(
        {
            "errors": [
                {
                    "line": 5,
                    "column": 12,
                    "path": path,
                    "code": -2,
                    "name": "bad-return",
                    "description": "Returned type `str` is not assignable to `int`\n  more",
                    "concise_description": "Returned type `str` is not assignable to `int`",
                    "severity": severity,
                }
                for path, severity in diagnostics
            ]
        }
    )


def paths(findings: Any) -> list[str]:
    return [finding.path for finding in findings]


def test_errors_are_findings_with_file_line_column_and_rule() -> None:
    found = pyrefly.read(context(), report(("src/demo/a.py", "error")), 1)
    assert [(f.path, f.line, f.column, f.code) for f in found.findings] == [
        ("src/demo/a.py", 5, 12, "bad-return")
    ]
    assert found.findings[0].message == "Returned type `str` is not assignable to `int`"
    assert (found.kind, found.because, found.clean) == ("type error", "", False)


def test_errors_only_in_the_vendored_taskbelt_are_a_pass() -> None:
    found = pyrefly.read(context(), report(("vendor/taskbelt/src/x.py", "error")), 1)
    assert found.clean
    assert found.findings == []


def test_the_vendored_taskbelt_s_errors_are_not_the_repository_s() -> None:
    output = report(("vendor/taskbelt/src/x.py", "error"), ("src/demo/a.py", "error"))
    found = pyrefly.read(context(), output, 1)
    assert paths(found.findings) == ["src/demo/a.py"]


def test_warnings_shown_fail_and_the_summary_says_why() -> None:
    """A command with ``--min-severity warn`` shows warnings, and pyrefly then fails on them."""
    output = report(("src/demo/a.py", "warn"), ("src/demo/b.py", "info"))
    found = pyrefly.read(context(), output, 1)
    assert (paths(found.findings), found.kind) == (["src/demo/a.py", "src/demo/b.py"], "warning")
    assert found.because == "(pyrefly's run fails on every diagnostic it shows)"


def test_a_failed_run_without_diagnostics_is_not_clean() -> None:
    """A configuration pyrefly cannot read: exit 1 and an empty list; the check calls it a crash."""
    found = pyrefly.read(context(), report(), 1)
    assert (found.findings, found.clean) == ([], False)


def test_a_run_without_a_report_is_an_error_not_a_pass() -> None:
    with pytest.raises(ToolError, match="pyrefly printed no JSON report"):
        pyrefly.read(context(), "Fatal configuration error", 1)
