"""lint runs the real ruff on throwaway repositories: its rules, its pins, its pre-commit hook's scope."""

from __future__ import annotations

import pytest
from conftest import CLEAN_PYPROJECT, CLEAN_SRC, MakeRepo, ToolVenv, ctx_for, ruff_hooks, snapshot

from taskbelt import proc
from taskbelt.checks import formatting
from taskbelt.checks.lint import check as lint
from taskbelt.environments import create
from taskbelt.errors import ToolError
from taskbelt.repository.project import Project
from taskbelt.repository.tool_versions import taskbelt_pins
from taskbelt.results import Status

pytestmark = pytest.mark.slow


class TestLint:
    def test_clean(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        """A clean repo has no findings."""
        result = lint.run(ctx_for(make_repo(), tool_venv("lint")))
        assert result.status is Status.PASSED, result.output

    def test_unused_import(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        """An unused import fails with file, line and rule, and the repo is untouched."""
        project = make_repo({**CLEAN_SRC, "src/demo/extra.py": "import os\n"})
        before = snapshot(project.root)
        result = lint.run(ctx_for(project, tool_venv("lint")))
        assert result.status is Status.FAILED
        assert "src/demo/extra.py:1:8: F401" in result.summary
        assert result.details["findings"][0]["code"] == "F401"
        assert snapshot(project.root) == before

    def test_repo_config_is_honoured(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        """A repo's own [tool.ruff] replaces taskbelt's rules (here: E401 ignored)."""
        pyproject = CLEAN_PYPROJECT + "[tool.ruff.lint]\nselect = ['E']\nignore = ['E401']\n"
        project = make_repo(
            {**CLEAN_SRC, "src/demo/extra.py": "import os, sys\n"}, pyproject=pyproject
        )
        result = lint.run(ctx_for(project, tool_venv("lint")))
        assert result.status is Status.PASSED, result.output

    def test_broken_config_is_error_with_stderr(
        self, make_repo: MakeRepo, tool_venv: ToolVenv
    ) -> None:
        """ruff refusing its configuration is an error, not a failure, and shows why."""
        pyproject = CLEAN_PYPROJECT + "[tool.ruff]\nline-length = 'long'\n"
        result = lint.run(ctx_for(make_repo(pyproject=pyproject), tool_venv("lint")))
        assert result.status is Status.ERROR
        assert "ruff crashed (exit 2)" in result.summary
        assert "line-length" in result.output


ALL_RULES_PYPROJECT = CLEAN_PYPROJECT + (
    '[tool.ruff.lint]\npreview = true\nselect = ["ALL"]\n'
    'ignore = ["missing-copyright-notice", "implicit-namespace-package"]\n'
)


AUTOUSE_FILES = {
    "src/demo/__init__.py": '"""Demo."""\n',
    "tests/test_a.py": (
        '"""Tests."""\n\nimport pytest\n\n\n@pytest.fixture(autouse=True)\n'
        'def _setup() -> None:\n    """Set up."""\n\n\ndef test_one() -> None:\n    """One."""\n'
    ),
    ".pre-commit-config.yaml": (ruff_hooks('"v0.16.3"', "      - id: ruff-check\n")),
}


class TestToolVersions:
    def test_the_repository_s_pinned_ruff_judges_its_rules(
        self, make_repo: MakeRepo, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The pre-commit rev's ruff runs, in an environment of its own, and -v says so."""
        project = make_repo(AUTOUSE_FILES, pyproject=ALL_RULES_PYPROJECT)
        venv = create.tool_env(project, "lint")
        version = proc.run([str(venv / "bin/ruff"), "--version"]).stdout
        assert version.strip() == "ruff 0.16.3"
        caplog.set_level("INFO", logger="taskbelt")
        result = lint.run(ctx_for(project, venv))
        assert result.status is Status.PASSED, result.output
        assert (
            "lint: ruff 0.16.3 (rules from pyproject.toml [tool.ruff]); version from "
            ".pre-commit-config.yaml rev v0.16.3 of astral-sh/ruff-pre-commit" in caplog.text
        )

    def test_a_ruff_from_before_output_format_judges_as_it_does_itself(
        self, make_repo: MakeRepo
    ) -> None:
        """ambient-package-update's case (2023): ruff's hook from its former URL at v0.0.285.

        That ruff knows ``--format``, not ``--output-format``: the row was
        "ruff crashed (exit 2)". Its own run, the same ruff on the same files,
        is the reference.
        """
        hooks = (
            "repos:\n  - repo: https://github.com/charliermarsh/ruff-pre-commit\n"
            "    rev: 'v0.0.285'\n    hooks:\n      - id: ruff\n"
            "        args: [ --fix, --exit-non-zero-on-fix ]\n"
        )
        files = {
            **CLEAN_SRC,
            "src/demo/unused.py": '"""Unused import."""\nimport os\n',
            ".pre-commit-config.yaml": hooks,
        }
        project = make_repo(files)
        venv = create.tool_env(project, "lint")
        ruff = str(venv / "bin/ruff")
        assert proc.run([ruff, "--version"]).stdout.strip() == "ruff 0.0.285"
        own = proc.run([ruff, "check", "src/demo/unused.py"], cwd=project.root, ok=None)
        assert own.returncode == 1
        assert "F401" in own.stdout
        result = lint.run(ctx_for(project, venv))
        assert result.status is Status.FAILED, result.output
        assert result.summary.startswith("1 finding; first: src/demo/unused.py:2:8: F401 ")

    def test_tool_versions_taskbelt_runs_the_shared_pin(self, make_repo: MakeRepo) -> None:
        """The same repository under taskbelt's ruff gets the newer rule, named as ruff names it."""
        pyproject = ALL_RULES_PYPROJECT.replace(
            "[tool.taskbelt]\n", "[tool.taskbelt]\ntool-versions = 'taskbelt'\n"
        )
        project = make_repo(AUTOUSE_FILES, pyproject=pyproject)
        venv = create.tool_env(project, "lint")
        assert venv.name == "tools-lint"
        result = lint.run(ctx_for(project, venv))
        assert result.status is Status.FAILED
        assert result.summary == (
            "1 finding; first: tests/test_a.py:6:17: pytest-fixture-autouse Avoid using "
            "`autouse=True` in `pytest.fixture` decorators"
        )


class TestHookScope:
    """platformdirs' case: ruff run as `ruff check .` lints pyproject.toml; its hook never does."""

    def repo(self, make_repo: MakeRepo, hook: str) -> Project:
        pyproject = ALL_RULES_PYPROJECT.replace(
            '"missing-copyright-notice", "implicit-namespace-package"', '"CPY001", "INP001"'
        )  # rule codes where ruff 0.17 wants names: a finding in pyproject.toml itself
        ruff = taskbelt_pins()["ruff"]  # the hook at taskbelt's version: no second environment
        config = ruff_hooks(f"v{ruff}", hook)
        return make_repo({**AUTOUSE_FILES, ".pre-commit-config.yaml": config}, pyproject=pyproject)

    def test_the_hook_s_files_and_arguments(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        """Python files only, minus the hook's exclude; its --fix never applied in check mode."""
        hook = "      - id: ruff-check\n        args: [--fix, --exit-non-zero-on-fix]\n"
        project = self.repo(make_repo, hook + "        exclude: ^tests/\n")
        before = snapshot(project.root)
        result = lint.run(ctx_for(project, tool_venv("lint")))
        assert result.status is Status.PASSED, result.output
        assert snapshot(project.root) == before

    def test_the_same_repository_without_the_scope_fails_where_ruff_check_dot_would(
        self, make_repo: MakeRepo, tool_venv: ToolVenv
    ) -> None:
        """The control: with a hook of no exclude, the test file's finding is reported; never pyproject's."""
        project = self.repo(make_repo, "      - id: ruff-check\n")
        result = lint.run(ctx_for(project, tool_venv("lint")))
        assert result.status is Status.FAILED
        paths = {f["path"] for f in result.details["findings"]}
        assert paths == {"tests/test_a.py"}
        (project.root / ".pre-commit-config.yaml").unlink()
        project = Project.load(project.root)
        result = lint.run(ctx_for(project, tool_venv("lint")))
        assert {f["path"] for f in result.details["findings"]} == {
            "pyproject.toml",
            "tests/test_a.py",
        }

    def test_an_old_ruff_pinned_by_a_frozen_hook_formats(self, make_repo: MakeRepo) -> None:
        """itsdangerous' case: ruff 0.11.11 (a frozen commit rev), whose format has no --extend-exclude."""
        config = ruff_hooks(
            "76e47323a83cd9795e4ff9a1de1c0d2eef610f17  # frozen: v0.11.11",
            "      - id: ruff\n      - id: ruff-format\n",
        )
        project = make_repo({**CLEAN_SRC, ".pre-commit-config.yaml": config})
        venv = create.tool_env(project, "format")
        assert venv.name == "tools-format-ruff0.11.11"
        result = formatting.run(ctx_for(project, venv))
        assert result.status is Status.PASSED, result.output
        assert (
            result.summary == "ruff 0.11.11 (.pre-commit-config.yaml hook ruff-format): formatted"
        )

    def test_a_hook_given_no_file_passes_without_running(
        self, make_repo: MakeRepo, tool_venv: ToolVenv
    ) -> None:
        project = self.repo(make_repo, "      - id: ruff-format\n        files: ^nothing/\n")
        result = formatting.run(ctx_for(project, tool_venv("format")))
        assert result.status is Status.PASSED
        assert result.summary.endswith("no files: the repository's pre-commit hook is given none")


def test_a_pinned_version_that_cannot_install_is_an_error_naming_the_way_out(
    make_repo: MakeRepo,
) -> None:
    """Fail closed: no ruff 0.0.0 exists, and taskbelt's ruff does not judge in its place."""
    hooks = AUTOUSE_FILES[".pre-commit-config.yaml"].replace("v0.16.3", "v0.0.0")
    project = make_repo({**AUTOUSE_FILES, ".pre-commit-config.yaml": hooks})
    with pytest.raises(ToolError) as info:
        create.tool_env(project, "lint")
    assert "ruff==0.0.0" in info.value.cause
    assert 'tool-versions = "taskbelt"' in info.value.fix
