"""Which type checker a repository gets, with which settings and arguments, and why.

Fast tests of the decision alone (no checker runs); test_typecheckers.py runs
the chosen checkers on throwaway repositories.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import assert_two_line_error, taskbelt, write_files

from taskbelt import cache, defaults, typechoice
from taskbelt.checks import typecheck
from taskbelt.choice import Choice
from taskbelt.project import Project

PYPROJECT = "[project]\nname = 'demo'\n"
TOX_TY = '[env.type]\ncommands = [ [ "ty", "check", "--output-format", "concise", "--exit-zero-on-warning", "." ] ]\n'


def checker_of(root: Path, files: dict[str, str]) -> Choice:
    write_files(root, {"pyproject.toml": PYPROJECT, **files})
    choice = Project.load(root).tools.type_checker
    return Choice(
        choice.tool,
        choice.source,
        choice.config,
        args=choice.args,
        targets=choice.targets,
        unread=choice.unread,
    )


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"pyproject.toml": PYPROJECT + "[tool.ty]\n"}, Choice("ty", "settings from pyproject.toml [tool.ty]")),
        ({"ty.toml": "[rules]\n", "pyproject.toml": PYPROJECT + "[tool.ty]\n"}, Choice("ty", "settings from ty.toml")),
        ({"pyrightconfig.json": "{}"}, Choice("pyright", "settings from pyrightconfig.json")),
        ({"pyproject.toml": PYPROJECT + "[tool.basedpyright]\n"}, Choice("basedpyright", "settings from pyproject.toml [tool.basedpyright]")),
        ({"pyrefly.toml": ""}, Choice("pyrefly", "settings from pyrefly.toml")),
        (
            {"pyproject.toml": PYPROJECT + "[tool.pyright]\n[tool.mypy]\n"},
            Choice("mypy", "settings from pyproject.toml [tool.mypy]; also configured: pyright (pyproject.toml [tool.pyright]) (choose with [tool.taskbelt] type-checker)"),
        ),
        (
            {"pyproject.toml": PYPROJECT + "[tool.mypy]\n[tool.ty]\n", "tox.toml": TOX_TY},
            Choice("ty", "tox.toml runs ty check; settings from pyproject.toml [tool.ty]", args=("--exit-zero-on-warning",)),
        ),
        (
            {"tox.ini": "[testenv:type]\ncommands = ty check --python-version 3.12 {posargs}\n"},
            Choice("ty", "tox.ini runs ty check; ty's default settings", args=("--python-version", "3.12")),
        ),
        (
            {"noxfile.py": "def t(session):\n    session.run('pyright', '--warnings', '--pythonpath', 'x', 'src')\n", "src/a.py": ""},
            Choice("pyright", "noxfile.py runs pyright; pyright's default settings", args=("--warnings",), targets=("src",)),
        ),
        (
            {"tox.ini": "[testenv:type]\ncommands = pyright --level error src tests {posargs}\n", "src/a.py": "", "tests/b.py": ""},
            Choice("pyright", "tox.ini runs pyright; pyright's default settings", args=("--level", "error"), targets=("src", "tests")),
        ),
        (
            {"tox.ini": "[testenv:type]\ncommands = pyrefly check --min-severity=warn --output-format min-text -j 2 src {posargs}\n", "src/a.py": "", "pyrefly.toml": ""},
            Choice("pyrefly", "tox.ini runs pyrefly check; settings from pyrefly.toml", args=("--min-severity=warn",), targets=("src",)),
        ),
        (
            {"noxfile.py": "def typing(session):\n    session.run('pyright', *session.posargs, PACKAGE, external=True)\n"},
            Choice("pyright", "noxfile.py runs pyright; pyright's default settings", unread="PACKAGE"),
        ),
        (
            {"pyproject.toml": PYPROJECT + "[dependency-groups]\ntype = ['ty>=0.0.19']\n"},
            Choice("ty", "ty among the project's dependencies; ty's default settings"),
        ),
        (
            {"pyproject.toml": PYPROJECT + "[tool.ty]\n[tool.taskbelt]\ntype-checker = 'mypy'\n"},
            Choice("mypy", "[tool.taskbelt] type-checker; taskbelt's default settings", defaults.MYPY_CONFIG),
        ),
    ],
)  # fmt: skip
def test_the_repository_s_checker_in_order(
    tmp_path: Path, files: dict[str, str], expected: Choice
) -> None:
    """The setting, then what commands run, then what is configured, then dependencies."""
    assert checker_of(tmp_path, files) == expected


def test_every_checker_the_repository_s_commands_run_runs(tmp_path: Path) -> None:
    """Its own run passes only when each passes: mypy and ty here, in CHECKERS order."""
    nox = "def t(session):\n    session.run('ty', 'check')\n    session.run('mypy', 'src')\n"
    write_files(tmp_path, {"pyproject.toml": PYPROJECT + "[tool.ty]\n", "noxfile.py": nox})
    assert [c.explain() for c in Project.load(tmp_path).tools.type_checkers] == [
        "mypy 2.4.1 (noxfile.py runs mypy; taskbelt's default settings); "
        "version from taskbelt's pin: the repository pins no version",
        "ty 0.0.104 (noxfile.py runs ty check; settings from pyproject.toml [tool.ty]); "
        "version from taskbelt's pin: the repository pins no version",
    ]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("tox.ini", "[testenv:type]\ndeps =\n    mypy\n    ty\ncommands = pytest\n"),
        ("tox.ini", "[testenv:type]\ndeps = mypy ty\ncommands = pytest\n"),
        ("tox.toml", '[env.type]\ndeps = [\n  "mypy",\n  "ty",\n]\ncommands = [["pytest"]]\n'),
        ("noxfile.py", "def t(session):\n    session.install(\n        'mypy', 'pyright'\n    )\n"),
        (".github/workflows/ci.yml", "steps:\n  - run: pip install mypy pyright && pytest\n"),
    ],
    ids=["tox.ini deps lines", "tox.ini deps", "tox.toml deps", "nox install", "pip install"],
)
def test_installing_a_checker_is_not_running_it(tmp_path: Path, name: str, text: str) -> None:
    assert checker_of(tmp_path, {name: text}).source == "taskbelt's default settings"


def test_a_command_after_an_install_on_one_line_still_counts(tmp_path: Path) -> None:
    workflow = "steps:\n  - run: pip install mypy pyright && pyright src\n"
    files = {".github/workflows/ci.yml": workflow, "src/a.py": ""}
    assert checker_of(tmp_path, files).source == (
        ".github/workflows/ci.yml runs pyright; pyright's default settings"
    )


def test_every_file_that_decides_the_checker_is_in_the_cache_key() -> None:
    assert typechoice.CONFIG_FILES <= cache.CONFIG_NAMES


def test_a_checker_taskbelt_does_not_run_is_a_two_line_error(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {"pyproject.toml": PYPROJECT + "version = '0'\n[tool.taskbelt]\ntype-checker = 'pytype'\n"},
    )
    done = taskbelt(tmp_path, "run", "typecheck")
    assert_two_line_error(done, "type-checker")
    assert "'mypy', 'pyright', 'basedpyright', 'ty' or 'pyrefly'" in done.stderr


def test_every_checker_taskbelt_can_choose_has_a_runner() -> None:
    """A chosen checker always runs: never an error row, never another checker's verdict."""
    assert set(typecheck.RUNNERS) == set(typechoice.CHECKERS)
