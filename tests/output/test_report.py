"""The reports render every field: the terminal table, the JSON, GitHub's annotations and summary."""

from __future__ import annotations

import io
import json
from pathlib import Path

from taskbelt.checks.lint import check as lint
from taskbelt.output.console import console
from taskbelt.output.report import github, json_report, terminal
from taskbelt.results import CheckResult, RunSummary, Status

PASSED = CheckResult("lint", Status.PASSED, 1.25, "no findings")


FAILED = CheckResult("typecheck", Status.FAILED, 2.0, "1 type error", "src/a.py:1:1: error")


ERROR = CheckResult("audit", Status.ERROR, 0.5, "service unreachable", "connection refused")


SKIPPED = CheckResult("test-3.98", Status.SKIPPED, 0.0, "Python 3.98 is not installed")


class TestTerminal:
    def test_table_and_details(self) -> None:
        """Every row is printed with verdict and reason; output only for problems."""
        stream = io.StringIO()
        summary = RunSummary((PASSED, FAILED, ERROR, SKIPPED), ("dependencies: uv.lock (frozen)",))
        terminal.render(console(stream), summary, seconds=3.0)
        text = stream.getvalue()
        assert "--- typecheck: failed ---\n  src/a.py:1:1: error" in text
        assert "--- audit: error ---\n  service unreachable\n  connection refused" in text
        assert "lint" in text
        assert "no findings" in text
        assert "--- lint" not in text
        assert "note: dependencies: uv.lock (frozen)" in text
        assert text.rstrip().endswith("taskbelt: error (4 checks, 3.0 s)")

    def test_a_reason_in_brackets_is_printed_as_written(self) -> None:
        """Square brackets in a reason are TOML tables, not rich markup to swallow."""
        stream = io.StringIO()
        why = "pyproject.toml [tool.coverage.run] source = ['x']"
        summary = RunSummary((CheckResult("coverage", Status.ERROR, 0.1, why),))
        terminal.render(console(stream), summary, seconds=0.1)
        assert why in stream.getvalue()

    def test_verbose_lists_the_known_findings(self) -> None:
        """-v lists what the ledger covers (the audit's bandit part too); without -v, nothing."""
        known = {"path": "a.py", "line": 3, "column": 1, "code": "F401", "state": "known"}
        lint_row = CheckResult(
            "lint", Status.PASSED, 1.0, "no new findings, 1 known", details={"findings": [known]}
        )
        bandit = {"file": "b.py", "line": 9, "column": 4, "test_id": "B602", "text": "shell"}
        audit_row = CheckResult(
            "audit",
            Status.PASSED,
            1.0,
            "clean",
            details={
                "bandit": {
                    "findings": [
                        {**bandit, "state": "known"},
                        {**bandit, "line": 10, "state": "new"},
                    ]
                }
            },
        )
        summary = RunSummary((lint_row, audit_row))
        quiet, listed = io.StringIO(), io.StringIO()
        terminal.render(console(quiet), summary, seconds=1.0)
        terminal.render(console(listed), summary, seconds=1.0, known=True)
        assert "known finding" not in quiet.getvalue()
        assert (
            "--- lint: 1 known finding, in the debt ledger ---\n  a.py:3:1: F401 \n"
            "--- audit: 1 known finding, in the debt ledger ---\n  b.py:9:4: B602 shell"
        ) in listed.getvalue().replace("\n\n", "\n")


class TestJson:
    def test_shape(self, tmp_path: Path) -> None:
        """The report has status and one entry per check with the documented keys."""
        path = tmp_path / "sub" / "report.json"
        json_report.write(RunSummary((PASSED, FAILED)), path)
        data = json.loads(path.read_text())
        assert data["status"] == "failed"
        assert [c["name"] for c in data["checks"]] == ["lint", "typecheck"]
        assert data["checks"][0] == {
            "name": "lint",
            "status": "passed",
            "seconds": 1.25,
            "summary": "no findings",
            "cached": False,
            "details": {},
        }
        assert not list(path.parent.glob(".*tmp"))


