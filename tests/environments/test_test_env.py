"""The test run tests the repository's own code, with its own tools, started as ``python -m pytest``.

Each case was seen on a public repository (issue 19): the project replaced
by taskbelt's pins (pluggy), the project's own pytest and pytest-cov
replaced, taskbelt's options crashing a strict repository, a suite using
``spawn`` running itself again in every child. Each test runs the real
``taskbelt run test`` on a throwaway repository and reads its JSON report.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import CLEAN_PYPROJECT, CLEAN_SRC, MakeRepo, taskbelt

from taskbelt.repository.project import Project

pytestmark = pytest.mark.slow


def run_tests(project: Project, *args: str) -> tuple[subprocess.CompletedProcess[str], Any]:
    """``taskbelt run test`` in the repo; the process and the test row of its JSON report."""
    report = project.root.parent / f"{project.root.name}-report.json"
    done = taskbelt(project.root, "run", "test", *args, env={"TASKBELT_REPORT": str(report)})
    checks = json.loads(report.read_text(encoding="utf-8"))["checks"]
    row = next(c for c in checks if c["name"] == "test-3.12")
    return done, row


def lock(project: Project) -> None:
    done = subprocess.run(
        ["uv", "lock", "--quiet"], cwd=project.root, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


#: A project that *is* one of pytest's own dependencies (as pluggy is): its
#: tree, not the PyPI release taskbelt's test lock pins, must be tested.
OWN_INICONFIG = {
    "pyproject.toml": """
        [project]
        name = "iniconfig"
        version = "9.0.0"
        requires-python = ">=3.9"

        [build-system]
        requires = ["hatchling"]
        build-backend = "hatchling.build"

        [tool.taskbelt]
        python = ["3.12"]
        """,
    "src/iniconfig/__init__.py": '''
        """This repository's own iniconfig."""

        MARK = "the repository's tree"


        class IniConfig:
            """Imported by pytest, never used: it reads pyproject.toml here."""


        class SectionWrapper:
            """Imported by pytest's legacypath plugin, never used here."""
        ''',
    "tests/test_own.py": """
        import os

        import iniconfig


        def test_own_tree() -> None:
            assert iniconfig.MARK == "the repository's tree"
            assert os.path.join("src", "iniconfig") in iniconfig.__file__
        """,
}


class TestTheProjectsOwnCode:
    @pytest.mark.parametrize("locked", [False, True], ids=["resolved", "uv.lock"])
    def test_project_that_pytest_depends_on(self, make_repo: MakeRepo, locked: bool) -> None:
        """A project named like a pytest dependency is tested from its own tree, not PyPI's copy."""
        project = make_repo(OWN_INICONFIG, pyproject=OWN_INICONFIG["pyproject.toml"])
        if locked:
            lock(project)
        _, row = run_tests(project)
        # (Coverage of it is low: pytest imports it before coverage starts.)
        assert row["status"] == "passed", row
        assert row["details"]["imported_from"] == {"iniconfig": "src/iniconfig/__init__.py"}
        assert row["details"]["python"] == "3.12"
        assert row["details"]["pytest_command"][1].endswith("pytest_main.py")

    @pytest.mark.parametrize("locked", [False, True], ids=["resolved", "uv.lock"])
    def test_projects_own_test_tools_kept(self, make_repo: MakeRepo, locked: bool) -> None:
        """The project's pytest 9.0.2 and pytest-cov 6.2.1 are what run, not taskbelt's pins."""
        pyproject = (
            CLEAN_PYPROJECT.replace('">=3.9"', '">=3.10"').replace(
                "dependencies = []",
                'dependencies = []\n\n[dependency-groups]\ntest = ["pytest==9.0.2", "pytest-cov==6.2.1"]',
            )
            + '\n[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
        )
        files = {
            **CLEAN_SRC,
            "tests/test_versions.py": (
                "from importlib.metadata import version\n\nimport pytest\n\n\n"
                "def test_versions() -> None:\n"
                "    assert pytest.__version__ == '9.0.2'\n"
                "    assert version('pytest-cov') == '6.2.1'\n"
            ),
        }
        project = make_repo(files, pyproject=pyproject)
        if locked:
            lock(project)
        done, row = run_tests(project)
        assert done.returncode == 0, done.stdout + done.stderr
        assert row["summary"] == "2 passed, 0 failed, 0 skipped"

    def test_another_copy_of_the_package_is_an_error(self, make_repo: MakeRepo) -> None:
        """An environment that imports the package from elsewhere is an error naming the path."""
        files = {**OWN_INICONFIG, "pyproject.toml": ""}
        files.pop("pyproject.toml")
        pyproject = (
            OWN_INICONFIG["pyproject.toml"].replace(
                'name = "iniconfig"', 'name = "not-iniconfig"\ndependencies = ["iniconfig==2.3.1"]'
            )
            + '[tool.hatch.build.targets.wheel]\npackages = ["src/iniconfig"]\n'
        )

        project = make_repo(files, pyproject=pyproject)
        done, row = run_tests(project)
        assert done.returncode == 2, done.stdout + done.stderr
        assert row["status"] == "error"
        assert "imports iniconfig from " in row["summary"]
        assert "site-packages" in row["summary"]
        assert "not from this repository" in row["summary"]


STRICT = """
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.9"

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[tool.taskbelt]
python = ["3.12"]

[tool.pytest.ini_options]
addopts = "{addopts}"
filterwarnings = ["error"]

[tool.coverage.run]
include = ["src/demo/*"]
"""


class TestStrictRepositories:
    @pytest.mark.parametrize("addopts", ["", "-p no:cacheprovider", "-p no:junitxml"])
    def test_nothing_taskbelt_adds_breaks_a_strict_suite(
        self, make_repo: MakeRepo, addopts: str
    ) -> None:
        """filterwarnings = error, coverage's own include, plugins turned off: the suite passes."""
        project = make_repo(pyproject=STRICT.format(addopts=addopts))
        done, row = run_tests(project)
        assert done.returncode == 0, done.stdout + done.stderr
        assert row["summary"] == "1 passed, 0 failed, 0 skipped"
        assert "100.00% covered" in done.stdout
        assert not (project.root / ".pytest_cache").exists()

    def test_pytest_that_cannot_start_says_why_in_one_line(self, make_repo: MakeRepo) -> None:
        """A conftest that fails to import: the cause in one line; the traceback only with -v."""
        files = {**CLEAN_SRC, "tests/conftest.py": "import not_a_module_anywhere\n"}
        project = make_repo(files)
        done, row = run_tests(project)
        assert done.returncode == 2, done.stdout + done.stderr
        assert row["status"] == "error"
        assert row["summary"].startswith("pytest could not start (exit 4): ")
        assert "ModuleNotFoundError: No module named 'not_a_module_anywhere'" in row["summary"]
        assert "conftest.py:1" not in done.stdout, "pytest's whole output only under -v"
        verbose, _ = run_tests(project, "-v")
        assert "tests/conftest.py:1" in verbose.stderr


#: Tests that start processes the ways multiprocessing offers. Each child
#: imports ``__main__`` again; under taskbelt that must be pytest's own
#: (harmless), not a script that runs the suite again.
SPAWN_TESTS = """
import multiprocessing
import sys

from demo import add


def test_main_is_pytests() -> None:
    assert sys.modules["__main__"].__spec__.name == "pytest.__main__"


def test_spawn_pool() -> None:
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        assert pool.starmap_async(add, [(1, 2), (3, 4)]).get(timeout=120) == [3, 7]


def test_forkserver_process() -> None:
    child = multiprocessing.get_context("forkserver").Process(target=add, args=(1, 2))
    child.start()
    child.join(timeout=120)
    assert child.exitcode == 0
"""


def test_spawn_and_forkserver_children_do_not_rerun_the_suite(make_repo: MakeRepo) -> None:
    """A spawn Pool and a forkserver child finish; the suite ran once (one JUnit, 4 tests)."""
    project = make_repo({**CLEAN_SRC, "tests/test_spawn.py": SPAWN_TESTS})
    done, row = run_tests(project)
    assert done.returncode == 0, done.stdout + done.stderr
    assert row["summary"] == "4 passed, 0 failed, 0 skipped"
    junit = Path(row["details"]["junit"]).read_text(encoding="utf-8")
    assert junit.count("<testcase ") == 4
