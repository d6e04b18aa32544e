"""Which formatter, lint rules and type checker a repository gets, and why.

Fast tests of the decision alone (no tool runs); the checks that run the
chosen tools on throwaway repositories are in test_checks.py.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from conftest import write_files

from taskbelt import defaults
from taskbelt.caching.verdicts import VerdictCache
from taskbelt.errors import ConfigError
from taskbelt.repository import pre_commit
from taskbelt.repository.choice import Choice
from taskbelt.repository.project import Project
from taskbelt.repository.tool_versions import Pin, taskbelt_pins

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
    """The formatter chosen, without its version, hook and configuration file.

    Those are tested by TestVersions, TestHookScope and TestFormatterConfig.
    """
    write_files(root, {"pyproject.toml": PYPROJECT, **files})
    return dataclasses.replace(without_pin(Project.load(root).tools.formatter), config=None)


def without_pin(choice: Choice) -> Choice:
    return dataclasses.replace(choice, pin=None, hook=None)


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
            (
                "noxfile.py",
                "import nox\n\n\n@nox.session\ndef fmt(session):\n    session.run('ruff', 'format', '.')\n",
                "ruff",
            ),
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
        assert without_pin(Project.load(tmp_path).tools.linter) == Choice(
            "ruff", "taskbelt's default rules", defaults.RUFF_CONFIG
        )
        write_files(tmp_path, {"pyproject.toml": PYPROJECT + "[tool.ruff]\n", ".ruff.toml": ""})
        assert without_pin(Project.load(tmp_path).tools.linter) == Choice(
            "ruff", "rules from .ruff.toml"
        )

    def test_a_tox_environment_running_flake8_runs_flake8_s_defaults(self, tmp_path: Path) -> None:
        """pytest-dev/pytest-repeat: ``[testenv:flake8]`` and no flake8 settings anywhere.

        Its own flake8 passes; taskbelt's default rules found 5 problems in the same files.
        """
        tox = "[tox]\nenv_list = flake8\n[testenv:flake8]\ndeps = flake8\ncommands = flake8 a.py\n"
        write_files(tmp_path, {"pyproject.toml": PYPROJECT, "tox.ini": tox})
        linter = Project.load(tmp_path).tools.linter
        assert linter.source == (
            "flake8's rules from a tox environment running flake8: flake8's defaults, translated"
        )

    def test_ruff_s_formatter_never_reads_the_lint_rules_file(self, tmp_path: Path) -> None:
        """Lint rules may carry another line length (flake8's 79): format gets its own file."""
        write_files(tmp_path, {"pyproject.toml": PYPROJECT + "[tool.black]\n"})
        assert Project.load(tmp_path).tools.formatter.config is None  # black
        write_files(tmp_path, {"pyproject.toml": PYPROJECT, "ruff.toml": "[format]\n"})
        assert Project.load(tmp_path).tools.formatter.config is None  # the repository's ruff.toml
        write_files(
            tmp_path, {"pyproject.toml": PYPROJECT + "[tool.taskbelt]\nformatter = 'ruff'\n"}
        )
        (tmp_path / "ruff.toml").unlink()
        assert Project.load(tmp_path).tools.formatter.config == defaults.RUFF_CONFIG

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


class TestVersions:
    """The repository's pins, else taskbelt's (platformdirs' case: ruff 0.16.3 in pre-commit)."""

    def versions(self, root: Path, files: dict[str, str]) -> dict[str, Pin]:
        write_files(root, {"pyproject.toml": PYPROJECT, **files})
        return dict(Project.load(root).tools.versions)

    def test_without_pins_every_tool_runs_at_taskbelt_s_pin(self, tmp_path: Path) -> None:
        pins = self.versions(tmp_path, {})
        assert {tool: pin.version for tool, pin in pins.items()} == taskbelt_pins()
        assert not any(pin.repository for pin in pins.values())
        assert pins["ruff"].source == "taskbelt's pin: the repository pins no version"

    def test_a_pre_commit_rev_pins_its_tool(self, tmp_path: Path) -> None:
        project_files = {
            ".pre-commit-config.yaml": RUFF_FORMAT_HOOK + BLACK_HOOK.replace("repos:\n", "")
        }
        pins = self.versions(tmp_path, project_files)
        assert pins["ruff"] == Pin(
            "ruff",
            "0.16.3",
            ".pre-commit-config.yaml rev v0.16.3 of astral-sh/ruff-pre-commit",
            True,
        )
        assert pins["black"].version == "24.2.0"
        assert not pins["mypy"].repository

    def test_a_frozen_commit_rev_pins_the_release_its_comment_names(self, tmp_path: Path) -> None:
        """itsdangerous's case: `rev: <sha>  # frozen: v0.11.11`; a bare commit pins nothing."""
        sha = "76e47323a83cd9795e4ff9a1de1c0d2eef610f17"  # pragma: allowlist secret
        hooks = (
            "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n"
            f"    rev: {sha}  # frozen: v0.11.11\n    hooks:\n      - id: ruff\n"
            "  - repo: https://github.com/pre-commit/mirrors-mypy\n"
            f"    rev: {sha[::-1]}\n    hooks:\n      - id: mypy\n"
        )
        pins = self.versions(tmp_path, {".pre-commit-config.yaml": hooks})
        assert pins["ruff"].version == "0.11.11"
        assert pins["ruff"].source.endswith(
            f"rev {sha} (frozen: v0.11.11) of astral-sh/ruff-pre-commit"
        )
        assert not pins["mypy"].repository

    def test_then_the_lock_then_an_exact_dependency_pin(self, tmp_path: Path) -> None:
        lock = (
            'version = 1\n[[package]]\nname = "black"\nversion = "24.1.0"\n'
            '[[package]]\nname = "ruff"\nversion = "0.15.0"\n'
        )
        pyproject = PYPROJECT + (
            "[dependency-groups]\nlint = ['ruff==0.14.0', 'mypy==1.10.0', 'black>=23']\n"
        )
        pins = self.versions(
            tmp_path,
            {
                "uv.lock": lock,
                "pyproject.toml": pyproject,
                ".pre-commit-config.yaml": RUFF_FORMAT_HOOK,
            },
        )
        assert pins["ruff"].version == "0.16.3"
        assert pins["ruff"].source.startswith(".pre-commit-config.yaml rev v0.16.3")
        assert (pins["black"].version, pins["black"].source) == ("24.1.0", "uv.lock")
        assert (pins["mypy"].version, pins["mypy"].source) == (
            "1.10.0",
            "[dependency-groups] lint: mypy==1.10.0",
        )

    def test_a_range_is_no_pin(self, tmp_path: Path) -> None:
        pyproject = PYPROJECT + "[dependency-groups]\ndev = ['ruff>=0.5', 'black~=24.1']\n"
        pins = self.versions(tmp_path, {"pyproject.toml": pyproject})
        assert not pins["ruff"].repository
        assert not pins["black"].repository

    def test_tool_versions_taskbelt_forces_the_shared_pins(self, tmp_path: Path) -> None:
        pyproject = PYPROJECT + "[tool.taskbelt]\ntool-versions = 'taskbelt'\n"
        pins = self.versions(
            tmp_path, {"pyproject.toml": pyproject, ".pre-commit-config.yaml": RUFF_FORMAT_HOOK}
        )
        assert pins["ruff"] == Pin(
            "ruff", taskbelt_pins()["ruff"], 'taskbelt\'s pin (tool-versions = "taskbelt")'
        )

    def test_a_bad_tool_versions_value_names_the_key(self, tmp_path: Path) -> None:
        write_files(
            tmp_path, {"pyproject.toml": PYPROJECT + "[tool.taskbelt]\ntool-versions = 'mine'\n"}
        )
        with pytest.raises(ConfigError) as info:
            Project.load(tmp_path)
        assert "tool-versions" in info.value.cause

    def test_the_choice_names_the_version_and_why(self, tmp_path: Path) -> None:
        write_files(
            tmp_path, {"pyproject.toml": PYPROJECT, ".pre-commit-config.yaml": RUFF_FORMAT_HOOK}
        )
        formatter = Project.load(tmp_path).tools.formatter
        assert str(formatter) == "ruff 0.16.3 (.pre-commit-config.yaml hook ruff-format)"
        assert formatter.explain() == (
            "ruff 0.16.3 (.pre-commit-config.yaml hook ruff-format); version from "
            ".pre-commit-config.yaml rev v0.16.3 of astral-sh/ruff-pre-commit; "
            "files and arguments of pre-commit hook ruff-format"
        )


def test_a_repository_pin_equal_to_taskbelt_s_uses_the_hashed_environment(tmp_path: Path) -> None:
    """taskbelt's own uv.lock pins its tools at its own pins: no second, unhashed environment."""
    ruff = taskbelt_pins()["ruff"]
    lock = f'version = 1\n[[package]]\nname = "ruff"\nversion = "{ruff}"\n'
    lock += '[[package]]\nname = "black"\nversion = "23.1.0"\n'
    write_files(tmp_path, {"pyproject.toml": PYPROJECT, "uv.lock": lock})
    tools = Project.load(tmp_path).tools
    assert tools.versions["ruff"] == Pin("ruff", ruff, "uv.lock", True)
    assert tools.repository_versions(["ruff", "black", "mypy"]) == {"black": "23.1.0"}


class TestHookScope:
    """Which files and arguments the repository's pre-commit hooks give their tools."""

    def hook(self, root: Path, config: str) -> pre_commit.Hook:
        write_files(root, {".pre-commit-config.yaml": config})
        (hook,) = pre_commit.read_hooks(root)
        return hook

    def test_a_ruff_hook_is_given_python_files_only(self, tmp_path: Path) -> None:
        """platformdirs' case: ruff's hook never sees pyproject.toml (types_or python, pyi, jupyter)."""
        hook = self.hook(
            tmp_path,
            RUFF_FORMAT_HOOK.replace('      - id: ruff-check\n        args: ["--fix"]\n', ""),
        )
        write_files(
            tmp_path,
            {
                **dict.fromkeys(["a.py", "b.pyi", "pyproject.toml", "README.md"], ""),
                "n.ipynb": "{}",
                "bin/tool": "#!/usr/bin/env python3\n",
                "bin/notes": "#!/usr/bin/env python3\n",
            },
        )
        (tmp_path / "bin/tool").chmod(0o755)
        chosen = [
            rel
            for rel in [
                "a.py",
                "b.pyi",
                "n.ipynb",
                "pyproject.toml",
                "README.md",
                "bin/tool",
                "bin/notes",
            ]
            if hook.selects(tmp_path, rel)
        ]
        assert chosen == ["a.py", "b.pyi", "n.ipynb", "bin/tool"]

    @pytest.mark.parametrize(
        "url",
        ["https://github.com/ambv/black", "https://gitlab.example.com/mirrors/black.git"],
        ids=["black's former URL", "a mirror"],
    )
    def test_a_hook_from_a_renamed_or_mirrored_repository_gets_its_manifest_s_files(
        self, tmp_path: Path, url: str
    ) -> None:
        """Seen: ``github.com/ambv/black`` got every tracked file, rst and toml too: black crashed.

        The manifest is matched by hook id whatever the URL; file types are
        ``identify``'s, as pre-commit tells them.
        """
        hook = self.hook(tmp_path, BLACK_HOOK.replace("https://github.com/psf/black", url))
        files = {
            "a.py": "",
            "stubs/b.pyi": "",
            "docs/index.rst": "",
            "pyproject.toml": "",
            "requirements.txt": "",
        }
        write_files(tmp_path, files)
        assert [rel for rel in files if hook.selects(tmp_path, rel)] == ["a.py", "stubs/b.pyi"]

    def test_a_local_hook_declares_its_files_itself(self, tmp_path: Path) -> None:
        local = "repos:\n  - repo: local\n    hooks:\n      - id: black\n        name: b\n        entry: black\n        language: system\n"
        hook = self.hook(tmp_path, local)
        write_files(tmp_path, {"a.py": "", "notes.txt": ""})
        assert [rel for rel in ("a.py", "notes.txt") if hook.selects(tmp_path, rel)] == [
            "a.py",
            "notes.txt",
        ], "no manifest: pre-commit's default types [file]"

    def test_files_and_exclude_of_the_hook_and_of_the_whole_configuration(
        self, tmp_path: Path
    ) -> None:
        config = (
            "exclude: ^vendor/\nrepos:\n  - repo: https://github.com/pre-commit/mirrors-mypy\n"
            "    rev: v1.10.0\n    hooks:\n      - id: mypy\n        files: ^(src/|testing/)\n"
            "        exclude: _version\\.py$\n"
        )
        hook = self.hook(tmp_path, config)
        paths = ["src/p/a.py", "testing/t.py", "docs/conf.py", "src/p/_version.py", "src/p/a.pyi"]
        write_files(tmp_path, dict.fromkeys([*paths, "vendor/src/x.py"], ""))
        chosen = [
            rel
            for rel in [
                "src/p/a.py",
                "testing/t.py",
                "docs/conf.py",
                "src/p/_version.py",
                "src/p/a.pyi",
                "vendor/src/x.py",
            ]
            if hook.selects(tmp_path, rel)
        ]
        assert chosen == ["src/p/a.py", "testing/t.py"]  # mypy's hook: types [python], no pyi

    def test_a_bad_pattern_names_the_hook(self, tmp_path: Path) -> None:
        config = BLACK_HOOK + "        files: ^(src\n"
        with pytest.raises(ConfigError) as info:
            self.hook(tmp_path, config).selects(tmp_path, "a.py")
        assert info.value.cause.startswith(
            "pre-commit hook black: '^(src' is not a regular expression"
        )

    @pytest.mark.parametrize(
        ("entry_repo", "hook_id", "args", "kept"),
        [
            ("astral-sh/ruff-pre-commit", "ruff-check", ["--fix", "--unsafe-fixes", "--exit-non-zero-on-fix"], []),
            ("astral-sh/ruff-pre-commit", "ruff", ["--select=E,F", "--config", "ruff-ci.toml", "--fix", "--show-fixes"], ["--select=E,F", "--config", "ruff-ci.toml"]),
            ("astral-sh/ruff-pre-commit", "ruff-format", ["--preview", "--line-length", "100", "--quiet"], ["--preview", "--line-length", "100"]),
            ("psf/black-pre-commit-mirror", "black", ["-l", "100", "--quiet", "-S", "--fast"], ["-l", "100", "-S"]),
            ("pre-commit/mirrors-mypy", "mypy", None, ["--ignore-missing-imports", "--scripts-are-modules", "--no-warn-unused-ignores"]),
            ("pre-commit/mirrors-mypy", "mypy", ["--strict"], ["--strict"]),
        ],
    )  # fmt: skip
    def test_only_the_arguments_that_change_a_verdict_are_kept(
        self, tmp_path: Path, entry_repo: str, hook_id: str, args: list[str] | None, kept: list[str]
    ) -> None:
        listed = "" if args is None else f"        args: {args!r}\n"
        config = f"repos:\n  - repo: https://github.com/{entry_repo}\n    rev: v1.0.0\n    hooks:\n      - id: {hook_id}\n{listed}"
        assert pre_commit.verdict_args(self.hook(tmp_path, config)) == kept

    def test_a_ruff_hook_without_ruff_configuration_runs_ruff_s_defaults(
        self, tmp_path: Path
    ) -> None:
        """pre-commit runs ruff with ruff's own rules there, not taskbelt's curated set."""
        write_files(
            tmp_path, {"pyproject.toml": PYPROJECT, ".pre-commit-config.yaml": RUFF_FORMAT_HOOK}
        )
        linter = Project.load(tmp_path).tools.linter
        assert (linter.source, linter.config) == (
            "ruff's default rules, as pre-commit hook ruff-check runs it",
            None,
        )
        assert linter.hook is not None
        assert linter.hook.id == "ruff-check"
