"""taskbelt's tool environments: a stamp that matches its lock means no reinstall."""

from __future__ import annotations

from pathlib import Path

from taskbelt.tools import pins, venvs


def test_install_is_skipped_when_stamp_matches(tmp_path: Path) -> None:
    """A venv whose stamp matches its lock is not reinstalled (no uv call at all)."""
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / ".taskbelt-tools-lint").write_text(pins.lock_digest("lint"))
    venvs.install_tools(venv, "lint")  # would fail: venv has no python to install into
