"""The one atomic writer: the old file or the new one, never half; permissions kept."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from taskbelt.files import write_atomic


def test_text_is_written_exactly_and_the_folder_made(tmp_path: Path) -> None:
    """Line endings are not translated; a missing folder is created."""
    path = tmp_path / "a/b/report.txt"
    write_atomic(path, "one\r\ntwo\n")
    assert path.read_bytes() == b"one\r\ntwo\n"
    assert [p.name for p in path.parent.iterdir()] == ["report.txt"]


def test_an_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    """An executable git hook rewritten stays executable."""
    hook = tmp_path / "pre-commit"
    hook.write_text("#!/bin/sh\n")
    hook.chmod(0o750)
    write_atomic(hook, "#!/bin/sh\nexit 0\n")
    assert hook.stat().st_mode & 0o777 == 0o750
    assert hook.read_text() == "#!/bin/sh\nexit 0\n"


def test_a_new_file_gets_the_umask_mode(tmp_path: Path) -> None:
    """Not mkstemp's 0600: a report another user reads is readable."""
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "new.json", "{}\n")
    finally:
        os.umask(old)
    assert (tmp_path / "new.json").stat().st_mode & 0o777 == 0o644


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    """Text that cannot be encoded fails before the rename: nothing is lost or left."""
    path = tmp_path / "mise.toml"
    path.write_text("[tasks]\n")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(path, "bad \udc80 surrogate")
    assert path.read_text() == "[tasks]\n"
    assert [p.name for p in tmp_path.iterdir()] == ["mise.toml"]
