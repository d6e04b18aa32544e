"""Python versions are listed in version order everywhere (issue 23.9).

On di/id (``requires-python >=3.9``) the rows ran ``test-3.10 ... test-3.14,
test-3.9`` and a coverage summary said "combined over 3.10, 3.11, 3.12,
3.13, 3.9": the names were sorted as strings. Now 3.9 comes before 3.10 in
the matrix, the rows of the table and of the JSON report, the fast answer of
an unchanged run, the coverage summary and its details, and ``doctor``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CLEAN_PYPROJECT, MakeRepo, run_rows, taskbelt

from taskbelt.environments.matrix import Matrix
from taskbelt.results import CheckResult, Status
from taskbelt.running.orchestrator import plan
from taskbelt.tools import interpreters
from taskbelt.tools.interpreters import Interpreter


def test_rows_sort_each_checks_pythons_as_versions() -> None:
    present = (Interpreter("3.10", Path("/p/3.10")), Interpreter("3.9", Path("/p/3.9")))
    work = plan(["audit", "test", "lint"], Matrix(present, (Interpreter("3.14", None),)))
    assert work.order == ("lint", "test-3.9", "test-3.10", "test-3.14", "coverage", "audit")
    rows = [
        CheckResult("audit", Status.PASSED),
        CheckResult("test-3.14", Status.SKIPPED),
        CheckResult("test-3.10", Status.PASSED),
        CheckResult("coverage", Status.PASSED),
        CheckResult("test-3.9", Status.PASSED),
        CheckResult("lint", Status.PASSED),
    ]
    assert [r.name for r in work.in_order(rows)] == list(work.order)


def test_ordered_by_check_then_name(python312: Interpreter) -> None:
    """Rows follow the registry's order of the checks; test versions sort together."""
    python311 = Interpreter("3.11", python312.path)
    work = plan(["audit", "test-3.12", "lint", "test-3.11"], Matrix((python311, python312), ()))
    rows = [
        CheckResult("audit", Status.ERROR),
        CheckResult("test-3.12", Status.PASSED),
        CheckResult("lint", Status.PASSED),
        CheckResult("test-3.11", Status.PASSED),
    ]
    names = [r.name for r in work.in_order(rows)]
    assert names == ["lint", "test-3.11", "test-3.12", "audit"]


def test_the_matrix_is_in_version_order_whatever_the_order_written() -> None:
    assert interpreters.wanted_versions(["3.12", "3.9", "3.10", "3.9"], [], None) == (
        ["3.9", "3.10", "3.12"],
        True,
    )
    assert interpreters.wanted_versions(None, ["3.13", "3.9"], None) == (["3.9", "3.13"], True)
    missing = Interpreter("3.14", None)
    present = (Interpreter("3.10", Path("/p/3.10")), Interpreter("3.9", Path("/p/3.9")))
    tests = Matrix(present, (missing,), ())
    assert [i.version for i in tests.all] == ["3.9", "3.10", "3.14"]


TEN_AND_NINE = CLEAN_PYPROJECT.replace('python = ["3.12"]', 'python = ["3.10", "3.9"]')


def _table_rows(stdout: str) -> list[str]:
    """The row names of the summary table, top to bottom."""
    return re.findall(r"^\W*(test-3\.\d+|coverage|lint|audit)\s", stdout, flags=re.MULTILINE)


@pytest.mark.slow
def test_a_run_lists_3_9_before_3_10(make_repo: MakeRepo) -> None:
    project = make_repo(pyproject=TEN_AND_NINE)
    done, rows = run_rows(project, "test")
    assert done.returncode == 0, done.stdout + done.stderr
    assert list(rows) == ["test-3.9", "test-3.10", "coverage"], "the JSON report's order"
    assert _table_rows(done.stdout) == ["test-3.9", "test-3.10", "coverage"], done.stdout
    gate = rows["coverage"]
    assert gate["details"]["versions"] == ["3.9", "3.10"]
    assert "combined over 3.9, 3.10" in gate["summary"]

    # Unchanged: the fast answer keeps the order; coverage alone (CI's coverage job
    # gathers every leg's data file) too.
    done, rows = run_rows(project, "test")
    assert list(rows) == ["test-3.9", "test-3.10", "coverage"]
    assert rows["test-3.9"]["summary"].startswith("cached"), rows["test-3.9"]
    done, rows = run_rows(project, "coverage")
    assert rows["coverage"]["details"]["versions"] == ["3.9", "3.10"]
    assert "combined over 3.9, 3.10" in rows["coverage"]["summary"]

    doctor = taskbelt(project.root, "doctor")
    assert doctor.stdout.index("3.9") < doctor.stdout.index("3.10"), doctor.stdout
