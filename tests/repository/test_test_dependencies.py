"""What the tests and the type checker install: the chosen groups and extras (issue 19, case 5).

platformdirs' ``dev`` group gathers its docs group, whose Sphinx needs Python
3.11: installing every group made each test run on 3.10 an ``error`` cut off
mid-path with no fix line. The choice is ``test-groups`` / ``test-extras``,
else the groups and extras named like tests or typing; a set uv cannot
install names the group, the Python and the requirement, and the fix.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from conftest import (
    CLEAN_PYPROJECT,
    CLEAN_SRC,
    MakeRepo,
    assert_two_line_error,
    run_rows,
    taskbelt,
    write_files,
)

from taskbelt.errors import ConfigError
from taskbelt.repository import nox_config, test_dependencies, tox_config
from taskbelt.settings.model import load_settings

PLATFORMDIRS_LIKE = """
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = []
optional-dependencies.cli = ["click"]

[dependency-groups]
dev = [{ include-group = "docs" }, { include-group = "test" }, { include-group = "type" }]
test = ["iniconfig"]
type = ["typing-extensions", { include-group = "test" }]
docs = ["sphinx>=9.1"]

[tool.taskbelt]
python = ["3.10"]
"""


def choose(pyproject: str, **settings: list[str]) -> test_dependencies.Choice:
    table = {key.replace("_", "-"): value for key, value in settings.items()}
    return test_dependencies.choose(tomllib.loads(pyproject), load_settings(table))


class TestChoice:
    def test_named_like_tests_or_typing_never_an_aggregate(self) -> None:
        choice = choose(PLATFORMDIRS_LIKE)
        assert (choice.groups, choice.extras, choice.configured) == (("test",), (), False)
        typing = test_dependencies.choose(
            tomllib.loads(PLATFORMDIRS_LIKE), load_settings({}), typing=True
        )
        assert (typing.groups, typing.extras) == (("test", "type"), ())

    def test_a_typing_group_stays_out_of_the_tests(self) -> None:
        """A ``mypy`` group bringing pytest-mypy-plugins: the type checker's, not the tests'."""
        pyproject = (
            '[project]\nname = "x"\n[dependency-groups]\ntests = ["pytest"]\n'
            'mypy = ["mypy", "pytest-mypy-plugins"]\nlint = ["ruff"]\n'
        )
        assert choose(pyproject).groups == ("tests",)
        typing = test_dependencies.choose(tomllib.loads(pyproject), load_settings({}), typing=True)
        assert typing.groups == ("tests", "mypy", "lint")
        only_typing = '[project]\nname = "x"\n[dependency-groups]\nmypy = ["mypy"]\n'
        assert choose(only_typing).groups == ()

    def test_dev_when_nothing_is_named_like_tests(self) -> None:
        plain = '[project]\nname = "x"\n[dependency-groups]\ndev = ["pytest"]\ndocs = ["sphinx"]\n'
        assert choose(plain).groups == ("dev",)
        gathering = plain.replace('dev = ["pytest"]', 'dev = [{ include-group = "docs" }]')
        assert choose(gathering).groups == ()
        extra = plain + '[project.optional-dependencies]\ntesting = ["pytest"]\n'
        assert (choose(extra).groups, choose(extra).extras) == ((), ("testing",))

    def test_settings_choose(self) -> None:
        choice = choose(PLATFORMDIRS_LIKE, test_groups=["dev"], test_extras=["cli"])
        assert (choice.groups, choice.extras, choice.configured) == (("dev",), ("cli",), True)
        assert choose(PLATFORMDIRS_LIKE, test_groups=[]).groups == ()

    def test_a_name_the_project_lacks_is_an_error(self) -> None:
        with pytest.raises(ConfigError) as caught:
            choose(PLATFORMDIRS_LIKE, test_groups=["tests"])
        assert "test-groups names 'tests'" in caught.value.cause
        assert caught.value.fix == "choose from: dev, test, type, docs"

    def test_explain_names_group_python_and_requirement(self) -> None:
        uv = (
            "error: No solution found when resolving dependencies\n"
            "  cause: Because the current Python version (3.10.13) does not satisfy "
            "Python>=3.11 and sphinx>=9.1.0,<=9.1.1 depends on Python>=3.12, ...\n"
            "         And because you require sphinx>=9.1, we can conclude that your "
            "requirements are unsatisfiable.\n"
        )
        choice = choose(PLATFORMDIRS_LIKE, test_groups=["dev"])
        assert test_dependencies.explain({}, choice, "3.10.13", uv) is None, "no such requirement"
        explained = test_dependencies.explain(
            tomllib.loads(PLATFORMDIRS_LIKE), choice, "3.10.13", uv
        )
        assert explained is not None
        cause, fix = explained
        assert cause == (
            "the test dependencies cannot be installed on Python 3.10.13: "
            "group docs (included by dev) requires sphinx>=9.1, which uv cannot satisfy there"
        )
        assert "leave that group out of [tool.taskbelt] test-groups" in fix


def test_unknown_group_fails_fast_in_two_lines(tmp_path: Path) -> None:
    write_files(tmp_path, {"pyproject.toml": PLATFORMDIRS_LIKE + 'test-groups = ["tset"]\n'})
    done = taskbelt(tmp_path, "run", "lint")
    assert_two_line_error(done, "[tool.taskbelt] test-groups names 'tset'")


@pytest.mark.slow
def test_tests_and_type_checker_install_their_choice(make_repo: MakeRepo) -> None:
    """On 3.10 the default choices install; `dev` (gathering docs) is an error that says why."""
    files = {**CLEAN_SRC, "tests/test_types.py": "import iniconfig\n"}
    project = make_repo(files, pyproject=PLATFORMDIRS_LIKE)

    done, rows = run_rows(project, "test", "typecheck")
    assert rows["test-3.10"]["status"] == "passed", rows["test-3.10"]
    assert rows["typecheck"]["status"] == "passed", rows["typecheck"]
    for env in ("test-3.10", "typecheck-project-3.10"):
        site = project.state_dir / "envs" / env / "lib" / "python3.10" / "site-packages"
        installed = {path.name.split("-")[0].lower() for path in site.iterdir()}
        assert "iniconfig" in installed, env
        assert "sphinx" not in installed, env

    done, rows = run_rows(project, "test", "typecheck", env={"TASKBELT_TEST_GROUPS": "dev"})
    assert done.returncode == 2, done.stdout + done.stderr
    # No test ran: the data of the run before must not pass the gate.
    assert rows["coverage"]["status"] == "error", rows["coverage"]
    for name in ("test-3.10", "typecheck"):
        row = rows[name]
        assert row["status"] == "error", row
        assert row["summary"].startswith(
            "the test dependencies cannot be installed on Python 3.10."
        ), row["summary"]
        assert "group docs (included by dev) requires sphinx>=9.1" in row["summary"]
    # The same cause and fix for both rows: printed once, naming both.
    assert "--- typecheck, test-3.10: error (the same on each" in done.stdout
    assert done.stdout.count("fix: leave that group out of [tool.taskbelt] test-groups") == 1


class TestToxChooses:
    """Where nothing is named like tests, the tox environment that runs pytest says what they need."""

    DEV_EXTRA = '[project]\nname = "x"\noptional-dependencies.dev = ["six"]\n'
    TOX_ENV = tox_config.ToxEnv("py312", extras=("dev",), deps=("freezegun", "-e ."))

    def test_tox_s_extras_and_deps_where_nothing_is_named_like_tests(self) -> None:
        choice = test_dependencies.choose(
            tomllib.loads(self.DEV_EXTRA),
            load_settings({}),
            lambda: test_dependencies.TestCommand.of_tox(self.TOX_ENV),
        )
        assert (choice.groups, choice.extras, choice.requirements) == ((), ("dev",), ("freezegun",))
        assert choice.describe() == "groups none; extras dev; deps freezegun (tox env py312)"

    def test_the_settings_come_first(self) -> None:
        def never() -> test_dependencies.TestCommand:
            raise AssertionError("tox asked where the settings chose")

        settings = load_settings({"test-extras": []})
        assert test_dependencies.choose(tomllib.loads(self.DEV_EXTRA), settings, never).extras == ()

    def test_tox_comes_before_the_names(self) -> None:
        """The repository's test command installs ``dev``, not its ``test`` extra: so do the tests."""
        named = self.DEV_EXTRA + 'optional-dependencies.test = ["pytest"]\n'
        choice = test_dependencies.choose(
            tomllib.loads(named),
            load_settings({}),
            lambda: test_dependencies.TestCommand.of_tox(self.TOX_ENV),
        )
        assert (choice.extras, choice.chosen_by) == (("dev",), "tox env py312")
        typing = named + 'optional-dependencies.typing = ["mypy"]\n'
        choice = test_dependencies.choose(
            tomllib.loads(typing),
            load_settings({}),
            lambda: test_dependencies.TestCommand.of_tox(self.TOX_ENV),
            typing=True,
        )
        assert choice.extras == ("dev", "typing")

    def test_a_tox_env_that_installs_nothing_leaves_the_default(self) -> None:
        plain = '[project]\nname = "x"\n[dependency-groups]\ndev = ["pytest"]\n'
        choice = test_dependencies.choose(
            tomllib.loads(plain),
            load_settings({}),
            lambda: test_dependencies.TestCommand.of_tox(tox_config.ToxEnv("py")),
        )
        assert (choice.groups, choice.chosen_by) == (("dev",), "")


