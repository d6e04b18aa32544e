"""Sessions by name: what a wrong name says, and the order they start in."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from taskbelt import sessions
from taskbelt.errors import ConfigError
from taskbelt.interpreters import Interpreter
from taskbelt.matrix import Matrix
from taskbelt.orchestrator import longest_first
from taskbelt.project import Project
from taskbelt.results import Status

MakeRepo = Callable[..., Project]


def test_python_not_in_matrix_is_an_error_row(make_repo: MakeRepo, python312: Interpreter) -> None:
    """test-3.99 is an error naming the sessions there are; nothing is created."""
    project = make_repo()
    result = sessions.run("test-3.99", project, Matrix((python312,), ()))
    assert result.status is Status.ERROR
    assert result.summary == "no session test-3.99: Python 3.99 is not in the test matrix here"
    assert result.output == "choose one of: test-3.12"
    assert not (project.state_dir / "envs").exists()


def test_unknown_session_is_an_error_row(make_repo: MakeRepo) -> None:
    """A name no session has is an error row (run) or a ConfigError (body)."""
    result = sessions.run("lnt", make_repo(), Matrix((), ()))
    assert result.status is Status.ERROR
    assert result.summary == "unknown check 'lnt'"
    with pytest.raises(ConfigError, match="unknown check 'lnt'"):
        sessions.body("lnt")


def test_tool_environments_come_from_a_base_interpreter() -> None:
    """Tool environments are made from a real interpreter, not from a virtual environment."""
    python = sessions.tools_python()
    assert python.is_file()
    assert not (python.parent.parent / "pyvenv.cfg").exists()


def test_slowest_kinds_start_first() -> None:
    """Tests, then mypy, then the audit; the quick ones last, in their given order otherwise."""
    names = ["lint", "format", "typecheck", "test-3.11", "audit", "test-3.12"]
    assert longest_first(names) == [
        "test-3.11",
        "test-3.12",
        "typecheck",
        "audit",
        "format",
        "lint",
    ]
