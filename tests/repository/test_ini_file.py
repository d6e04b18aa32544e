"""INI settings files read as the tools read them, or not at all."""

from __future__ import annotations

from pathlib import Path

from taskbelt.repository.ini_file import read_ini


def test_a_file_is_read_raw(tmp_path: Path) -> None:
    """``%`` is not interpolated (setuptools, flake8, coverage and mypy read it raw)."""
    path = tmp_path / "setup.cfg"
    path.write_text("[coverage:report]\nexclude_lines = 100%\n")
    parser = read_ini(path)
    assert parser is not None
    assert parser.get("coverage:report", "exclude_lines") == "100%"


def test_what_cannot_be_read_is_nothing(tmp_path: Path) -> None:
    """Missing, not UTF-8, or not INI: None, as the tools pass over such a file."""
    (tmp_path / "latin.cfg").write_bytes(b"[flake8]\nmax-line-length = 99 \xe9\n")
    (tmp_path / "broken.cfg").write_text("no section header\n")
    assert read_ini(tmp_path / "missing.cfg") is None
    assert read_ini(tmp_path / "latin.cfg") is None
    assert read_ini(tmp_path / "broken.cfg") is None
    assert read_ini(tmp_path) is None
