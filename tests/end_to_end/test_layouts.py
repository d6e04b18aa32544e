"""Layouts nobody planned for: a repository without ``tests/``, taskbelt vendored inside it.

Each case runs the real ``taskbelt run ...`` on a throwaway repository, as
a user who vendored taskbelt would, and reads its JSON report.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CLEAN_PYPROJECT, MakeRepo, git, run_rows, taskbelt_checkout

#: A package whose only tests are its doctests.
DOCTESTED = '''
    """Demo package."""


    def add(a: int, b: int) -> int:
        """Add two numbers.

        >>> add(1, 2)
        3
        """
        return a + b
    '''


@pytest.mark.slow
def test_taskbelt_vendored_in_the_repository_is_never_collected(make_repo: MakeRepo) -> None:
    """No ``tests/``, ``--doctest-modules``, and a ``norecursedirs`` without pytest's ``.*``.

    pytest collected the vendored taskbelt (its benchmarks/run.py: 67 errors)
    and taskbelt's own environments; no test of the repository ran. taskbelt
    runs here from its vendored copy, as ``mise run`` does.
    """
    pytest_config = (
        '\n[tool.pytest.ini_options]\naddopts = "--doctest-modules"\nnorecursedirs = ["docs"]\n'
    )
    project = make_repo(
        {"src/demo/__init__.py": DOCTESTED}, pyproject=CLEAN_PYPROJECT + pytest_config
    )
    vendored = taskbelt_checkout(project.root / ".taskbelt")
    done, rows = run_rows(project, "test", env={"PYTHONPATH": str(vendored / "src")})
    row = rows["test-3.12"]
    assert row["status"] == "passed", done.stdout + done.stderr
    assert row["summary"].startswith("1 passed, 0 failed"), row["summary"]
    command = row["details"]["pytest_command"]
    assert command[1].startswith(str(vendored))  # the vendored copy ran
    assert "--ignore=.taskbelt" in command
    assert "--ignore=.taskbelt-cache" in command


SETUPTOOLS_PYPROJECT = (
    CLEAN_PYPROJECT
    + '\n[build-system]\nrequires = ["setuptools>=64"]\nbuild-backend = "setuptools.build_meta"\n'
)


@pytest.mark.slow
@pytest.mark.parametrize(
    "own_extra_config", [False, True], ids=["default", "own-dist-extra-config"]
)
def test_a_setuptools_project_s_tree_stays_clean(
    make_repo: MakeRepo, tmp_path: Path, own_extra_config: bool
) -> None:
    """No ``src/demo.egg-info/`` left behind by the editable installs (``git status`` clean).

    With the repository's own ``DIST_EXTRA_CONFIG`` taskbelt leaves that
    variable alone, setuptools writes into the tree, and the folder the
    install made is removed after it.
    """
    project = make_repo(pyproject=SETUPTOOLS_PYPROJECT)
    env = {}
    if own_extra_config:
        own = tmp_path / "own.cfg"
        own.write_text("[egg_info]\ntag_build =\n", encoding="utf-8")
        env["DIST_EXTRA_CONFIG"] = str(own)
    done, rows = run_rows(project, "test", "typecheck", env=env)
    assert rows["test-3.12"]["status"] == "passed", done.stdout + done.stderr
    assert rows["typecheck"]["status"] == "passed", done.stdout + done.stderr
    assert git(project.root, "status", "--porcelain") == ""
    made = [p for p in project.root.glob("**/*.egg-info") if ".taskbelt-cache" not in p.parts]
    assert made == [], "nowhere in the tree (the default puts it under .taskbelt-cache)"


@pytest.mark.slow
def test_collection_errors_are_counted_as_pytest_counts_them(make_repo: MakeRepo) -> None:
    """Two test modules that cannot be imported: ``2 errors``, as pytest says, not ``failed``."""
    broken = "import not_installed_anywhere\n\n\ndef test_never() -> None:\n    pass\n"
    files = {
        "src/demo/__init__.py": DOCTESTED,
        "tests/test_one.py": broken,
        "tests/test_two.py": broken,
    }
    project = make_repo(files)
    done, rows = run_rows(project, "test")
    row = rows["test-3.12"]
    assert row["status"] == "failed", done.stdout + done.stderr
    assert row["summary"] == (
        "0 passed, 0 failed, 2 errors, 0 skipped; first error: tests/test_one.py - "
        "ModuleNotFoundError: No module named 'not_installed_anywhere'"
    ), row["summary"]


SINGLE_MODULE = '''
    """A project that is one module at the root (pytest-timeout's layout)."""


    def add(a: int, b: int) -> int:
        """Add."""
        return a + b
    '''


@pytest.mark.slow
def test_a_single_module_project_is_measured(make_repo: MakeRepo) -> None:
    """``demo.py`` at the root: ``--cov=demo`` (``--cov=demo.py`` measured nothing)."""
    tests = "from demo import add\n\n\ndef test_add() -> None:\n    assert add(1, 2) == 3\n"
    project = make_repo({"demo.py": SINGLE_MODULE, "tests/test_demo.py": tests})
    done, rows = run_rows(project, "test", "coverage")
    assert rows["coverage"]["status"] == "passed", done.stdout + done.stderr
    assert rows["coverage"]["summary"].startswith("100.00% covered"), rows["coverage"]["summary"]
    assert "--cov=demo" in rows["test-3.12"]["details"]["pytest_command"]


@pytest.mark.slow
def test_coverage_that_measured_no_file_is_an_error_not_a_crash(make_repo: MakeRepo) -> None:
    """``source`` naming nothing that exists: coverage's "No data to report" was a crash row."""
    pyproject = CLEAN_PYPROJECT + '\n[tool.coverage.run]\nsource = ["not_here"]\n'
    project = make_repo(pyproject=pyproject)
    done, rows = run_rows(project, "test", "coverage")
    row = rows["coverage"]
    assert row["status"] == "error", done.stdout + done.stderr
    assert "measures no file of demo" in row["summary"], row["summary"]
