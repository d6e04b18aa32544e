"""format and fix run the real formatter on throwaway repositories; check mode writes nothing."""

from __future__ import annotations

import pytest
from conftest import (
    CLEAN_PYPROJECT,
    CLEAN_SRC,
    MakeRepo,
    ToolVenv,
    ctx_for,
    git,
    ruff_hooks,
    snapshot,
)

from taskbelt.checks import formatting
from taskbelt.checks.fix import fix_repo
from taskbelt.checks.lint import check as lint
from taskbelt.environments import create
from taskbelt.repository.tool_versions import taskbelt_pins
from taskbelt.results import Status

pytestmark = pytest.mark.slow


class TestFormat:
    def test_badly_formatted(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        """black --check names the file and writes nothing."""
        project = make_repo({**CLEAN_SRC, "src/demo/ugly.py": "x  =  {'a':1}\n"})
        before = snapshot(project.root)
        result = formatting.run(ctx_for(project, tool_venv("format")))
        assert result.status is Status.FAILED
        black = f"black {taskbelt_pins()['black']}"
        assert result.summary.startswith(
            f"{black} (taskbelt's default: nothing in the repository names a formatter): "
            "1 file would be reformatted"
        )
        assert "would be reformatted: src/demo/ugly.py" in result.summary
        assert str(project.root) not in result.summary
        assert snapshot(project.root) == before

    def test_ruff_format_when_configured(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        """A repo that configures [tool.ruff.format] is checked by ruff format."""
        pyproject = CLEAN_PYPROJECT + "[tool.ruff.format]\nquote-style = 'single'\n"
        project = make_repo({**CLEAN_SRC, "src/demo/q.py": 'x = "a"\n'}, pyproject=pyproject)
        result = formatting.run(ctx_for(project, tool_venv("format")))
        assert result.status is Status.FAILED
        assert result.summary.startswith(
            f"ruff {taskbelt_pins()['ruff']} (pyproject.toml [tool.ruff.format]): "
            "1 file would be reformatted: src/demo/q.py"
        )

    def test_a_black_hook_from_black_s_former_url_formats_the_python_files_only(
        self, make_repo: MakeRepo
    ) -> None:
        """Seen: ``github.com/ambv/black`` was given every tracked file: "black crashed (exit 123)".

        Black at the hook's pin leaves the repository's Python files unchanged,
        and taskbelt says so: its rst, toml and txt files are not black's.
        """
        black = taskbelt_pins()["black"]
        hooks = f"repos:\n  - repo: https://github.com/ambv/black\n    rev: {black}\n    hooks:\n      - id: black\n"
        files = {
            **CLEAN_SRC,
            ".pre-commit-config.yaml": hooks,
            "docs/index.rst": "Title\n=====\n\n.. code:: python\n\n   x  =  1\n",
            "requirements.txt": "click\n",
        }
        project = make_repo(files)
        result = formatting.run(ctx_for(project, create.tool_env(project, "format")))
        assert result.status is Status.PASSED, result.summary + result.output
        assert result.summary == f"black {black} (.pre-commit-config.yaml hook black): formatted"

    def test_the_formatter_the_pre_commit_hooks_run(self, make_repo: MakeRepo) -> None:
        """itsdangerous's and pluggy's case: pre-commit runs ruff-format, so black never judges.

        ``# type:ignore`` is ruff-formatted; black would rewrite it to ``# type: ignore``.
        """
        code = "x = 1  # type:ignore\n"
        hooks = ruff_hooks("v0.16.3", "      - id: ruff-format\n")
        project = make_repo({**CLEAN_SRC, "src/demo/t.py": code, ".pre-commit-config.yaml": hooks})
        ctx = ctx_for(project, create.tool_env(project, "format"))  # the hook's ruff, 0.16.3
        result = formatting.run(ctx)
        assert result.status is Status.PASSED, result.output
        assert result.summary == "ruff 0.16.3 (.pre-commit-config.yaml hook ruff-format): formatted"
        assert fix_repo(ctx).status is Status.PASSED
        assert (project.root / "src/demo/t.py").read_text() == code

    def test_fix_writes(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        """fix applies ruff fixes and the formatter; the check then passes."""
        project = make_repo({**CLEAN_SRC, "src/demo/ugly.py": "import os\nx  =  {'a':1}\n"})
        ctx = ctx_for(project, tool_venv("format"))
        assert fix_repo(ctx).status is Status.PASSED
        assert (project.root / "src/demo/ugly.py").read_text() == 'x = {"a": 1}\n'
        assert formatting.run(ctx).status is Status.PASSED


def test_git_tree_untouched_by_checks(make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
    """Check mode leaves git's view of the repo clean (state lives in .taskbelt-cache/)."""
    project = make_repo({**CLEAN_SRC, "src/demo/extra.py": "import os\n"})
    (project.state_dir).mkdir()
    (project.state_dir / ".gitignore").write_text("*\n")
    lint.run(ctx_for(project, tool_venv("lint")))
    formatting.run(ctx_for(project, tool_venv("format")))
    assert git(project.root, "status", "--porcelain") == ""
