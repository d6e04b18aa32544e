"""The ledger file: written in a reviewable order, read back whole, refused when broken."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from taskbelt.errors import ConfigError
from taskbelt.ledger import book


def entry(fingerprint: str = "f1", **kw: str) -> book.Entry:
    values = {"check": "lint", "tool": "ruff", "rule": "F401", "path": "src/a.py"}
    return book.Entry(**{**values, **kw}, fingerprint=fingerprint, message="`os` imported")


def test_written_and_read_back(tmp_path: Path) -> None:
    ledger = book.Ledger(
        (entry("f2", path="src/b.py"), entry("f1", reason="vendored", until="2027-01-31")),  # type: ignore[arg-type]
        (book.Group(rule="F401", owner="team-a"),),
    )
    path = book.write(tmp_path, ledger)
    text = path.read_text(encoding="utf-8")
    assert path.name == "taskbelt-ledger.toml"
    assert text.index('path = "src/a.py"') < text.index('path = "src/b.py"'), "sorted by path"
    assert "until = 2027-01-31" in text
    back = book.load(tmp_path)
    assert back.present
    assert {e.fingerprint for e in back.entries} == {"f1", "f2"}
    first = back.get("f1")
    assert first is not None
    assert back.why(first) == book.Why("vendored", "team-a", dt.date(2027, 1, 31))


def test_coverage_floors_are_one_line_per_file(tmp_path: Path) -> None:
    """``[coverage]``: path = floor, sorted, read back as written."""
    book.write(tmp_path, book.Ledger(floors={"src/b.py": 80, "src/a.py": 100}, present=True))
    text = (tmp_path / book.FILE).read_text(encoding="utf-8")
    assert '[coverage]\n"src/a.py" = 100\n"src/b.py" = 80\n' in text
    assert book.load(tmp_path).floors == {"src/a.py": 100, "src/b.py": 80}


def test_no_file_is_an_empty_ledger(tmp_path: Path) -> None:
    ledger = book.load(tmp_path)
    assert not ledger.present
    assert ledger.entries == ()


def test_a_group_gives_its_reason_to_the_findings_it_selects() -> None:
    group = book.Group(path="src/legacy/*", reason="old code", until=dt.date(2027, 6, 1))
    ledger = book.Ledger((entry("a", path="src/legacy/x.py"), entry("b")), (group,))
    assert ledger.why(entry("a", path="src/legacy/x.py")).reason == "old code"
    assert ledger.why(entry("b")) == book.Why()


BROKEN = {
    "not TOML": ("version = [", "is not valid TOML"),
    "no such check": (
        '[[finding]]\ncheck = "style"\ntool = "ruff"\nrule = "E1"\npath = "a.py"\n'
        'fingerprint = "f"\n',
        "finding 1 (a.py): no check 'style'",
    ),
    "no such tool": (
        '[[finding]]\ncheck = "typecheck"\ntool = "flake8"\nrule = "E1"\npath = "a.py"\n'
        'fingerprint = "f"\n',
        "typecheck has no tool 'flake8'",
    ),
    "newer taskbelt": ("version = 2\n", "written by a newer taskbelt"),
    "same fingerprint twice": (
        '[[finding]]\ncheck = "lint"\ntool = "ruff"\nrule = "E1"\npath = "a.py"\n'
        'fingerprint = "f"\n'
        '[[finding]]\ncheck = "lint"\ntool = "ruff"\nrule = "E2"\npath = "b.py"\n'
        'fingerprint = "f"\n',
        "findings 1 and 2 have the same fingerprint f",
    ),
    "a key misspelt": (
        '[[finding]]\ncheck = "lint"\ntool = "ruff"\nrule = "E1"\npath = "a.py"\n'
        'fingerprint = "f"\nreasn = "x"\n',
        "finding 1 (a.py): reasn: Extra inputs are not permitted",
    ),
    "a bad date": (
        '[[group]]\nrule = "E1"\nuntil = "soon"\n',
        "group 1: until:",
    ),
    "a floor above 100": (
        '[coverage]\n"src/a.py" = 120\n',
        "coverage.src/a.py: Input should be less than or equal to 100",
    ),
}


@pytest.mark.parametrize("case", BROKEN)
def test_a_broken_ledger_is_an_error_naming_what(tmp_path: Path, case: str) -> None:
    text, cause = BROKEN[case]
    (tmp_path / book.FILE).write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        book.load(tmp_path)
    assert cause in raised.value.cause
    assert raised.value.fix
    assert (tmp_path / book.FILE).read_text(encoding="utf-8") == text, "left untouched"