TOX_EXTRAS = """
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = []
optional-dependencies.dev = ["six"]

[tool.taskbelt]
python = ["3.12"]
"""


#: tox's test environment: an extra, a requirements file, variables (one a secret) and
#: a value in tox's own work folder, which no tox run has made here.
TOX_TEST_ENV = """
[tox]
env_list = py312
[testenv]
extras = dev
deps = -rrequirements-test.txt
set_env =
    DEMO_MODE = strict
    DEMO_API_TOKEN = s3cr3t-token-value
    DEMO_SCRATCH = {envtmpdir}
commands = pytest {posargs}
"""
NEEDS_TOX_ENV = """
import os

import freezegun
import six


def test_needs() -> None:
    assert six.PY3 and freezegun
    assert os.environ["DEMO_MODE"] == "strict"
    assert os.environ["DEMO_API_TOKEN"] == "s3cr3t-token-value"
    assert "DEMO_SCRATCH" not in os.environ
"""


@pytest.mark.slow
def test_tox_s_test_environment_is_what_the_tests_get(make_repo: MakeRepo) -> None:
    """Seen: ``[testenv] extras = dev`` was not read, so every test row was an ``error``.

    tox's test environment installs the ``dev`` extra and, through ``deps``,
    a requirements file, and sets variables; the tests need all of it and
    pass, as under tox. ``-v`` says what was installed and set, the secret masked.
    """
    files = {
        **CLEAN_SRC,
        "tests/test_needs.py": NEEDS_TOX_ENV,
        "requirements-test.txt": "freezegun\n",
        "tox.ini": TOX_TEST_ENV,
    }
    project = make_repo(files, pyproject=TOX_EXTRAS)
    done, rows = run_rows(project, "test-3.12", "-v")
    row = rows["test-3.12"]
    assert row["status"] == "passed", done.stdout + done.stderr
    assert "groups none; extras dev; deps -r requirements-test.txt (tox env py312)" in done.stderr
    logged = next(line for line in done.stderr.splitlines() if "set_env of tox env py312" in line)
    assert {"DEMO_MODE=strict", "DEMO_API_TOKEN=***"} == set(logged.split(": ")[-1].split())
    assert "s3cr3t-token-value" not in done.stdout + done.stderr


