"""A declared type-checker run checks for the Python its session or environment runs on.

A nox session over ``python=["3.10", "3.12"]`` runs mypy on each of those
interpreters; tox's ``py310-mypy`` on 3.10. ``typing.Self`` (3.11) is an error
for 3.10 alone: taskbelt, running mypy once from its own tool environment,
passed it. The references are the repository's own runs, mypy installed on a
real interpreter of each version.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from conftest import CLEAN_PYPROJECT, git, run_rows, write_files

from taskbelt.checks.typecheck import check as typecheck
from taskbelt.repository import checker_python, tool_versions
from taskbelt.repository.project import Project
from taskbelt.results import CheckResult, Status
from taskbelt.tools import interpreters

#: Fine for 3.11 and later; for 3.10, ``typing`` has no ``Self``.
USES_SELF = (
    '"""Demo."""\n\nfrom typing import Self\n\n\nclass Node:\n'
    '    """A node."""\n\n    def itself(self) -> Self:\n        """Itself."""\n        return self\n'
)
NOX_OVER_TWO = (
    "import nox\n\n\n@nox.session(python=['3.10', '3.12'])\ndef mypy(session):\n"
    "    session.install('mypy')\n    session.run('mypy', 'src')\n"
)
TOX_OVER_TWO = (
    "[tox]\nenv_list = py310-mypy, py312-mypy\n[testenv]\nskip_install = true\n"
    "deps = mypy\ncommands = mypy src\n"
)


def repo(root: Path, files: dict[str, str], pyproject: str) -> Project:
    write_files(root, {"pyproject.toml": pyproject, **files})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return Project.load(root)


def own_mypy(tmp_path: Path, root: Path, version: str) -> int:
    """The repository's own run: the pinned mypy installed on a real ``version`` interpreter."""
    python = interpreters.find(version).path
    assert python is not None, f"Python {version} is needed here"
    env = tmp_path / f"own-{version}"
    subprocess.run(["uv", "venv", "-q", "--python", str(python), str(env)], check=True)
    pin = tool_versions.taskbelt_pins()["mypy"]
    subprocess.run(
        ["uv", "pip", "install", "-q", "--python", str(env / "bin/python"), f"mypy=={pin}"],
        check=True,
    )
    done = subprocess.run(
        [str(env / "bin/mypy"), "src"], cwd=root, capture_output=True, check=False
    )
    return done.returncode


@pytest.mark.slow
@pytest.mark.parametrize(
    ("files", "declared"),
    [
        ({"noxfile.py": NOX_OVER_TWO}, "noxfile.py runs mypy"),
        ({"tox.ini": TOX_OVER_TWO}, "tox.ini runs mypy"),
    ],
    ids=["nox python=[3.10, 3.12]", "tox py310-mypy, py312-mypy"],
)
def test_each_python_a_declared_run_names_is_checked_for(
    tmp_path: Path, files: dict[str, str], declared: str
) -> None:
    project = repo(tmp_path / "r", {"src/demo/__init__.py": USES_SELF, **files}, CLEAN_PYPROJECT)
    own = {version: own_mypy(tmp_path, project.root, version) for version in ("3.10", "3.12")}
    assert own == {"3.10": 1, "3.12": 0}
    done, rows = run_rows(project, "typecheck", "-v")
    row = rows["typecheck"]
    assert row["status"] == "failed", done.stdout + done.stderr
    runs = {run["declared"]: run["status"] for run in row["details"]["runs"]}
    assert runs == {
        f"{declared} for Python 3.10": "failed",
        f"{declared} for Python 3.12": "passed",
    }
    assert row["summary"].startswith(f"mypy ({declared} for Python 3.10): 1 type error")
    assert "--python-version 3.10" in done.stdout + done.stderr  # the -v command line


@pytest.mark.slow
def test_a_version_the_configuration_sets_wins_and_runs_once(tmp_path: Path) -> None:
    """``[tool.mypy] python_version`` decides in the repository's own runs on either Python."""
    pyproject = CLEAN_PYPROJECT + '\n[tool.mypy]\npython_version = "3.12"\n'
    project = repo(
        tmp_path / "r", {"src/demo/__init__.py": USES_SELF, "noxfile.py": NOX_OVER_TWO}, pyproject
    )
    assert own_mypy(tmp_path, project.root, "3.10") == 0
    done, rows = run_rows(project, "typecheck")
    row = rows["typecheck"]
    assert row["status"] == "passed", done.stdout + done.stderr
    assert row["details"]["declared"] == "noxfile.py runs mypy"


@pytest.mark.parametrize(
    ("spec", "version"),
    [
        ("py310", "3.10"),
        ("py3.10", "3.10"),
        ("python3.12", "3.12"),
        ("3.9", "3.9"),
        ("pypy3.10", "3.10"),
        ("py3", ""),
        ("/usr/bin/python3", ""),
        ("", ""),
    ],
)
def test_the_version_a_tox_or_nox_python_names(spec: str, version: str) -> None:
    assert interpreters.named_version(spec) == version


