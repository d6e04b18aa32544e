"""pytest with coverage on one Python version of the test matrix.

Each version writes its own coverage data file (``.coverage.<version>``) and
JUnit report; the ``coverage`` check combines the data files and applies the
gate once, so a line covered only on 3.9 still counts.
"""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET  # nosec B405 - parses only the JUnit file pytest just wrote
from pathlib import Path
from typing import Any

from packaging.version import Version

from taskbelt import defaults
from taskbelt.checks.base import CheckContext, guarded, tail
from taskbelt.errors import ToolError
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


def junit_file(ctx: CheckContext, version: str) -> Path:
    """The JUnit report of one version."""
    return ctx.project.reports_dir / f"junit-{version}.xml"


def _cov_args(ctx: CheckContext) -> list[str]:
    run_table = ctx.project.data.get("tool", {}).get("coverage", {}).get("run", {})
    if isinstance(run_table, dict) and run_table.get("source"):
        return ["--cov"]
    paths = [ctx.project.relative(p) for p in ctx.project.source_paths] or ["."]
    return [f"--cov={p}" for p in paths]


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
PYTEST_MAIN = Path(__file__).parents[1] / "jobs" / "pytest_main.py"


def argv(ctx: CheckContext, version: str) -> list[str]:
    """The pytest command for one version."""
    if ctx.project_python is None:
        raise ToolError("no test environment", "this is a taskbelt bug: report it")
    return [
        str(ctx.project_python),
        str(PYTEST_MAIN),
        "-o",
        f"cache_dir={ctx.cache_dir(f'pytest-{version}')}",
        f"--junitxml={junit_file(ctx, version)}",
        "-o",
        "junit_family=xunit1",  # adds file and line to each test case, for annotations
        *_cov_args(ctx),
        "--cov-report=",
        "--cov-fail-under=0",
        *[ctx.project.relative(p) for p in ctx.project.test_paths],
    ]


def read_junit(path: Path) -> dict[str, Any]:
    """Counts and failing test ids from a JUnit report."""
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    failing: list[dict[str, str]] = []
    if not path.is_file():
        return {**totals, "failing": failing}
    root = ET.parse(path).getroot()  # noqa: S314  # nosec B314 - our own pytest run wrote it
    for suite in root.iter("testsuite"):
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for case in root.iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is not None:
            failing.append(
                {
                    "test": f"{case.get('classname', '')}::{case.get('name', '')}",
                    "file": case.get("file", ""),
                    "line": case.get("line", ""),
                    "message": (
                        (problem.get("message") or "").splitlines()[0][:200]
                        if problem.get("message")
                        else ""
                    ),
                }
            )
    return {**totals, "failing": failing}


def run(ctx: CheckContext) -> CheckResult:
    """Run the tests on ``ctx.interpreter``'s version, measuring coverage."""
    if ctx.interpreter is None:
        raise ToolError(
            "no interpreter given for the test run", "this is a taskbelt bug: report it"
        )
    version = ctx.interpreter.version
    return guarded(check_name(version), lambda: _run(ctx, version))


def _run(ctx: CheckContext, version: str) -> CheckResult:
    name = check_name(version)
    started = time.perf_counter()
    data = data_file(ctx, version)
    for old in data.parent.glob(f"{data.name}*"):
        old.unlink()
    junit = junit_file(ctx, version)
    junit.unlink(missing_ok=True)
    junit.parent.mkdir(parents=True, exist_ok=True)
    done = ctx.run(
        argv(ctx, version),
        env={"COVERAGE_FILE": str(data), **coverage_core(ctx, version), **bytecode_env(ctx)},
    )
    seconds = time.perf_counter() - started
    counts = read_junit(junit)
    passed = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
    tally = f"{passed} passed, {counts['failures'] + counts['errors']} failed, {counts['skipped']} skipped"
    details = {"python": version, "junit": str(junit), "coverage_data": str(data), **counts}
    if done.returncode == 0:
        return CheckResult(name, Status.PASSED, seconds, tally, details=details)
    if done.returncode == _NO_TESTS:
        return CheckResult(
            name,
            Status.FAILED,
            seconds,
            "no tests were collected: add tests or point [tool.taskbelt] tests at them",
            tail(done.output),
            details,
        )
    collection_error = (
        "error during collection" in done.output or "errors during collection" in done.output
    )
    if done.returncode == _FAILED or collection_error:
        first = counts["failing"][0]["test"] if counts["failing"] else "see output"
        summary = (
            f"{tally}; first failure: {first}"
            if counts["failing"]
            else "tests could not be collected"
        )
        return CheckResult(name, Status.FAILED, seconds, summary, tail(done.output), details)
    return CheckResult(
        name,
        Status.ERROR,
        seconds,
        f"pytest crashed (exit {done.returncode}) on Python {version}",
        tail(done.output),
        details,
    )