#: A ``mypy`` group bringing pytest-mypy-plugins, whose YAML cases the repository
#: runs in its typing environment only.
MYPY_PLUGIN_GROUP = (
    CLEAN_PYPROJECT
    + '\n[dependency-groups]\ntest = ["iniconfig"]\nmypy = ["pytest-mypy-plugins"]\n'
)
MYPY_CASE = """
- case: revealed
  main: |
    reveal_type(1)  # N: Revealed type is "builtins.int"
"""


@pytest.mark.slow
def test_a_mypy_group_s_pytest_plugin_stays_out_of_the_tests(make_repo: MakeRepo) -> None:
    """The tests run the repository's tests only; the type checker has the typing group.

    Before, the ``mypy`` group went into every test environment and pytest
    collected the plugin's YAML case too (2 tests, a mypy run per Python).
    """
    files = {**CLEAN_SRC, "tests/test_cases.yml": MYPY_CASE}
    project = make_repo(files, pyproject=MYPY_PLUGIN_GROUP)
    done, rows = run_rows(project, "test", "typecheck")
    row = rows["test-3.12"]
    assert row["status"] == "passed", done.stdout + done.stderr
    assert row["summary"].startswith("1 passed, 0 failed"), row["summary"]
    envs = project.state_dir / "envs"
    for env, has_plugin in (("test-3.12", False), ("typecheck-project-3.12", True)):
        site = envs / env / "lib" / "python3.12" / "site-packages"
        installed = {path.name.split("-")[0].lower() for path in site.iterdir()}
        assert "iniconfig" in installed, env
        assert ("pytest_mypy_plugins" in installed) is has_plugin, (env, sorted(installed))


