"""``doctor`` and ``check`` agree on a Python that is not installed (issue 23.4).

Before, ``doctor`` exited 1 for every wanted Python that was missing, while
``check`` skipped a named one with a row and left a version only
``requires-python`` implies out without a word. Now both judge each version
the same way: run it when present; skip it (a ``skipped`` row, in the table
and the JSON, with one reason) when ``check`` goes on without it; fail when
``check`` stops (a named version missing in CI).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CLEAN_PYPROJECT, CLEAN_SRC, MakeRepo, run_rows, taskbelt

from taskbelt.commands import doctor
from taskbelt.environments.matrix import Matrix
from taskbelt.results import Status
from taskbelt.running.orchestrator import plan
from taskbelt.tools import interpreters
from taskbelt.tools.interpreters import Interpreter

PRESENT = Interpreter("3.12", Path("/usr/bin/python3.12"))
NAMED = Interpreter("3.98", None)
IMPLIED = Interpreter("3.99", None)


def flat(text: str) -> str:
    """The text with each run of whitespace as one space (rich wraps table cells)."""
    return re.sub(r"\s+", " ", text)


class TestOneVerdictPerPython:
    def test_the_reason_says_whether_the_repository_named_the_version(self) -> None:
        tests = Matrix((PRESENT,), (NAMED,), (IMPLIED,))
        assert tests.why_skipped(NAMED) == (
            "Python 3.98 is not installed; install: "
            "mise install python@3.98 (or: uv python install 3.98)"
        )
        assert tests.why_skipped(IMPLIED).startswith(
            "Python 3.99 is not installed (requires-python admits it); install: "
        )

    def test_check_plans_a_skipped_row_for_each_version_not_run(self) -> None:
        tests = Matrix((PRESENT,), (NAMED,), (IMPLIED,))
        work = plan(["test"], tests)
        assert [s.name for s in work.first] == ["test-3.12"]
        rows = {r.name: r for r in work.skipped}
        assert set(rows) == {"test-3.98", "test-3.99"}
        assert all(r.status is Status.SKIPPED for r in rows.values())
        assert rows["test-3.99"].summary == tests.why_skipped(IMPLIED)
        only = plan(["test-3.99"], tests)
        assert (only.first, [r.name for r in only.skipped]) == ((), ["test-3.99"])

    @pytest.mark.parametrize(
        ("ci", "expected"),
        [
            (False, {"3.98": "skipped", "3.99": "skipped"}),
            (True, {"3.98": "missing", "3.99": "skipped"}),
        ],
    )
    def test_doctor_judges_each_python_as_check_does(
        self, ci: bool, expected: dict[str, str]
    ) -> None:
        """Locally both are skipped; in CI a named one stops ``check``, so doctor fails on it."""
        tests = Matrix((PRESENT,), (NAMED,), (IMPLIED,))
        found = {r.name: r for r in doctor.pythons(tests, ci)}
        assert found["python3.12"].status == "ok"
        assert {v: found[f"python{v}"].status for v in expected} == expected
        assert found["python3.99"].ok
        assert found["python3.99"].provide == tests.why_skipped(IMPLIED)
        assert found["python3.98"].ok is not ci

    def test_with_no_python_present_every_one_is_missing(self) -> None:
        """``check`` stops when no version of the matrix is installed; so does doctor."""
        found = doctor.pythons(Matrix((), (NAMED,), (IMPLIED,)), ci=False)
        assert [(r.name, r.status) for r in found] == [
            ("python3.98", "missing"),
            ("python3.99", "missing"),
        ]


def implied_missing(floor: str) -> list[str]:
    """Versions ``requires-python >= floor`` admits that this machine lacks (at least one)."""
    admitted = [v for v in interpreters.KNOWN_MINORS if int(v[2:]) >= int(floor[2:])]
    missing = [v for v in admitted if interpreters.find(v).path is None]
    assert missing, f"this test needs a version of {admitted} that is not installed"
    assert len(missing) < len(admitted), f"this test needs one of {admitted} installed"
    return missing


@pytest.mark.slow
@pytest.mark.parametrize("named", [True, False], ids=["named", "implied"])
def test_doctor_and_check_agree_on_a_python_that_is_not_installed(
    make_repo: MakeRepo, named: bool
) -> None:
    """The same versions skipped, with the same reason, in doctor's table and check's rows."""
    if named:
        pyproject, skipped = CLEAN_PYPROJECT.replace('["3.12"]', '["3.12", "3.98"]'), ["3.98"]
    else:
        pyproject = CLEAN_PYPROJECT.replace('python = ["3.12"]\n', "").replace(">=3.9", ">=3.12")
        skipped = implied_missing("3.12")
    project = make_repo(CLEAN_SRC, pyproject=pyproject)
    told = taskbelt(project.root, "doctor", env={"COLUMNS": "250"})
    assert told.returncode == 0, told.stdout + told.stderr
    done, rows = run_rows(project, "test")
    assert done.returncode == 0, done.stdout + done.stderr
    for version in skipped:
        row = rows[f"test-{version}"]
        assert row["status"] == "skipped"
        assert row["summary"].startswith(f"Python {version} is not installed")
        assert f"python{version} skipped {row['summary']}" in flat(told.stdout)
        assert f"test-{version}" in done.stdout
    assert f"`check` skips {', '.join(f'python{v}' for v in skipped)}" in flat(told.stdout)

    in_ci = {"CI": "true", "COLUMNS": "250"}
    told, done = taskbelt(project.root, "doctor", env=in_ci), taskbelt(
        project.root, "run", "test", env=in_ci
    )
    if named:  # in CI a named version must be there: both stop, naming it
        assert (told.returncode, done.returncode) == (1, 2), told.stdout + done.stderr
        assert "missing: python3.98" in told.stdout
        assert "Python 3.98" in done.stderr
    else:  # an implied one is left out in CI too: both go on
        assert (told.returncode, done.returncode) == (0, 0), told.stdout + done.stdout