@pytest.mark.parametrize(
    ("tool", "files", "data"),
    [
        ("mypy", {"mypy.ini": "[mypy]\npython_version = 3.10\n"}, {}),
        ("mypy", {"setup.cfg": "[mypy]\npython_version = 3.10\n"}, {}),
        ("mypy", {}, {"tool": {"mypy": {"python_version": "3.10"}}}),
        ("pyright", {"pyrightconfig.json": '{\n  // c\n  "pythonVersion": "3.10"\n}'}, {}),
        ("pyright", {}, {"tool": {"pyright": {"pythonVersion": "3.10"}}}),
        ("basedpyright", {}, {"tool": {"basedpyright": {"pythonVersion": "3.10"}}}),
        ("ty", {"ty.toml": '[environment]\npython-version = "3.10"\n'}, {}),
        ("ty", {}, {"project": {"requires-python": ">=3.10"}}),
        ("pyrefly", {"pyrefly.toml": 'python-version = "3.10"\n'}, {}),
        ("pyrefly", {}, {"tool": {"pyrefly": {"python-version": "3.10"}}}),
    ],
)
def test_where_a_checker_s_configuration_sets_its_version_nothing_is_passed(
    tmp_path: Path, tool: str, files: dict[str, str], data: Mapping[str, Any]
) -> None:
    write_files(tmp_path, files)
    assert checker_python.pinned(tmp_path, data, tool)
    assert checker_python.version_args(tmp_path, data, tool, "3.12", ["src"]) == ()
    # the same checker, nothing set: the run's version is passed
    bare = tmp_path / "bare"
    bare.mkdir()
    flag = checker_python.FLAGS[tool]
    assert checker_python.version_args(bare, {}, tool, "3.12", ["src"]) == (flag, "3.12")
    # a version the command names itself stays the command's
    assert checker_python.version_args(bare, {}, tool, "3.12", [f"{flag}=3.11"]) == ()
    assert checker_python.version_args(bare, {}, tool, "", ["src"]) == ()


def test_many_runs_are_summed_up_and_those_that_fail_named() -> None:
    """stamina's nox sessions are nine runs: the row names what failed, counts what passed."""
    labels = [f"mypy (noxfile.py runs mypy for Python 3.{minor})" for minor in range(10, 15)]
    labels += ["mypy (noxfile.py runs mypy)", "pyright", "ty", "pyrefly"]
    checkers = ["mypy"] * 6 + ["pyright", "ty", "pyrefly"]

    def result(status: Status, summary: str, checker: str) -> CheckResult:
        return CheckResult("typecheck", status, 1.0, summary, "", {"checker": checker})

    passing = [result(Status.PASSED, "no type errors", c) for c in checkers]
    row = typecheck._combined(labels, passing)
    assert row.status is Status.PASSED
    assert row.summary == "9 runs, no type errors (mypy x6, pyright, ty, pyrefly)"
    one_fails = [result(Status.FAILED, "1 type error", "mypy"), *passing[1:]]
    row = typecheck._combined(labels, one_fails)
    assert row.status is Status.FAILED
    assert row.summary == (
        "mypy (noxfile.py runs mypy for Python 3.10): 1 type error; 8 other runs passed"
    )
    assert len(row.details["runs"]) == 9


OLD_MYPY_HOOK = """\
repos:
- repo: https://github.com/pre-commit/mirrors-mypy
  rev: v0.991
  hooks:
  - id: mypy
"""


@pytest.mark.slow
def test_a_mypy_too_old_for_3_12_checks_on_the_newest_python_it_can_look_into(
    make_repo: Any,
) -> None:
    """pytest-dev/iniconfig's hook (``rev: v0.991``) crashed on a 3.12+ project environment.

    mypy 1.3 and older cannot run ``--python-executable`` on Python 3.12 or
    newer (their ``pyinfo.py`` shadows the standard library): the project
    environment is the newest Python up to 3.11, and the type error is found.
    """
    wrong = '"""Demo."""\n\n\ndef add(a: int, b: int) -> int:\n    """Add."""\n    return "x"\n'
    pyproject = CLEAN_PYPROJECT.replace('python = ["3.12"]', 'python = ["3.11", "3.12"]')
    project = make_repo(
        {"src/demo/__init__.py": wrong, ".pre-commit-config.yaml": OLD_MYPY_HOOK},
        pyproject=pyproject,
    )
    done, rows = run_rows(project, "typecheck")
    row = rows["typecheck"]
    assert row["status"] == "failed", done.stdout + done.stderr
    assert "return-value" in row["summary"], row["summary"]
    command = row["details"]["command"]
    at = command.index("--python-executable")
    assert "typecheck-project-3.11" in command[at + 1], command
