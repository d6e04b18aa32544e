"""The one project-root lookup: --root, then TASKBELT_PROJECT_ROOT, then the nearest pyproject.toml."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import assert_two_line_error, taskbelt, write_files

from taskbelt.errors import ProjectError
from taskbelt.repository.locate import find_root, project_root


def test_found_from_subfolder(tmp_path: Path) -> None:
    """The root is the nearest folder above with a pyproject.toml."""
    write_files(tmp_path, {"pyproject.toml": "[project]\nname='x'\n", "a/b/c.txt": ""})
    assert find_root(tmp_path / "a" / "b") == tmp_path
    assert project_root(None, {}, tmp_path / "a" / "b") == tmp_path


def test_explicit_then_environment_then_search(tmp_path: Path) -> None:
    write_files(tmp_path, {"a/pyproject.toml": "", "b/pyproject.toml": "", "c/d/x": ""})
    env = {"TASKBELT_PROJECT_ROOT": str(tmp_path / "b")}
    assert project_root(tmp_path / "a", env, tmp_path / "c") == tmp_path / "a"
    assert project_root(None, env, tmp_path / "c") == tmp_path / "b"
    assert project_root(None, {"TASKBELT_PROJECT_ROOT": ""}, tmp_path / "a") == tmp_path / "a"


def test_no_pyproject(tmp_path: Path) -> None:
    """No pyproject.toml anywhere is a ProjectError that says what to do."""
    with pytest.raises(ProjectError) as info:
        project_root(None, {}, tmp_path)
    assert "no pyproject.toml" in info.value.cause
    assert "pyproject.toml" in info.value.fix


@pytest.mark.parametrize("command", [["check"], ["doctor"], ["container"]])
def test_every_command_says_the_same(tmp_path: Path, command: list[str]) -> None:
    """The fast door, the full one and container give one answer outside any project."""
    done = taskbelt(tmp_path, *command)
    assert_two_line_error(done, f"no pyproject.toml in {tmp_path.resolve()}")
