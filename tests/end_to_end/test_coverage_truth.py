"""Coverage measures the repository's code with today's data; a cached verdict answers only for its inputs.

Each case was seen on a public repository or a throwaway one (issue 19):
stale data of another Python passing the gate, a verdict cached under
``PYTEST_ADDOPTS`` answering a plain run. Each test runs the real
``taskbelt run ...`` on a throwaway repository and reads its JSON report.
"""

from __future__ import annotations

import pytest
from conftest import CLEAN_PYPROJECT, MakeRepo, run_rows, write_files

pytestmark = pytest.mark.slow


ENV_READING_TESTS = {
    "src/demo/__init__.py": '''
        """Demo package."""


        def add(a: int, b: int) -> int:
            """Add two numbers."""
            return a + b
        ''',
    "tests/test_a.py": """
        import os

        from demo import add


        def test_good() -> None:
            assert add(1, 2) == 3


        def test_bad() -> None:
            assert os.environ.get("DEMO_MODE") != "broken"
        """,
}


def test_a_cached_pass_answers_only_for_the_environment_it_ran_in(make_repo: MakeRepo) -> None:
    project = make_repo(ENV_READING_TESTS)
    broken = {"DEMO_MODE": "broken"}
    deselected = {"PYTEST_ADDOPTS": "--deselect tests/test_a.py::test_bad"}

    done, rows = run_rows(project, "test", env={**broken, **deselected})
    assert done.returncode == 0, done.stdout + done.stderr
    assert rows["test-3.12"]["summary"].startswith("1 passed")

    # The same tree, without the option that hid the failing test: it runs.
    done, rows = run_rows(project, "test", env=broken)
    assert done.returncode == 1, done.stdout
    assert rows["test-3.12"]["status"] == "failed"
    assert "test_bad" in rows["test-3.12"]["summary"]
    assert not rows["test-3.12"]["summary"].startswith("cached")

    # A variable the tests read decides their verdict too.
    done, rows = run_rows(project, "test")
    assert done.returncode == 0, done.stdout
    assert rows["test-3.12"]["summary"].startswith("2 passed")
    done, rows = run_rows(project, "test", env=broken)
    assert rows["test-3.12"]["status"] == "failed", "a pass without DEMO_MODE answered for it"

    # What only describes the terminal or mise's task does not cost a rerun.
    done, rows = run_rows(
        project, "test", env={"MISE_TASK_NAME": "check", "OLDPWD": "/", "COLUMNS": "91"}
    )
    assert done.returncode == 0, done.stdout
    assert rows["test-3.12"]["summary"] == "cached: 2 passed, 0 failed, 0 skipped"


TWO_PYTHONS = CLEAN_PYPROJECT.replace('python = ["3.12"]', 'python = ["3.11", "3.12"]')
THREE_FUNCTIONS = {
    "src/demo/__init__.py": '''
        """Demo package."""


        def add(a: int, b: int) -> int:
            """Add."""
            return a + b


        def sub(a: int, b: int) -> int:
            """Subtract."""
            return a - b


        def mul(a: int, b: int) -> int:
            """Multiply."""
            return a * b
        ''',
    "tests/test_add.py": """
        from demo import add


        def test_add() -> None:
            assert add(1, 2) == 3
        """,
    "tests/test_rest.py": """
        from demo import mul, sub


        def test_sub() -> None:
            assert sub(3, 2) == 1


        def test_mul() -> None:
            assert mul(3, 2) == 6
        """,
}


def test_the_gate_combines_only_data_measured_on_todays_tree(make_repo: MakeRepo) -> None:
    project = make_repo(THREE_FUNCTIONS, pyproject=TWO_PYTHONS)
    done, rows = run_rows(project, "test")
    assert done.returncode == 0, done.stdout + done.stderr
    assert rows["coverage"]["details"]["versions"] == ["3.11", "3.12"]

    # Two of three functions lose their test: the true figure is 5 of 7 statements.
    (project.root / "tests" / "test_rest.py").unlink()
    done, rows = run_rows(project, "test", env={"TASKBELT_PYTHON": "3.12"})
    assert done.returncode == 1, done.stdout
    gate = rows["coverage"]
    assert gate["status"] == "failed", "3.11's data of the old tree passed the gate"
    assert gate["details"]["versions"] == ["3.12"]
    assert "combined over 3.12)" in gate["summary"]
    assert gate["details"]["percent"] < 90
    assert gate["details"]["data_files"] == [str(project.state_dir / "coverage" / ".coverage.3.12")]

    # coverage alone (as CI's coverage job runs it) leaves out 3.11's old data, and says so.
    done, rows = run_rows(project, "coverage")
    gate = rows["coverage"]
    assert gate["status"] == "failed"
    assert gate["details"]["versions"] == ["3.12"]
    assert gate["details"]["stale"] == ["3.11"]
    assert "left out 3.11: measured on an older tree" in gate["summary"]

    # No data of today's tree at all: an error that says what to run, never a pass.
    write_files(project.root, {"tests/test_add.py": THREE_FUNCTIONS["tests/test_add.py"] + "\n"})
    done, rows = run_rows(project, "coverage")
    gate = rows["coverage"]
    assert gate["status"] == "error"
    assert gate["summary"].startswith("no coverage data of this tree")
    assert "3.11, 3.12" in gate["summary"]
    assert "mise run test" in done.stdout + done.stderr


