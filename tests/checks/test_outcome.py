"""Expected failures are counted as pytest counts them, never as skips (issue 23.10).

Seen on a public repository: a suite with 1 xfailed test showed "25 skipped"
where pytest says "24 skipped, 1 xfailed". The unit tests read the JUnit
file and summary line pytest 8.4 writes for such a suite (taken from a real
run); the end-to-end tests run the real ``taskbelt run test`` with and
without pytest's junitxml plugin, and with a strict xpass, which fails.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CLEAN_PYPROJECT, CLEAN_SRC, MakeRepo, run_rows, write_files

from taskbelt.checks.pytest import outcome as pytest_outcome

#: What pytest 8.4 writes for a pass, a skip, two xfails (marked and
#: imperative), a non-strict xpass and a strict xpass.
JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests">
<testsuite name="pytest" errors="0" failures="1" skipped="3" tests="6" time="0.028">
<testcase classname="test_x" name="test_ok" time="0.000" />
<testcase classname="test_x" name="test_skip" time="0.000">
<skipped type="pytest.skip" message="no">/tmp/xf/test_x.py:5: no</skipped>
</testcase>
<testcase classname="test_x" name="test_xfail" time="0.000">
<skipped type="pytest.xfail" message="known bug" />
</testcase>
<testcase classname="test_x" name="test_xpass" time="0.000" />
<testcase classname="test_x" name="test_xpass_strict" time="0.000">
<failure message="[XPASS(strict)] fixed?">[XPASS(strict)] fixed?</failure>
</testcase>
<testcase classname="test_x" name="test_imperative" time="0.000">
<skipped type="pytest.xfail" message="imperative" />
</testcase>
</testsuite>
</testsuites>
"""
TERMINAL = (
    "=========================== short test summary info ============================\n"
    "FAILED test_x.py::test_xpass_strict\n"
    "1 failed, 1 passed, 1 skipped, 2 xfailed, 1 xpassed in 0.03s\n"
)
PYTEST_SAYS = "1 passed, 1 failed, 1 skipped, 2 xfailed, 1 xpassed"


def test_junit_and_summary_line_count_as_pytest_does(tmp_path: Path) -> None:
    """An xfail is no skip; the xpass JUnit writes as a pass is pytest's own count."""
    junit = tmp_path / "junit.xml"
    junit.write_text(JUNIT, encoding="utf-8")
    counts = pytest_outcome.read(junit, TERMINAL)
    assert counts is not None
    assert (counts["skipped"], counts["xfailed"], counts["xpassed"]) == (1, 2, 1)
    assert pytest_outcome.tally(counts) == PYTEST_SAYS
    assert (
        pytest_outcome.first_failure(counts) == "test_x::test_xpass_strict [XPASS(strict)] fixed?"
    )


def test_summary_line_alone_counts_the_same(tmp_path: Path) -> None:
    """With ``-p no:junitxml`` the summary line gives the same counts."""
    counts = pytest_outcome.read(tmp_path / "none.xml", TERMINAL)
    assert counts is not None
    assert pytest_outcome.tally(counts) == PYTEST_SAYS
    assert pytest_outcome.first_failure(counts) == "test_x.py::test_xpass_strict"


def test_no_summary_line_leaves_junit_counts(tmp_path: Path) -> None:
    """Under ``-qq`` (no summary line) the JUnit file's counts stand: xfails still counted."""
    junit = tmp_path / "junit.xml"
    junit.write_text(JUNIT, encoding="utf-8")
    counts = pytest_outcome.read(junit, "FAILED test_x.py::test_xpass_strict\n")
    assert counts is not None
    assert pytest_outcome.tally(counts) == "2 passed, 1 failed, 1 skipped, 2 xfailed"


def test_plain_run_says_only_what_it_has() -> None:
    """No xfail and no xpass: the summary is as before, no zero counts added."""
    counts = pytest_outcome.read_terminal("3 passed, 1 skipped in 0.10s\n")
    assert counts is not None
    assert pytest_outcome.tally(counts) == "3 passed, 0 failed, 1 skipped"


MARKED = """
    import pytest


    def test_pass() -> None:
        pass


    @pytest.mark.skip(reason="not here")
    def test_skip() -> None:
        pass


    @pytest.mark.xfail(reason="known bug")
    def test_xfail() -> None:
        assert False


    @pytest.mark.xfail(reason="maybe fixed")
    def test_xpass() -> None:
        pass
    """
STRICT = """
    import pytest


    @pytest.mark.xfail(strict=True, reason="fixed?")
    def test_strict() -> None:
        pass
    """


@pytest.mark.slow
@pytest.mark.parametrize("addopts", ["", "-p no:junitxml"])
def test_row_says_what_pytest_says(make_repo: MakeRepo, addopts: str) -> None:
    """xfailed and xpassed in the row and the JSON as pytest says them; a strict xpass fails."""
    pyproject = f'{CLEAN_PYPROJECT}\n[tool.pytest.ini_options]\naddopts = "{addopts}"\n'
    project = make_repo({**CLEAN_SRC, "tests/test_marks.py": MARKED}, pyproject=pyproject)
    done, rows = run_rows(project, "test")
    row = rows["test-3.12"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert row["status"] == "passed"
    assert row["summary"] == "2 passed, 0 failed, 1 skipped, 1 xfailed, 1 xpassed"
    details = row["details"]
    assert (details["skipped"], details["xfailed"], details["xpassed"]) == (1, 1, 1)

    write_files(project.root, {"tests/test_strict.py": STRICT})
    done, rows = run_rows(project, "test")
    row = rows["test-3.12"]
    assert done.returncode == 1, done.stdout + done.stderr
    assert row["status"] == "failed"
    tally = "2 passed, 1 failed, 1 skipped, 1 xfailed, 1 xpassed; first failure: "
    assert row["summary"].startswith(tally), row["summary"]
    assert "test_strict" in row["summary"]
    if not addopts:  # the JUnit file carries pytest's reason
        assert row["summary"].endswith("test_strict [XPASS(strict)] fixed?"), row["summary"]
