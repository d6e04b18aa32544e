"""Which formatter, lint rules and type checker a repository gets, and why.

Fast tests of the decision alone (no tool runs); the checks that run the
chosen tools on throwaway repositories are in test_checks.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_files

from taskbelt import defaults
from taskbelt.cache import VerdictCache
from taskbelt.errors import ConfigError
from taskbelt.project import Project
from taskbelt.toolchoice import Choice

PYPROJECT = "[project]\nname = 'demo'\n"
RUFF_FORMAT_HOOK = """
repos:
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.16.3
    hooks:
      - id: ruff-check
        args: ["--fix"]
      - id: ruff-format
"""
BLACK_HOOK = """
repos:
  - repo: https://github.com/psf/black
    rev: 24.2.0
    hooks:
      - id: black
"""


def formatter_of(root: Path, files: dict[str, str]) -> Choice:
    write_files(root, {"pyproject.toml": PYPROJECT, **files})
    return Project.load(root).tools.formatter


class TestFormatter:
    def test_nothing_named_is_black_by_default_and_says_so(self, tmp_path: Path) -> None:
        choice = formatter_of(tmp_path, {})
        assert choice == Choice(
            "black", "taskbelt's default: nothing in the repository names a formatter"
        )

    def test_the_setting_wins_over_everything(self, tmp_path: Path) -> None:
        choice = formatter_of(
            tmp_path,
            {
                "pyproject.toml": PYPROJECT + "[tool.taskbelt]\nformatter = 'black'\n",
                ".pre-commit-config.yaml": RUFF_FORMAT_HOOK,
            },
        )
        assert choice == Choice("black", "[tool.taskbelt] formatter")

    def test_a_pre_commit_ruff_format_hook_wins_over_black_in_the_dependencies(
        self, tmp_path: Path
    ) -> None:
        """pluggy's case: ruff-format in pre-commit, black only for blacken-docs."""
        hooks = RUFF_FORMAT_HOOK + (
            "  - repo: https://github.com/asottile/blacken-docs\n    rev: 1.20.0\n"
            "    hooks:\n      - id: blacken-docs\n"
            "        additional_dependencies: [black==24.2.0]\n"
        )
        pyproject = PYPROJECT + "[dependency-groups]\ndev = ['black']\n"
        choice = formatter_of(
            tmp_path, {"pyproject.toml": pyproject, ".pre-commit-config.yaml": hooks}
        )
        assert choice == Choice("ruff", ".pre-commit-config.yaml hook ruff-format")

    def test_a_black_hook_and_a_local_black_entry(self, tmp_path: Path) -> None:
        assert formatter_of(tmp_path, {".pre-commit-config.yaml": BLACK_HOOK}).tool == "black"
        local = "repos:\n  - repo: local\n    hooks:\n      - id: fmt\n        entry: black -q\n"
        assert formatter_of(tmp_path, {".pre-commit-config.yaml": local}) == Choice(
            "black", ".pre-commit-config.yaml hook fmt"
        )

    def test_hooks_naming_both_formatters_say_nothing(self, tmp_path: Path) -> None:
        both = RUFF_FORMAT_HOOK + BLACK_HOOK.replace("repos:\n", "")
        choice = formatter_of(
            tmp_path,
            {
                ".pre-commit-config.yaml": both,
                "pyproject.toml": PYPROJECT + "[tool.black]\n",
            },
        )
        assert choice == Choice("black", "pyproject.toml [tool.black]")

    @pytest.mark.parametrize(
        ("name", "text", "tool"),
        [
            ("tox.ini", "[testenv:lint]\ncommands =\n    black --check .\n", "black"),
            ("Makefile", "fmt:\n\truff format --check src\n", "ruff"),
            ("noxfile.py", "def fmt(session):\n    session.run('ruff', 'format', '.')\n", "ruff"),
            (
                ".github/workflows/ci.yml",
                "jobs:\n  l:\n    steps:\n      - run: python -m black --check src\n",
                "black",
            ),
        ],
    )
    def test_commands_the_repository_runs(
        self, tmp_path: Path, name: str, text: str, tool: str
    ) -> None:
        choice = formatter_of(
            tmp_path, {name: text, "pyproject.toml": PYPROJECT + "[tool.black]\n"}
        )
        label = "ruff format" if tool == "ruff" else "black"
        assert choice == Choice(tool, f"{name} runs {label}")

    def test_comments_and_dependency_lines_are_not_commands(self, tmp_path: Path) -> None:
        tox = (
            "[testenv]\ndeps =\n    black\n# we used to run black --check here\ncommands = pytest\n"
        )
        assert formatter_of(tmp_path, {"tox.ini": tox}).source.startswith("taskbelt's default")

    @pytest.mark.parametrize(
        ("files", "expected"),
        [
            ({"pyproject.toml": PYPROJECT + "[tool.black]\nline-length = 100\n"}, Choice("black", "pyproject.toml [tool.black]")),
            ({"pyproject.toml": PYPROJECT + "[tool.ruff.format]\nquote-style = 'single'\n"}, Choice("ruff", "pyproject.toml [tool.ruff.format]")),
            ({"ruff.toml": "[format]\n"}, Choice("ruff", "ruff.toml [format]")),
            (
                {"pyproject.toml": PYPROJECT + "[dependency-groups]\ndev = ['black>=24']\n[tool.ruff.format]\n"},
                Choice("ruff", "pyproject.toml [tool.ruff.format]"),
            ),
            ({"pyproject.toml": PYPROJECT + "[dependency-groups]\ndev = ['black>=24', 'ruff']\n"}, Choice("black", "black among the project's dependencies")),
            ({"pyproject.toml": PYPROJECT + "[project.optional-dependencies]\ndev = ['ruff']\n"}, Choice("ruff", "ruff among the project's dependencies, black not")),
            ({"pyproject.toml": PYPROJECT + "[tool.ruff.lint]\nselect = ['E']\n"}, Choice("ruff", "pyproject.toml [tool.ruff] configures ruff, and nothing names black")),
        ],
    )  # fmt: skip
    def test_configuration_then_dependencies_then_ruff_config(
        self, tmp_path: Path, files: dict[str, str], expected: Choice
    ) -> None:
        assert formatter_of(tmp_path, files) == expected

    def test_unreadable_pre_commit_file_names_itself(self, tmp_path: Path) -> None:
        with pytest.raises(ConfigError) as info:
            formatter_of(tmp_path, {".pre-commit-config.yaml": "repos:\n  - [unclosed\n"})
        assert info.value.cause.startswith(".pre-commit-config.yaml: invalid YAML (line ")


