"""pytest with coverage on one Python version of the test matrix.

Each version writes its own coverage data file (``.coverage.<version>``) and
JUnit report; the ``coverage`` check combines the data files and applies the
gate once, so a line covered only on 3.9 still counts.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from packaging.version import Version

from taskbelt import defaults, jobs, proc
from taskbelt.caching.verdicts import tree_digest
from taskbelt.checks.base import CheckContext, tail
from taskbelt.checks.interface import Check, Environment, Session, Spec
from taskbelt.checks.pytest import coverage_early, outcome
from taskbelt.environments import test_env
from taskbelt.environments.matrix import Matrix
from taskbelt.errors import ToolError
from taskbelt.files import write_atomic
from taskbelt.output.console import LOGGER
from taskbelt.repository import pytest_coverage_config
from taskbelt.repository.project import Project
from taskbelt.results import CheckResult, Status

_NO_TESTS = 5
_FAILED = 1


def check_name(version: str) -> str:
    """``test-3.12``."""
    return f"test-{version}"


def coverage_dir(ctx: CheckContext) -> Path:
    """Where every version's coverage data file goes."""
    path = ctx.project.state_dir / defaults.COVERAGE_SUBDIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_file(ctx: CheckContext, version: str) -> Path:
    """The coverage data file of one version."""
    return coverage_dir(ctx) / f".coverage.{version}"


def tree_file(ctx: CheckContext, version: str) -> Path:
    """The stamp beside one version's data: the tree it was measured on."""
    return coverage_dir(ctx) / f"tree-{version}.txt"


def junit_file(ctx: CheckContext, version: str) -> Path:
    """The JUnit report of one version."""
    return ctx.project.reports_dir / f"junit-{version}.xml"


def _cov_args(ctx: CheckContext, addopts: list[str]) -> list[str]:
    """What to tell pytest-cov to measure: nothing the repository already decides.

    The repository's own ``--cov`` options, or coverage settings that choose
    the files (``source``, ``source_pkgs``, ``include``), win; taskbelt names
    the package folders only where the repository says nothing.
    """
    if pytest_coverage_config.measures_coverage(addopts):
        return []
    if pytest_coverage_config.coverage_chooses_files(ctx.project, ctx.base_env):
        return ["--cov"]
    # A module is named by its import name: coverage's `source` takes folders
    # and importable names, and `--cov=pytest_timeout.py` measured nothing.
    paths = [
        name if path.suffix == ".py" else ctx.project.relative(path)
        for path, name in zip(ctx.project.source_paths, ctx.project.import_names, strict=True)
    ] or ["."]
    return [f"--cov={p}" for p in paths]


def early_coverage(ctx: CheckContext, command: list[str]) -> dict[str, str]:
    """The variable that starts coverage before pytest, as pytest-cov will measure.

    pytest-cov reads the repository's ``addopts`` and then ``command`` (the
    pytest command :func:`argv` made). Empty where pytest-cov will not
    measure (:mod:`taskbelt.checks.pytest.coverage_early`).
    """
    addopts = pytest_coverage_config.pytest_addopts(ctx.project, ctx.base_env)
    spec = coverage_early.spec(
        [*addopts, *command], pytest_coverage_config.disabled_plugins(addopts)
    )
    return {coverage_early.ENV: spec} if spec else {}


def coverage_core(ctx: CheckContext, version: str) -> dict[str, str]:
    """Measure with ``sys.monitoring`` where it gives the same numbers faster.

    On Python 3.12+ coverage's "sysmon" core measures lines at a fraction of
    the C tracer's cost (benchmark project, 600 tests: 8.1 s -> 3.0 s); it
    cannot measure branches before 3.14 and would warn and fall back, and a
    warning can fail a strict test suite, so it is only chosen where no
    configuration asks for branches. A ``COVERAGE_CORE`` the user set wins.
    """
    if "COVERAGE_CORE" in ctx.base_env or ctx.project.may_measure_branches:
        return {}
    if Version(version) < Version(defaults.SYSMON_PYTHON):
        return {}
    return {"COVERAGE_CORE": "sysmon"}


def bytecode_env(ctx: CheckContext) -> dict[str, str]:
    """Where ``PYTHONDONTWRITEBYTECODE`` is set, keep the test run's bytecode anyway.

    With it set (CI images, containers, this project's own machines) every
    run compiled every source module and pytest rewrote the asserts of every
    test module again: on the benchmark project (600 tests) collection took
    2.9 s instead of 0.9 s. With ``PYTHONPYCACHEPREFIX`` in
    ``.taskbelt-cache/cache/pycache`` the bytecode is kept there, and still
    nothing is written next to the sources, which is what that setting
    protects; Python and pytest check each file's mtime and size before
    using it. The prefix also hides the bytecode compiled into the test
    environment at install, so the first run compiles what it imports once.
    Without ``PYTHONDONTWRITEBYTECODE`` nothing changes: Python keeps its
    ``__pycache__`` folders as usual. A prefix the user set wins;
    ``bytecode-cache = false`` and ``--no-cache`` leave the environment alone.
    """
    if not ctx.project.settings.bytecode_cache or not ctx.reuse:
        return {}
    if not ctx.base_env.get("PYTHONDONTWRITEBYTECODE") or ctx.base_env.get("PYTHONPYCACHEPREFIX"):
        return {}
    # An empty PYTHONDONTWRITEBYTECODE counts as unset.
    return {
        "PYTHONPYCACHEPREFIX": str(ctx.cache_dir(defaults.PYCACHE_TOOL)),
        "PYTHONDONTWRITEBYTECODE": "",
    }


