"""The repository's files: what git lists, without taskbelt's state and build leftovers."""

from __future__ import annotations

from pathlib import Path

from conftest import MakeRepo

from taskbelt.repository.tracked_files import list_files


def test_generated_and_ignored_files_left_out(make_repo: MakeRepo) -> None:
    """egg-info, bytecode, taskbelt's state and git-ignored files are not the repository's."""
    project = make_repo()
    (project.root / ".gitignore").write_text("build/\n")
    (project.root / "build").mkdir()
    (project.root / "build/x.py").write_text("")
    (project.root / "src/demo.egg-info").mkdir()
    (project.root / "src/demo.egg-info/PKG-INFO").write_text("")
    (project.root / "src/demo/__pycache__").mkdir()
    (project.root / "src/demo/__pycache__/x.cpython-312.pyc").write_bytes(b"")
    (project.root / ".taskbelt-cache").mkdir()
    (project.root / ".taskbelt-cache/state.json").write_text("{}")
    (project.root / "notes.txt").write_text("untracked, not ignored\n")
    files = list_files(project.root)
    assert "src/demo/__init__.py" in files
    assert "notes.txt" in files
    assert not [
        f for f in files if f.startswith(("build/", "src/demo.egg-info", ".taskbelt-cache"))
    ]
    assert not [f for f in files if f.endswith(".pyc")]


def test_a_folder_outside_git_is_walked(tmp_path: Path) -> None:
    """Without git the folder itself is the list, minus what is never walked."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg/a.py").write_text("")
    (tmp_path / ".venv/lib").mkdir(parents=True)
    (tmp_path / ".venv/lib/site.py").write_text("")
    (tmp_path / ".taskbelt-cache").mkdir()
    (tmp_path / ".taskbelt-cache/x.json").write_text("")
    assert list_files(tmp_path) == ["pkg/a.py"]
