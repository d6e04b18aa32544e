"""A check's reason is never cut: whole in the JSON, wrapped in the table (issue 23.5).

Before, the table folded a reason at the column's edge wherever it fell (a
path split over three lines, `` `mise run fix` `` over two) and padded every
line with spaces; a check's own summary could carry a line break or doubled
spaces from the tool's message; and pytest's start error and pip-audit's
reason were cut at 300 characters with no word that they were.
"""

from __future__ import annotations

import io
import json

import pytest
from conftest import CLEAN_SRC, MakeRepo, run_rows

from taskbelt import proc
from taskbelt.checks.audit import pip_audit
from taskbelt.checks.pytest import outcome as pytest_outcome
from taskbelt.output.console import console
from taskbelt.output.report import json_report, terminal
from taskbelt.output.words import some_of
from taskbelt.results import CheckResult, RunSummary, Status

#: A path longer than any reason column: it must come out in one piece.
LONG_PATH = "/srv/" + "/".join(f"folder-number-{i:02d}" for i in range(12)) + "/module.py"
REASON = (
    f"could not import the project from {LONG_PATH} because  it shadows\n"
    "the checkout's own package src/demo; remove that copy and run `mise run fix` again"
)
ONE_LINE = " ".join(REASON.split())


def table_at(width: int, *results: CheckResult) -> list[str]:
    """The rendered report's table lines (header to the last row) at ``width`` columns."""
    stream = io.StringIO()
    screen = console(stream)
    screen.width = width
    terminal.render(screen, RunSummary(results), seconds=1.0)
    lines = stream.getvalue().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("check "))
    return lines[start:-1]  # the last line is the run's verdict


class TestTheTable:
    @pytest.mark.parametrize("width", [60, 80, 120])
    def test_a_long_reason_wraps_at_spaces_and_keeps_paths_and_code_whole(self, width: int) -> None:
        """Every line fits but the path's own; the reason reads back whole, once."""
        result = CheckResult("test-3.12", Status.FAILED, 1.0, REASON)
        header, *rows = table_at(width, CheckResult("lint", Status.PASSED, 0.5, "ok"), result)
        indent = header.index("reason")
        mine = rows[1:]
        assert mine[0].startswith("test-3.12  failed")
        assert all(line[:indent].strip() == "" for line in mine[1:]), mine
        assert " ".join(line[indent:] for line in mine) == ONE_LINE
        assert any(line[indent:].split(" ")[0] == LONG_PATH or LONG_PATH in line for line in mine)
        assert any("`mise run fix`" in line for line in mine), mine
        assert all(len(line) <= width for line in [header, *rows] if LONG_PATH not in line)
        assert not [line for line in [header, *rows] if line != line.rstrip()], "trailing spaces"
        assert not [line for line in mine if "  " in line[indent:]], "doubled spaces"

    def test_a_short_reason_is_one_row(self) -> None:
        """Nothing is wrapped that fits; the run's last line counts in words."""
        header, row = table_at(80, CheckResult("lint", Status.PASSED, 0.4, "no findings"))
        assert header == "check  verdict  seconds  reason"
        assert row == "lint   passed       0.4  no findings"


class TestTheSummaryIsWhole:
    def test_one_line_with_single_spaces_in_the_result_and_the_json(self) -> None:
        """What a check wrote over two lines is one line; nothing of it is dropped."""
        result = CheckResult("test-3.12", Status.FAILED, 1.0, REASON)
        assert result.summary == ONE_LINE
        data = json.loads(json_report.render(RunSummary((result,))))
        assert data["checks"][0]["summary"] == ONE_LINE
        assert LONG_PATH in data["checks"][0]["summary"]

    def test_pytests_start_error_is_not_cut(self) -> None:
        """The exception line that says why pytest could not start, all of it."""
        line = f"RuntimeError: cannot read {LONG_PATH * 3}"
        output = f"ImportError while loading conftest\nTraceback:\n  ...\nE   {line}\n"
        assert pytest_outcome.start_error(output) == line

    def test_pip_audits_reason_is_not_cut(self) -> None:
        """pip-audit's message for why it stopped, all of it."""
        message = f"requests.exceptions.HTTPError: 500 Server Error for url {LONG_PATH * 4}"
        done = proc.Completed(("pip-audit",), 1, "", f"Traceback\n{message}\n", 0.1)
        assert pip_audit._reason(done) == message

    def test_a_shortened_list_says_how_many_it_left_out(self) -> None:
        """``a, b, c and 2 more``, never ``...`` (which reads as text cut short)."""
        assert some_of(["a", "b", "c", "d", "e"]) == "a, b, c and 2 more"
        assert some_of(["a", "b"]) == "a, b"


@pytest.mark.slow
def test_a_real_start_error_is_whole_in_the_json_and_the_table(make_repo: MakeRepo) -> None:
    """A conftest that raises with a long path: the row's reason has the path whole."""
    conftest = f'raise RuntimeError("cannot read {LONG_PATH * 3}")\n'
    project = make_repo({**CLEAN_SRC, "tests/conftest.py": conftest})
    done, rows = run_rows(project, "test", env={"COLUMNS": "80"})
    test_row = rows[next(name for name in rows if name.startswith("test-"))]
    assert test_row["status"] != "passed", done.stdout + done.stderr
    assert f"cannot read {LONG_PATH * 3}" in test_row["summary"], test_row
    table = done.stdout[done.stdout.index("check  ") :]
    assert any(LONG_PATH * 3 in line for line in table.splitlines()), table
