"""Coverage gates on sets of files: coverage's formula over their sums, at the total's precision."""

from __future__ import annotations

import pytest

from taskbelt.checks import coverage_paths
from taskbelt.errors import ConfigError

#: [statements, covered lines, branches, covered branches], as coverage's JSON report has them.
FILES = {
    "src/app/core/db.py": [10, 6, 0, 0],
    "src/app/core/io.py": [30, 30, 4, 2],
    "src/app/ui/view.py": [100, 100, 0, 0],
}


def test_a_set_is_judged_on_the_sum_of_its_files() -> None:
    """(6 + 30 + 2) / (10 + 30 + 4) = 86.36 %: a big file weighs more, as in coverage's total."""
    core, ui = coverage_paths.judge({"src/app/core/*": 95, "src/app/ui/*": 100}, FILES, 2)
    assert round(core.percent, 2) == 86.36
    assert core.failed
    assert core.words(2) == (
        "src/app/core/* 86.36%, 95% required "
        "(least covered: src/app/core/db.py 60.00%, src/app/core/io.py 94.12%)"
    )
    assert not ui.failed
    assert ui.to_json()["files"] == {"src/app/ui/view.py": 100.0}


def test_star_crosses_folders_and_precision_is_the_totals() -> None:
    """``src/*`` holds every file below src; 89.996 % meets 90 at two decimals, not at three."""
    (everything,) = coverage_paths.judge({"src/*": 80}, FILES, 2)
    assert len(everything.files) == 3
    assert not coverage_paths.fails(89.996, 90, 2)
    assert coverage_paths.fails(89.996, 90, 3)


def test_a_glob_that_matches_nothing_is_an_error_not_a_pass() -> None:
    with pytest.raises(ConfigError, match=r"'src/app/cor/\*' matches no measured file") as caught:
        coverage_paths.judge({"src/app/cor/*": 95}, FILES, 2)
    assert "src/app/core/db.py" in caught.value.fix


def test_a_file_below_its_ledger_floor_fails_a_rise_and_a_gone_file_are_notes() -> None:
    measured = {"src/a.py": 80.0, "src/b.py": 93.5, "src/c.py": 86.996}
    recorded = {"src/a.py": 87, "src/b.py": 90, "src/c.py": 87, "src/old.py": 70}
    judged = coverage_paths.floors(measured, recorded, 2)
    assert judged.below == (("src/a.py", 80.0, 87),), "86.996 shows as 87.00: it holds"
    assert judged.rose == (("src/b.py", 93.5, 90),)
    assert judged.gone == ("src/old.py",)
    assert judged.words(2) == (
        "; src/a.py 80.00% is below its ledger floor 87%"
        "; 1 file rose above the ledger floor (first: src/b.py 93.50%, floor 90%): "
        "`mise run ledger` raises it"
        "; 1 ledger floor names a file no longer measured (first: src/old.py): "
        "`mise run ledger -- --prune` drops them"
    )
    assert coverage_paths.floors(measured, {}, 2).words(2) == ""