def test_a_nox_session_s_installs_are_read_as_pip_reads_them() -> None:
    session = nox_config.NoxSession(
        "tests-3.12",
        installs=(
            ("-e", ".[testing,toml]", "freezegun>=1"),
            ("-r", "requirements-test.txt", "--upgrade"),
            ("--group", "pyproject.toml:test"),
            (".[extra]",),
        ),
        runs=(("pytest", "-x"),),
    )
    assert session.installed() == (
        ("testing", "toml", "extra"),
        ("test",),
        ("freezegun>=1", "-r requirements-test.txt"),
    )
    other = nox_config.NoxSession("lint", runs=(("ruff", "check"),))
    assert nox_config.test_session((other, session)) is session


NOX_TESTS = """
import nox


@nox.session(python=["3.12"])
def lint(session):
    session.install("ruff")
    session.run("ruff", "check")


@nox.session(python=["3.12"])
def tests(session):
    session.install("-e", ".[testing]", "freezegun")
    session.run("pytest")
"""


@pytest.mark.slow
def test_the_nox_session_that_runs_pytest_says_what_the_tests_need(make_repo: MakeRepo) -> None:
    """Its extra and its extra requirement are installed: the tests import both."""
    pyproject = CLEAN_PYPROJECT + (
        '\n[project.optional-dependencies]\ntesting = ["iniconfig"]\ntyping = ["mypy"]\n'
    )
    files = {
        **CLEAN_SRC,
        "noxfile.py": NOX_TESTS,
        "tests/test_needs.py": "import freezegun, iniconfig\n\n\ndef test_needs() -> None:\n"
        "    assert freezegun and iniconfig\n",
    }
    project = make_repo(files, pyproject=pyproject)
    done, rows = run_rows(project, "test", env={"TASKBELT_VERBOSE": "1"})
    row = rows["test-3.12"]
    assert row["status"] == "passed", done.stdout + done.stderr
    assert row["summary"].startswith("2 passed"), row["summary"]
    said = "groups none; extras testing; deps freezegun (nox session tests-3.12)"
    assert said in done.stderr
