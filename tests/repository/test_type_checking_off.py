"""A repository that switched its type checker off gets a skipped row, not findings.

Fast cases read the settings the way each checker does; the slow ones run
``typecheck`` on throwaway repositories and compare with the real pyright.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CLEAN_PYPROJECT, git, run_rows, write_files

from taskbelt.checks.typecheck import hints as type_hints
from taskbelt.repository import type_checking_off
from taskbelt.repository.choice import Choice
from taskbelt.repository.project import Project

PYRIGHT_OFF = (
    '[tool.pyright]\n# this code base is not type-checked (yet)\ntypeCheckingMode = "off"\n'
)
JSONC_OFF = (
    '{\n  // not type-checked\n  "typeCheckingMode": "off", /* yet */\n  "include": ["src",],\n}\n'
)


def reason(root: Path, files: dict[str, str], *checkers: Choice) -> str | None:
    write_files(root, files)
    return type_checking_off.reason(root, checkers)


PYRIGHT = Choice("pyright", "settings")


@pytest.mark.parametrize(
    ("files", "checker", "expected"),
    [
        ({"pyproject.toml": PYRIGHT_OFF}, PYRIGHT, 'pyright off (typeCheckingMode = "off" in pyproject.toml [tool.pyright])'),
        ({"pyrightconfig.json": JSONC_OFF}, PYRIGHT, 'pyright off (typeCheckingMode = "off" in pyrightconfig.json)'),
        ({"pyrightconfig.json": '{"typeCheckingMode": "basic"}', "pyproject.toml": PYRIGHT_OFF}, PYRIGHT, None),
        ({"pyproject.toml": '[tool.basedpyright]\ntypeCheckingMode = "off"\n'}, Choice("basedpyright", "s"), 'basedpyright off (typeCheckingMode = "off" in pyproject.toml [tool.basedpyright])'),
        ({"pyproject.toml": '[tool.pyrefly]\npreset = "off"\n'}, Choice("pyrefly", "s"), 'pyrefly off (preset = "off" in pyproject.toml [tool.pyrefly])'),
        ({"pyrefly.toml": 'preset = "default"\n', "pyproject.toml": '[tool.pyrefly]\npreset = "off"\n'}, Choice("pyrefly", "s"), None),
        ({"pyproject.toml": PYRIGHT_OFF}, Choice("pyright", "tox", args=("-p", "ci.json")), None),
        ({"pyproject.toml": '[tool.pyrefly]\npreset = "off"\n'}, Choice("pyrefly", "s", args=("--preset=basic",)), None),
        ({"pyproject.toml": '[tool.pyright]\ntypeCheckingMode = "strict"\n'}, PYRIGHT, None),
        ({"pyrightconfig.json": '{"typeCheckingMode": "off"'}, PYRIGHT, None),
        ({"pyproject.toml": PYRIGHT_OFF + "[tool.mypy]\n"}, Choice("mypy", "settings"), None),
    ],
    ids=[
        "[tool.pyright]", "pyrightconfig.json with comments", "pyrightconfig.json wins",
        "basedpyright", "pyrefly preset", "pyrefly.toml wins", "pyright -p another file",
        "pyrefly --preset on the command", "strict", "unreadable json: the checker judges",
        "mypy runs",
    ],
)  # fmt: skip
def test_the_setting_is_read_where_the_checker_reads_it(
    tmp_path: Path, files: dict[str, str], checker: Choice, expected: str | None
) -> None:
    found = reason(tmp_path, files, checker)
    assert found == (None if expected is None else f"skipped: the repository switched {expected}")


def test_a_checker_that_runs_beside_one_switched_off_keeps_the_row(tmp_path: Path) -> None:
    """tox runs mypy and pyright, and pyright is off: mypy still judges the code."""
    files = {"pyproject.toml": PYRIGHT_OFF + "[tool.mypy]\n"}
    assert reason(tmp_path, files, Choice("mypy", "tox"), PYRIGHT) is None


#: A type error pyright reports in its default mode (reportReturnType).
WRONG_RETURN = '"""Bad."""\n\n\ndef count() -> int:\n    return "one"\n'


def repo(root: Path, files: dict[str, str]) -> Project:
    write_files(root, files)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return Project.load(root)


@pytest.mark.slow
def test_pyright_switched_off_is_a_skipped_row_as_its_own_run_passes(
    tmp_path: Path, tool_venv: Callable[[str], Path]
) -> None:
    """The issue's case: a wall of findings before; now the setting, named; no environment made.

    Switched back on in the same file, the next run judges the code: the
    saved plan never answers for a changed setting.
    """
    project = repo(
        tmp_path / "r",
        {
            "pyproject.toml": CLEAN_PYPROJECT,
            "pyrightconfig.json": JSONC_OFF,
            "src/demo/__init__.py": WRONG_RETURN,
        },
    )
    done, rows = run_rows(project, "typecheck", "-v")
    row = rows["typecheck"]
    assert done.returncode == 0, done.stdout + done.stderr
    assert row["status"] == "skipped"
    assert row["summary"] == (
        'skipped: the repository switched pyright off (typeCheckingMode = "off" in '
        "pyrightconfig.json)"
    )
    assert "--outputjson" not in done.stderr  # pyright never ran
    pyright = str(tool_venv("typecheck-pyright") / "bin" / "pyright")
    own = subprocess.run([pyright], cwd=project.root, capture_output=True, text=True, check=False)
    assert own.returncode == 0, own.stdout  # its own run passes too

    (project.root / "pyrightconfig.json").write_text('{"include": ["src"]}\n', encoding="utf-8")
    done, rows = run_rows(project, "typecheck", "-v")
    assert rows["typecheck"]["status"] == "failed", done.stdout + done.stderr
    assert "--outputjson" in done.stderr  # -v shows the command where pyright runs
    assert rows["typecheck"]["details"]["findings"][0]["code"] == "reportReturnType"


@pytest.mark.parametrize(
    ("files", "hinted"),
    [
        ({"demo/__init__.py": "def add(a, b=1, *c, d, **e):\n    x = a\n    return x\n"}, False),
        ({"demo/__init__.py": "def add(a) -> int:\n    return a\n"}, True),
        ({"demo/__init__.py": "async def add(*, d: int):\n    return d\n"}, True),
        ({"demo/__init__.py": "def add(**kw: int):\n    return kw\n"}, True),
        ({"demo/__init__.py": "", "demo/sub/m.py": "class A:\n    x: int = 1\n"}, True),
        ({"demo/__init__.py": "", "demo/py.typed": ""}, True),
        ({"demo/__init__.py": "", "demo/m.pyi": "def f(): ...\n"}, True),
        ({"demo/__init__.py": "def broken(:\n"}, True),
        ({"demo/__init__.py": "", "demo/.hidden/m.py": "x: int = 1\n", "demo/data.txt": "x: int"}, False),
    ],
    ids=[
        "no hints", "return", "keyword-only", "**kwargs", "annotated assignment", "py.typed",
        "stub", "syntax error: the checker says", "hidden folders and other files",
    ],
)  # fmt: skip
def test_type_hints_are_found_where_a_checker_would_use_them(
    tmp_path: Path, files: dict[str, str], hinted: bool
) -> None:
    write_files(tmp_path, files)
    assert type_hints.any_hints([tmp_path / "demo"]) is hinted


#: Not a hint anywhere; taskbelt's default mypy (check_untyped_defs) reports the operator.
UNTYPED = '"""Untyped."""\n\n\ndef add():\n    return 1 + "a"\n'


@pytest.mark.slow
def test_code_without_hints_and_without_a_checker_is_not_judged_by_taskbelt_s_mypy(
    tmp_path: Path,
) -> None:
    """Skipped, saying why and how to ask; one hint later, the next run is mypy's verdict."""
    project = repo(
        tmp_path / "r", {"pyproject.toml": CLEAN_PYPROJECT, "src/demo/__init__.py": UNTYPED}
    )
    done, rows = run_rows(project, "typecheck")
    assert done.returncode == 0, done.stdout + done.stderr
    assert rows["typecheck"]["status"] == "skipped"
    assert rows["typecheck"]["summary"] == (
        "skipped: no type checker configured and no type hints in src/demo (configure one, "
        "such as [tool.mypy], or set [tool.taskbelt] type-checker, to check it)"
    )

    hinted = UNTYPED.replace("def add():", "def add() -> int:")
    (project.root / "src/demo/__init__.py").write_text(hinted, encoding="utf-8")
    done, rows = run_rows(project, "typecheck")
    assert rows["typecheck"]["status"] == "failed", done.stdout + done.stderr
    assert rows["typecheck"]["details"]["findings"][0]["code"] == "operator"


def test_settings_taskbelt_cannot_read_are_each_check_s_error_row_not_the_run_s(
    tmp_path: Path,
) -> None:
    """Deciding the skip reads the tool choice; its error stays the rows' (as before the skip)."""
    project = repo(
        tmp_path / "r",
        {
            "pyproject.toml": CLEAN_PYPROJECT,
            ".pre-commit-config.yaml": "repos: [\n",
            "src/demo/__init__.py": UNTYPED,
        },
    )
    done, rows = run_rows(project, "lint", "typecheck")
    assert done.returncode == 2, done.stdout + done.stderr
    assert {name: row["status"] for name, row in rows.items()} == {
        "lint": "error",
        "typecheck": "error",
    }
    assert rows["typecheck"]["summary"] == ".pre-commit-config.yaml: invalid YAML (line 2)"