#: ``python -m pytest`` without the garbage collection at exit (see the script).
PYTEST_MAIN = jobs.FOLDER / "pytest_main.py"


def argv(ctx: CheckContext, version: str) -> list[str]:
    """The pytest command for one version."""
    if ctx.project_python is None:
        raise ToolError("no test environment", "this is a taskbelt bug: report it")
    addopts = pytest_coverage_config.pytest_addopts(ctx.project, ctx.base_env)
    off = pytest_coverage_config.disabled_plugins(addopts)
    # Each option below is added only where the repository's own options
    # allow it: a plugin it turned off (`-p no:junitxml`) stays off, since
    # turning it back on warns, which `filterwarnings = error` makes a crash.
    cache = (
        [] if "cacheprovider" in off else ["-o", f"cache_dir={ctx.cache_dir(f'pytest-{version}')}"]
    )
    junit = (
        []
        if "junitxml" in off
        else [
            f"--junitxml={junit_file(ctx, version)}",
            "-o",
            "junit_family=xunit1",  # adds file and line to each test case, for annotations
        ]
    )
    # taskbelt's own folders are never collected, whatever norecursedirs says
    # (a repository's list without pytest's ".*", with --doctest-modules, made
    # pytest import the vendored taskbelt and the test environments)
    ignored = [f"--ignore={folder}" for folder in ctx.project.excluded]
    return [
        str(ctx.project_python),
        str(PYTEST_MAIN),
        *cache,
        *junit,
        *ignored,
        *_cov_args(ctx, addopts),
        "--cov-report=",
        "--cov-fail-under=0",
        *[ctx.project.relative(p) for p in ctx.project.test_paths],
    ]


def run(ctx: CheckContext) -> CheckResult:
    """Run the tests on ``ctx.interpreter``'s version, measuring coverage."""
    if ctx.interpreter is None:
        raise ToolError(
            "no interpreter given for the test run", "this is a taskbelt bug: report it"
        )
    version = ctx.interpreter.version
    return _run(ctx, version)


def imports_file(ctx: CheckContext, version: str) -> Path:
    """Where the test run writes where it imported the project's packages from."""
    return ctx.project.state_dir / defaults.COVERAGE_SUBDIR / f"imports-{version}.json"


