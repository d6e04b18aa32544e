"""Coverage counts from the first import, as ``coverage run -m pytest`` does.

pytest-cov starts measuring after pytest has loaded its plugins. A
repository that is a pytest plugin, or whose package ``-p`` loads, ran its
module-level lines before that, and they counted as missed (pytest-mock:
62 % where its own ``coverage run -m pytest`` says 92 %). Each case runs the
real ``taskbelt run test coverage`` on a throwaway repository and holds its
figure against ``coverage run -m pytest`` in the same test environment.
"""

from __future__ import annotations

import json
import subprocess

import pytest
from conftest import CLEAN_PYPROJECT, MakeRepo, run_rows

from taskbelt.checks.pytest import coverage_early
from taskbelt.repository.project import Project

BUILD = '\n[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
#: Module-level lines (imports, constants, defs) and bodies the tests run or not.
PACKAGE = '''
    """A package pytest imports before the tests."""

    import os

    NAME = os.path.basename(__file__)


    def double(value: int) -> int:
        """Twice ``value``."""
        return value * 2


    def unused(value: int) -> int:
        """Never called by the tests."""
        if value:
            return value
        return -value
    '''
PLUGIN = '''
    """The package's pytest plugin: a fixture."""

    import pytest

    from demo import double


    @pytest.fixture
    def doubled() -> int:
        """Two, doubled."""
        return double(2)
    '''
TESTS = """
    def test_doubled(doubled: int) -> None:
        assert doubled == 4
    """


def own_percent(project: Project) -> float:
    """The repository's own ``coverage run -m pytest``, in taskbelt's test environment."""
    python = project.root / ".taskbelt-cache/envs/test-3.12/bin/python"
    env = {"COVERAGE_FILE": str(project.root.parent / "own.coverage"), "PATH": "/usr/bin:/bin"}
    subprocess.run(
        [str(python), "-m", "coverage", "run", "--source=src/demo", "-m", "pytest", "-q", "tests"],
        cwd=project.root, env=env, check=True, capture_output=True,
    )  # fmt: skip
    # under `parallel = true` the data are in suffixed files until combined
    subprocess.run(
        [str(python), "-m", "coverage", "combine"],
        cwd=project.root, env=env, capture_output=True, check=False,
    )  # fmt: skip
    report = subprocess.run(
        [str(python), "-m", "coverage", "json", "-o", "-"],
        cwd=project.root, env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return float(json.loads(report.stdout)["totals"]["percent_covered"])


@pytest.mark.slow
@pytest.mark.parametrize(
    "how",
    [
        '\n[project.entry-points.pytest11]\ndemo = "demo.plugin"\n',
        '\n[tool.pytest.ini_options]\naddopts = "-p demo.plugin"\n',
        '\n[project.entry-points.pytest11]\ndemo = "demo.plugin"\n'
        "\n[tool.coverage.run]\nbranch = true\n",
        '\n[project.entry-points.pytest11]\ndemo = "demo.plugin"\n'
        '\n[tool.coverage.run]\nparallel = true\npatch = ["subprocess"]\n',
    ],
    ids=[
        "a pytest11 plugin",
        "-p in addopts",
        "a plugin, branches measured",
        "a plugin, parallel data and subprocesses",
    ],
)
def test_a_package_pytest_imports_at_start_up_is_measured_from_its_first_line(
    make_repo: MakeRepo, how: str
) -> None:
    files = {
        "src/demo/__init__.py": PACKAGE,
        "src/demo/plugin.py": PLUGIN,
        "tests/test_p.py": TESTS,
    }
    project = make_repo(files, pyproject=CLEAN_PYPROJECT + how + BUILD)
    done, rows = run_rows(project, "test", "coverage")
    assert rows["test-3.12"]["status"] == "passed", done.stdout + done.stderr
    own = own_percent(project)
    assert own > 60  # the module-level lines count: unused()'s body (and branches) missed
    assert abs(rows["coverage"]["details"]["percent"] - own) < 0.01, (own, done.stdout)


@pytest.mark.parametrize(
    ("arguments", "disabled", "expected"),
    [
        (["--cov=src/demo"], set(), {"source": ["src/demo"], "branch": None}),
        (["--cov", "--cov=src/demo"], set(), {"source": None, "branch": None}),
        (
            ["-x", "--cov=a", "--cov-branch", "--cov=b"],
            set(),
            {"source": ["a", "b"], "branch": True},
        ),
        (["--cov=a", "--cov-config=setup.cfg"], set(), {"config_file": "setup.cfg"}),
        (["--cov=a"], set(), {"config_file": ".coveragerc"}),
        (["--cov=a", "--no-cov"], set(), None),
        (["--cov=a"], {"pytest_cov"}, None),
        (["-q"], set(), None),
    ],
)
def test_the_early_measurement_is_what_pytest_cov_is_given(
    arguments: list[str], disabled: set[str], expected: dict[str, object] | None
) -> None:
    spec = coverage_early.spec(arguments, disabled)
    if expected is None:
        assert spec is None
        return
    assert spec is not None
    found = json.loads(spec)
    assert {key: found[key] for key in expected} == expected
