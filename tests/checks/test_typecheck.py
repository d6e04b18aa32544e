"""typecheck runs the real checker in the project's own environment."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CLEAN_SRC, MakeRepo, ToolVenv, ctx_for

from taskbelt.checks.typecheck import check as typecheck
from taskbelt.results import Status
from taskbelt.tools.interpreters import Interpreter

pytestmark = pytest.mark.slow


class TestTypecheck:
    def test_type_error(
        self,
        make_repo: MakeRepo,
        tool_venv: ToolVenv,
        project_env: Callable[..., Path],
        python312: Interpreter,
    ) -> None:
        """A wrong return type fails with path:line and the error code."""
        files = {**CLEAN_SRC, "src/demo/bad.py": "def f() -> int:\n    return 'x'\n"}
        project = make_repo(files)
        env = project_env(project, python312)
        result = typecheck.run(
            ctx_for(project, tool_venv("typecheck"), project_python=env / "bin/python")
        )
        assert result.status is Status.FAILED
        assert result.details["findings"][0]["path"] == "src/demo/bad.py"
        assert result.details["findings"][0]["line"] == 2
        assert result.details["findings"][0]["code"] == "return-value"