def test_bytecode_in_a_repository_without_gitignore_does_not_change_a_key(
    make_repo: MakeRepo,
) -> None:
    project = make_repo()
    done, _ = run_rows(project, "test")
    assert done.returncode == 0, done.stdout + done.stderr
    cached = project.root / "src" / "demo" / "__pycache__" / "__init__.cpython-312.pyc"
    cached.parent.mkdir(exist_ok=True)
    cached.write_bytes(b"not really bytecode")
    done, rows = run_rows(project, "test")
    assert rows["test-3.12"]["summary"].startswith("cached: ")


def with_coverage_config(extra: str) -> str:
    return CLEAN_PYPROJECT + extra


def test_a_gate_over_no_file_of_the_package_is_an_error_naming_the_setting(
    make_repo: MakeRepo,
) -> None:
    # The slip seen on pallets/itsdangerous: another project's name in source.
    slip = '\n[tool.coverage.run]\nsource = ["jinja2", "tests"]\n'
    project = make_repo(pyproject=with_coverage_config(slip))
    done, rows = run_rows(project, "test")
    assert done.returncode == 2, done.stdout
    gate = rows["coverage"]
    assert gate["status"] == "error", "the tests alone were measured and passed the gate"
    assert "coverage measured no file of demo" in gate["summary"]
    assert "pyproject.toml [tool.coverage.run] source = ['jinja2', 'tests']" in gate["summary"]
    assert "tests/test_demo.py" in gate["summary"]
    assert "name the package there (demo)" in done.stdout


EXTRA_MODULE = {
    "src/demo/extra.py": '''
        """Not tested: the repository leaves it out of coverage."""


        def unused(a: int) -> int:
            """Never called by the tests."""
            if a:
                return a
            return -a
        ''',
}


def test_coverage_follows_the_repositorys_coveragerc(make_repo: MakeRepo) -> None:
    from conftest import CLEAN_SRC  # noqa: PLC0415

    rc = "[run]\nomit = */extra.py\n\n[report]\nfail_under = 100\n"
    project = make_repo({**CLEAN_SRC, **EXTRA_MODULE, ".coveragerc": rc})
    done, rows = run_rows(project, "test")
    assert done.returncode == 0, done.stdout
    gate = rows["coverage"]
    assert gate["details"]["percent"] == 100.0, "omit in .coveragerc was not followed"
    assert gate["details"]["fail_under"] == 100, ".coveragerc's fail_under is the gate"

    # The same repository without omit: coverage's own figure fails its own gate.
    write_files(project.root, {".coveragerc": "[report]\nfail_under = 100\n"})
    done, rows = run_rows(project, "test")
    assert done.returncode == 1, done.stdout
    assert rows["coverage"]["status"] == "failed"
    assert rows["coverage"]["details"]["percent"] < 100


def test_coverage_plugins_the_settings_name_are_installed_where_coverage_runs(
    make_repo: MakeRepo,
) -> None:
    from conftest import CLEAN_SRC  # noqa: PLC0415

    # covdefaults (as tox-dev/platformdirs uses it), not among the project's
    # dependencies; it sets fail_under = 100 and leaves `if TYPE_CHECKING:` out.
    plugin = '\n[tool.coverage.run]\nplugins = ["covdefaults"]\nsource = ["demo"]\n'
    files = {
        **CLEAN_SRC,
        "src/demo/typed.py": '''
            """Typing-only import: covdefaults excludes the block."""

            from typing import TYPE_CHECKING

            if TYPE_CHECKING:
                from collections.abc import Sequence


            def first(items: "Sequence[int]") -> int:
                """The first item."""
                return items[0]
            ''',
        "tests/test_typed.py": """
            from demo.typed import first


            def test_first() -> None:
                assert first([4, 5]) == 4
            """,
    }
    project = make_repo(files, pyproject=with_coverage_config(plugin))
    done, rows = run_rows(project, "test")
    assert done.returncode == 0, done.stdout + done.stderr
    gate = rows["coverage"]
    assert gate["status"] == "passed", gate["summary"]
    assert gate["details"]["percent"] == 100.0, "covdefaults' exclusions were not applied"
    assert gate["details"]["fail_under"] == 100, "covdefaults' gate (100) is the gate"

    missing = '\n[tool.coverage.run]\nplugins = ["taskbelt_no_such_coverage_plugin"]\n'
    write_files(project.root, {"pyproject.toml": with_coverage_config(missing)})
    done, rows = run_rows(project, "test")
    assert done.returncode == 2, done.stdout
    row = rows["test-3.12"]
    assert row["status"] == "error"
    assert row["summary"].startswith(
        "the coverage plugin taskbelt_no_such_coverage_plugin (named in pyproject.toml, plugins) "
        "could not be installed in the test environment"
    )
    assert "Traceback" not in done.stdout + done.stderr
