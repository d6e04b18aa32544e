"""Sessions by name: what a wrong name says, and the order they start in."""

from __future__ import annotations

import os
from collections.abc import Iterable

import pytest
from conftest import MakeRepo

from taskbelt.checks import registry
from taskbelt.checks.interface import Session
from taskbelt.environments.matrix import Matrix
from taskbelt.errors import ConfigError
from taskbelt.frontends import nox_sessions
from taskbelt.results import Status
from taskbelt.running import sessions
from taskbelt.running.orchestrator import Runner, longest_first, plan
from taskbelt.tools import venvs
from taskbelt.tools.interpreters import Interpreter


def named(planned: Iterable[Session]) -> list[str]:
    """The names of sessions, as the summary shows them."""
    return [session.name for session in planned]


def planned(names: Iterable[str]) -> list[Session]:
    """The sessions ``names`` are, resolved as planning resolves them."""
    found = []
    for name in names:
        asked = registry.resolve(name)
        assert asked is not None, name
        found.append(asked.check.session(asked.version))
    return found


def test_python_not_in_matrix_is_an_error_row(make_repo: MakeRepo, python312: Interpreter) -> None:
    """test-3.99 is an error naming the sessions there are; nothing is created."""
    project = make_repo()
    test = registry.get("test")
    assert test is not None
    result = sessions.run(test.session("3.99"), project, Matrix((python312,), ()))
    assert result.status is Status.ERROR
    assert result.summary == "no session test-3.99: Python 3.99 is not in the test matrix here"
    assert result.output == "choose one of: test-3.12"
    assert not (project.state_dir / "envs").exists()


def test_a_name_no_check_has_is_a_usage_error_at_planning() -> None:
    """Planning refuses a typo before anything runs, with the nearest name."""
    with pytest.raises(ConfigError, match="unknown check 'lnt'") as caught:
        plan(["lint", "lnt"], Matrix((), ()))
    assert caught.value.fix.startswith("did you mean 'lint'?")
    with pytest.raises(ConfigError, match=r"unknown check 'test-3\.1x'"):
        plan(["test-3.1x"], Matrix((), ()))


def test_tool_environments_come_from_a_base_interpreter() -> None:
    """Tool environments are made from a real interpreter, not from a virtual environment."""
    python = venvs.base_python()
    assert python.is_file()
    assert not (python.parent.parent / "pyvenv.cfg").exists()


def test_slowest_kinds_start_first() -> None:
    """Tests, then mypy, then the audit; the quick ones last, in their given order otherwise."""
    names = ["lint", "format", "typecheck", "test-3.11", "audit", "test-3.12"]
    assert [s.name for s in longest_first(planned(names))] == [
        "test-3.11",
        "test-3.12",
        "typecheck",
        "audit",
        "format",
        "lint",
    ]


def test_one_pythons_session_is_planned_by_name(python312: Interpreter) -> None:
    """`run test-3.12` plans that session; a missing Python is a skipped row; 3.99 an error."""
    missing = Interpreter("3.8", None)
    tests = Matrix((python312,), (missing,))
    work = plan(["test-3.12", "lint", "test-3.8"], tests)
    assert named(work.first) == ["test-3.12", "lint"]
    assert work.then == ()
    assert [(r.name, r.status) for r in work.skipped] == [("test-3.8", Status.SKIPPED)]
    with pytest.raises(ConfigError, match=r"no session test-3\.99") as caught:
        plan(["test-3.99"], tests)
    assert caught.value.fix == "choose one of: test-3.12"


class TestSkipSetting:
    """`[tool.taskbelt] skip` turns checks into skipped rows that say why."""

    def test_check_plans_the_rest(self, python312: Interpreter) -> None:
        work = plan(["check"], Matrix((python312,), ()), skip=["typecheck", "audit"])
        assert "typecheck" not in named(work.first + work.then)
        assert "audit" not in named(work.first + work.then)
        assert {"lint", "format", "test-3.12"} <= set(named(work.first))
        rows = {r.name: (r.status, r.summary) for r in work.skipped}
        assert rows == {
            "typecheck": (Status.SKIPPED, "skipped by [tool.taskbelt] skip"),
            "audit": (Status.SKIPPED, "skipped by [tool.taskbelt] skip"),
        }

    def test_what_waits_for_a_skipped_check_is_skipped_with_it(
        self, python312: Interpreter
    ) -> None:
        """Without tests there is no coverage data: coverage says it needs test."""
        tests = Matrix((python312,), ())
        work = plan(["check"], tests, skip=["test"])
        assert not any(s.check.name in ("test", "coverage") for s in work.first + work.then)
        rows = {r.name: r.summary for r in work.skipped}
        assert rows["test"] == "skipped by [tool.taskbelt] skip"
        assert rows["coverage"] == "skipped: it needs test, which [tool.taskbelt] skip switches off"
        assert {r.name: r.summary for r in plan(["test-3.12"], tests, skip=["test"]).skipped} == {
            "test-3.12": "skipped by [tool.taskbelt] skip"
        }

    def test_skipping_coverage_keeps_the_tests(self, python312: Interpreter) -> None:
        work = plan(["test"], Matrix((python312,), ()), skip=["coverage"])
        assert named(work.first) == ["test-3.12"]
        assert work.then == ()
        assert [r.name for r in work.skipped] == ["coverage"]


def test_nox_script_mode_environment_is_taken_out() -> None:
    """What nox's script mode set is not the caller's environment; the rest stays."""
    script = "/repo/.nox/_nox_script_mode"
    inside = {
        "PATH": os.pathsep.join([f"{script}/bin", "/usr/local/bin", "/usr/bin"]),
        "VIRTUAL_ENV": script,
        "UV_PYTHON": script,
        "UV_PROJECT_ENVIRONMENT": script,
        "NOX_SCRIPT_MODE": "none",
        "DATABASE_URL": "sqlite://",
    }
    assert nox_sessions.caller_environ(inside) == {
        "PATH": os.pathsep.join(["/usr/local/bin", "/usr/bin"]),
        "DATABASE_URL": "sqlite://",
    }
    own = {"VIRTUAL_ENV": "/home/me/.venv", "UV_PYTHON": "3.12", "PATH": "/usr/bin"}
    assert nox_sessions.caller_environ(own) == own, "nothing is taken from a caller's own values"


def test_a_test_sessions_key_holds_the_runs_pythons(
    make_repo: MakeRepo, python312: Interpreter
) -> None:
    """The tests see TASKBELT_TEST_MATRIX: a run of 3.12 alone is another verdict than 3.11 and 3.12's."""
    runner = Runner(make_repo(), Matrix((python312,), ()))
    test312, lint = planned(["test-3.12", "lint"])
    runner.tested = ["3.12", "3.11"]
    spec = runner.spec(test312)
    assert spec is not None
    assert spec["matrix"] == ["3.11", "3.12"]
    lint_spec = runner.spec(lint)
    assert lint_spec is not None
    assert "matrix" not in lint_spec
    runner.tested = ["3.12"]
    alone = runner.spec(test312)
    assert alone is not None
    assert alone["matrix"] == ["3.12"]