class TestGithub:
    def test_annotations_escape_and_place(self) -> None:
        """A placed finding becomes ::error with file, line, col and title; data is escaped."""
        finding = {
            "path": "src/a,b.py",
            "line": 3,
            "column": 5,
            "code": "F401",
            "message": "50% bad\nx",
        }
        result = CheckResult("lint", Status.FAILED, details={"findings": [finding]})
        assert github.annotation_lines(RunSummary((result, PASSED))) == [
            "::error file=src/a%2Cb.py,line=3,col=5,title=lint F401::50%25 bad%0Ax"
        ]

    def test_known_findings_are_notices_after_the_new(self) -> None:
        """The ledger's known findings do not fail the check: notices, never before a new one."""
        known = {"path": "a.py", "line": 1, "code": "F401", "message": "old", "state": "known"}
        new = {"path": "b.py", "line": 2, "code": "F401", "message": "fresh", "state": "new"}
        result = CheckResult("lint", Status.FAILED, details={"findings": [known, new]})
        assert github.annotation_lines(RunSummary((result,))) == [
            "::error file=b.py,line=2,title=lint F401::fresh",
            "::notice file=a.py,line=1,title=lint F401::old",
        ]

    def test_a_row_failed_by_the_ledger_alone_is_an_error_annotation(self) -> None:
        """In CI a fixed entry fails a row whose findings are all known: the row is the error."""
        known = {"path": "a.py", "line": 1, "code": "F401", "message": "old", "state": "known"}
        why = "no new findings, 1 known; 1 fixed ledger entry still in taskbelt-ledger.toml"
        result = CheckResult("lint", Status.FAILED, 1.0, why, details={"findings": [known]})
        assert github.annotation_lines(RunSummary((result,))) == [
            "::notice file=a.py,line=1,title=lint F401::old",
            f"::error title=taskbelt lint::{why}",
        ]

    def test_two_checkers_findings_are_annotated_once(self) -> None:
        """A typecheck row of two checkers lists their findings and keeps each one's details."""
        error = {"path": "a.py", "line": 1, "code": "arg-type", "message": "bad", "state": "new"}
        details = {"findings": [error], "checkers": {"mypy": {"findings": [error]}}}
        result = CheckResult("typecheck", Status.FAILED, 1.0, "1 type error", details=details)
        assert len(github.annotation_lines(RunSummary((result,)))) == 1

    def test_failing_test_and_unplaced_error(self) -> None:
        """Failing tests annotate their file; a check with no places gets one general annotation."""
        failing = {
            "test": "tests.test_a::test_x",
            "file": "tests/test_a.py",
            "line": "7",
            "message": "boom",
        }
        tests = CheckResult("test-3.12", Status.FAILED, details={"failing": [failing]})
        lines = github.annotation_lines(RunSummary((tests, ERROR)))
        assert lines == [
            "::error file=tests/test_a.py,line=7,title=test-3.12 tests.test_a%3A%3Atest_x::boom",
            "::error title=taskbelt audit::service unreachable",
        ]

    def test_summary_and_outputs_files(self, tmp_path: Path) -> None:
        """The Markdown table goes to GITHUB_STEP_SUMMARY, status and coverage to GITHUB_OUTPUT."""
        cov = CheckResult(
            "coverage", Status.PASSED, 1.0, "93.5% covered", "TOTAL 93%", {"percent": 93.5}
        )
        env = {
            "GITHUB_STEP_SUMMARY": str(tmp_path / "s.md"),
            "GITHUB_OUTPUT": str(tmp_path / "o.txt"),
        }
        github.emit(RunSummary((PASSED, cov), ("dependencies: uv.lock (frozen)",)), env)
        text = (tmp_path / "s.md").read_text()
        assert "| lint | ✅ passed | 1.2 | no findings |" in text
        assert "- dependencies: uv.lock (frozen)" in text
        assert "TOTAL 93%" in text
        assert (tmp_path / "o.txt").read_text() == "status=passed\ncoverage=93.50\n"

    def test_nested_bandit_findings(self) -> None:
        """The audit's bandit findings (nested under details['bandit']) are annotated too."""
        issue = {
            "file": "src/app.py",
            "line": 4,
            "column": 0,
            "test_id": "B602",
            "text": "shell=True",
        }
        audit = CheckResult("audit", Status.FAILED, details={"bandit": {"findings": [issue]}})
        assert github.annotation_lines(RunSummary((audit,))) == [
            "::error file=src/app.py,line=4,col=0,title=audit B602::shell=True"
        ]


def test_a_ruff_rule_without_a_code_is_labelled_with_its_name() -> None:
    """Issue 23.3: ruff 0.17 reports `pytest-fixture-autouse` by name; only no name is a syntax error."""
    findings = lint.parse(
        json.dumps(
            [
                {"filename": "t.py", "location": {"row": 6, "column": 17}, "code": None,
                 "name": "pytest-fixture-autouse", "message": "Avoid using `autouse=True`"},
                {"filename": "t.py", "location": {"row": 1, "column": 1}, "code": "F401",
                 "name": "unused-import", "message": "`os` imported but unused"},
                {"filename": "u.py", "location": {"row": 2, "column": 1}, "code": None,
                 "message": "unexpected EOF while parsing"},
            ]
        )
    )  # fmt: skip
    assert [f.code for f in findings] == ["F401", "pytest-fixture-autouse", "syntax-error"]
    assert str(findings[1]) == "t.py:6:17: pytest-fixture-autouse Avoid using `autouse=True`"
