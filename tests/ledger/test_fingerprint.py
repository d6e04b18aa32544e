"""Fingerprints keep a finding known through edits elsewhere, and make a changed or copied line new."""

from __future__ import annotations

from pathlib import Path

from taskbelt.ledger.fingerprint import Lines, Spot, fingerprints, normalised

SOURCE = """\
import os


def run(cmd):
    return eval(cmd)


def again(cmd):
    return eval(cmd)
"""


def prints(root: Path, text: str, spots: list[Spot], tool: str = "ruff") -> list[str]:
    (root / "a.py").write_text(text, encoding="utf-8")
    return fingerprints(tool, spots, Lines(root))


def line_of(text: str, needle: str, nth: int = 0) -> int:
    return [i for i, line in enumerate(text.splitlines(), 1) if needle in line][nth]


def evals(text: str) -> list[Spot]:
    """bandit's B307 on each ``eval`` line of ``text``."""
    return [
        Spot("a.py", n, 11, "B307")
        for n, line in enumerate(text.splitlines(), 1)
        if "eval(" in line
    ]


def test_whitespace_does_not_count() -> None:
    assert normalised("  x = f( a,b )\t") == normalised("x=f(a, b)") == "x=f(a,b)"


def test_lines_inserted_above_keep_the_fingerprints(tmp_path: Path) -> None:
    before = prints(tmp_path, SOURCE, evals(SOURCE))
    moved = '"""Doc."""\n\nimport sys\n\n' + SOURCE
    assert prints(tmp_path, moved, evals(moved)) == before


def test_a_function_moved_within_the_file_keeps_its_fingerprint(tmp_path: Path) -> None:
    head, first, second = SOURCE.split("\n\n\n")
    swapped = "\n\n\n".join([head, second.rstrip("\n"), first]) + "\n"
    spot_before = [Spot("a.py", line_of(SOURCE, "import os"), 8, "F401")]
    spot_after = [Spot("a.py", line_of(swapped, "import os"), 8, "F401")]
    assert prints(tmp_path, SOURCE, spot_before) == prints(tmp_path, swapped, spot_after)
    # the two identical eval lines keep their set of fingerprints (their order is their index)
    assert sorted(prints(tmp_path, swapped, evals(swapped))) == sorted(
        prints(tmp_path, SOURCE, evals(SOURCE))
    )


def test_reformatting_the_line_keeps_it(tmp_path: Path) -> None:
    spot = [Spot("a.py", 5, 11, "B307")]
    assert prints(tmp_path, SOURCE, spot) == prints(
        tmp_path, SOURCE.replace("return eval(cmd)", "return  eval( cmd )"), spot
    )


def test_a_changed_line_is_another_finding(tmp_path: Path) -> None:
    spot = [Spot("a.py", 5, 11, "B307")]
    changed = SOURCE.replace("return eval(cmd)", "return eval(cmd + '1')", 1)
    assert prints(tmp_path, SOURCE, spot) != prints(tmp_path, changed, spot)


def test_a_second_copy_of_a_line_gets_a_new_fingerprint(tmp_path: Path) -> None:
    """Two identical lines differ by their occurrence index: the count going up is seen."""
    before = prints(tmp_path, SOURCE, evals(SOURCE))
    assert len(set(before)) == 2
    copied = SOURCE.replace("    return eval(cmd)\n", "    eval(cmd)\n    return eval(cmd)\n", 1)
    after = prints(tmp_path, copied, evals(copied))
    assert set(before) < set(after)
    assert len(set(after)) == 3


def test_the_tool_rule_and_path_count(tmp_path: Path) -> None:
    spot = Spot("a.py", 5, 11, "B307")
    (tmp_path / "b.py").write_text(SOURCE, encoding="utf-8")
    one = prints(tmp_path, SOURCE, [spot, Spot("b.py", 5, 11, "B307"), Spot("a.py", 5, 11, "S307")])
    assert len(set(one)) == 3
    assert prints(tmp_path, SOURCE, [spot], tool="bandit") != prints(tmp_path, SOURCE, [spot])


def test_a_finding_without_a_line_still_gets_one(tmp_path: Path) -> None:
    """Line 0 (a whole-file finding) or a file that is gone: the text is empty, not an error."""
    found = prints(tmp_path, SOURCE, [Spot("a.py", 0, 0, "E902"), Spot("gone.py", 3, 0, "E902")])
    assert all(len(p) == 20 for p in found)