class TestRulesAndChecker:
    def test_lint_rules_are_the_repository_s_else_taskbelt_s(self, tmp_path: Path) -> None:
        write_files(tmp_path, {"pyproject.toml": PYPROJECT})
        assert Project.load(tmp_path).tools.linter == Choice(
            "ruff", "taskbelt's default rules", defaults.RUFF_CONFIG
        )
        write_files(tmp_path, {"pyproject.toml": PYPROJECT + "[tool.ruff]\n", ".ruff.toml": ""})
        assert Project.load(tmp_path).tools.linter == Choice("ruff", "rules from .ruff.toml")

    @pytest.mark.parametrize(
        ("files", "source"),
        [
            ({}, "taskbelt's default settings"),
            ({"pyproject.toml": PYPROJECT + "[tool.mypy]\nstrict = true\n"}, "settings from pyproject.toml [tool.mypy]"),
            ({"setup.cfg": "[mypy]\nstrict = True\n"}, "settings from setup.cfg [mypy]"),
            ({"mypy.ini": "[mypy]\n", "setup.cfg": "[mypy]\n"}, "settings from mypy.ini"),
        ],
    )  # fmt: skip
    def test_mypy_settings_in_mypy_s_own_order(
        self, tmp_path: Path, files: dict[str, str], source: str
    ) -> None:
        write_files(tmp_path, {"pyproject.toml": PYPROJECT, **files})
        choice = Project.load(tmp_path).tools.type_checker
        assert (choice.tool, choice.source) == ("mypy", source)
        assert (choice.config is None) == (source != "taskbelt's default settings")


@pytest.mark.parametrize(
    "rel", [".pre-commit-config.yaml", "tox.toml", "Makefile", ".github/workflows/lint.yml"]
)
def test_files_that_choose_a_tool_are_in_the_static_checks_key(tmp_path: Path, rel: str) -> None:
    """Switching the formatter in pre-commit (or CI) must rerun format, not reuse its pass."""
    write_files(tmp_path, {"pyproject.toml": PYPROJECT, "src/demo/__init__.py": ""})
    before = VerdictCache(tmp_path, tmp_path / defaults.STATE_DIR_NAME, {}).key("format")
    write_files(tmp_path, {rel: "ruff format\n"})
    after = VerdictCache(tmp_path, tmp_path / defaults.STATE_DIR_NAME, {}).key("format")
    assert after != before