def _imported_from(ctx: CheckContext, record: Path) -> dict[str, str | None]:
    """What the run imported (``None``: the tests never imported that package)."""
    try:
        found = json.loads(record.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return (
        {str(k): (str(v) if v else None) for k, v in found.items()}
        if isinstance(found, dict)
        else {}
    )


def _where(ctx: CheckContext, origins: dict[str, str | None]) -> dict[str, str]:
    """Origins for the report: paths relative to the root, or why there is none."""
    return {
        name: ctx.project.relative(Path(path)) if path else "not imported by the tests"
        for name, path in origins.items()
    }


def matrix_env(ctx: CheckContext, version: str) -> dict[str, str]:
    """What the tests may know of the run: their Python and the run's other Pythons.

    ``TASKBELT_TEST_PYTHON`` is this session's version; ``TASKBELT_TEST_MATRIX`` lists,
    comma-separated, the Pythons whose test sessions this invocation runs
    (this one alone when it runs by itself). A suite may use them to run a
    test that does not depend on the interpreter on one Python of the run
    only (taskbelt's own suite spreads its slow tests so); the verdict
    cache keys a test session on the run's matrix for that reason.
    """
    return {
        "TASKBELT_TEST_PYTHON": version,
        "TASKBELT_TEST_MATRIX": ",".join(ctx.tested or (version,)),
    }


def _run(ctx: CheckContext, version: str) -> CheckResult:
    name = check_name(version)
    started = time.perf_counter()
    data = data_file(ctx, version)
    for old in data.parent.glob(f"{data.name}*"):
        old.unlink()
    junit = junit_file(ctx, version)
    junit.unlink(missing_ok=True)
    junit.parent.mkdir(parents=True, exist_ok=True)
    record = imports_file(ctx, version)
    record.unlink(missing_ok=True)
    stamp = tree_file(ctx, version)
    stamp.unlink(missing_ok=True)
    # Taken before the run: data of a file edited while the tests run are stale.
    tree = tree_digest(ctx.root, ctx.project.state_dir)
    command = argv(ctx, version)
    declared = ctx.project.test_set_env
    if declared:
        LOGGER.info(
            "%s: set_env of tox env %s: %s",
            name,
            ctx.project.tox_test_env.name if ctx.project.tox_test_env else "?",
            " ".join(f"{key}={value}" for key, value in declared.items()),
        )
    done = ctx.run(
        command,
        env={
            **declared,  # the repository's tox set_env; taskbelt's own variables win
            "COVERAGE_FILE": str(data),
            "TASKBELT_RECORD_IMPORTS": str(record),
            "TASKBELT_RECORD_MODULES": ",".join(ctx.project.import_names),
            **matrix_env(ctx, version),
            **coverage_core(ctx, version),
            **bytecode_env(ctx),
            **early_coverage(ctx, command),
        },
    )
    seconds = time.perf_counter() - started
    if data.is_file():
        write_atomic(stamp, tree + "\n")
    imported = _imported_from(ctx, record)
    details: dict[str, Any] = {
        "python": version,
        "interpreter": str(ctx.interpreter.path if ctx.interpreter else ""),
        "pytest_command": list(command),
        "imported_from": _where(ctx, imported),
        "junit": str(junit),
        "coverage_data": str(data),
    }
    LOGGER.info(
        "%s: Python %s (%s); the tests imported %s",
        name,
        version,
        details["interpreter"],
        ", ".join(f"{k} from {v}" for k, v in details["imported_from"].items()) or "no package",
    )
    outside = {k: v for k, v in imported.items() if v and not test_env.inside_tree(ctx.project, v)}
    if outside:
        pkg, path = next(iter(outside.items()))
        return CheckResult(
            name,
            Status.ERROR,
            seconds,
            f"the tests imported {pkg} from {path}, not from this repository: "
            "their verdict is not about this code",
            tail(done.output),
            details,
        )
    return verdict(name, done, seconds, junit, details)


def verdict(
    name: str, done: proc.Completed, seconds: float, junit: Path, details: dict[str, Any]
) -> CheckResult:
    """Turn pytest's exit status, JUnit file and output into the check's result."""
    counts = outcome.read(junit, done.output)
    details = {**details, **(counts or outcome.empty())}
    if done.returncode == _NO_TESTS:
        return _no_tests(name, done, seconds, details)
    ran = counts is not None and (counts["tests"] or done.returncode in {0, _FAILED})
    if done.returncode != 0 and not ran:
        return _could_not_start(name, done, seconds, details)
    counts = counts or outcome.empty()
    tally = outcome.tally(counts)
    if done.returncode == 0:
        return CheckResult(name, Status.PASSED, seconds, tally, details=details)
    collection_error = (
        "error during collection" in done.output or "errors during collection" in done.output
    )
    if done.returncode == _FAILED or collection_error:
        first = "first failure" if counts["failures"] else "first error"
        summary = (
            f"{tally}; {first}: {outcome.first_failure(counts)}"
            if counts["failing"]
            else f"{tally}: tests could not be collected"
        )
        return CheckResult(name, Status.FAILED, seconds, summary, tail(done.output), details)
    return CheckResult(
        name,
        Status.ERROR,
        seconds,
        f"pytest crashed (exit {done.returncode}) on Python {details['python']}",
        tail(done.output),
        details,
    )


def _no_tests(
    name: str, done: proc.Completed, seconds: float, details: dict[str, Any]
) -> CheckResult:
    return CheckResult(
        name,
        Status.FAILED,
        seconds,
        "no tests were collected: add tests or point [tool.taskbelt] tests at them",
        tail(done.output),
        details,
    )


def _could_not_start(
    name: str, done: proc.Completed, seconds: float, details: dict[str, Any]
) -> CheckResult:
    """pytest ended before running a test: one line says why, ``-v`` shows the rest."""
    why = outcome.start_error(done.output)
    LOGGER.info("%s: pytest's whole output:\n%s", name, done.output)
    return CheckResult(
        name,
        Status.ERROR,
        seconds,
        f"pytest could not start (exit {done.returncode}): {why}",
        f"{why}\n(run with -v to see pytest's whole output)",
        details,
    )


def key(project: Project, tests: Matrix, session: Session) -> Spec | None:
    """The interpreter counts: its path and, read fresh, its mtime (an upgrade in place)."""
    paths = {i.version: i.path for i in tests.present}
    return {"interpreter": str(paths[session.python])} if session.python in paths else {}


def leaves(project: Project, session: Session) -> list[Path]:
    """The session's coverage data and its tree stamp (coverage combines them)."""
    version = session.python
    if version is None:
        return []
    folder = project.state_dir / defaults.COVERAGE_SUBDIR
    return [folder / f".coverage.{version}", folder / f"tree-{version}.txt"]


CHECK = Check(
    "test",
    "pytest with coverage on each Python of the matrix, then the coverage gate",
    run,
    tools="test",
    environment=Environment.PROJECT_EACH,
    alone="pytest",
    starts=10,
    files="all",
    environ="all",
    key=key,
    leaves=leaves,
    uses_dependencies=True,
    writes_reports=True,
)
