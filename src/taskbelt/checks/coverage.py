"""Combine the coverage of every tested Python version and apply the gate.

Two processes side by side (see :mod:`taskbelt.jobs.coverage_report`): one
computes the total and the terminal table for the gate, the other writes what
``coverage-reports`` asks for (``coverage.xml``, ``coverage.json``,
``htmlcov/``) under the repo's report folder. The table is shown under a
failed gate and in GitHub's job summary.

Most of each process's time on a mid-size project is Python importing
coverage (0.15-0.2 s of ~0.45 s), so ``check`` starts them while the tests
still run (:func:`start_jobs`, see the orchestrator) and sends them the data
files when the tests are done; on their own they start when needed.
"""

from __future__ import annotations

import contextvars
import json
import re
import shutil
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from taskbelt import jobs, proc
from taskbelt.caching import verdicts
from taskbelt.checks import coverage_diff, coverage_paths
from taskbelt.checks.base import CheckContext, crashed, tail
from taskbelt.checks.coverage_paths import fails
from taskbelt.checks.interface import Check
from taskbelt.checks.pytest import check as test
from taskbelt.checks.pytest.check import coverage_dir, tree_file
from taskbelt.environments import coverage_plugins
from taskbelt.output.words import plural, some_of
from taskbelt.repository import pytest_coverage_config
from taskbelt.results import CheckResult, Status
from taskbelt.tools.interpreters import in_version_order

NAME = "coverage"
#: How many measured files an error about the wrong files names.
_SAMPLE = 3
#: The script that combines and reports, run with the coverage tool env's Python.
JOB = jobs.FOLDER / "coverage_report.py"


_DATA_NAME = re.compile(r"\.coverage\.(\d+\.\d+)")


def data_files(ctx: CheckContext, versions: list[str] | None = None) -> list[Path]:
    """The per-version data files there are (of ``versions``; all by default), 3.9 before 3.10."""
    folder = coverage_dir(ctx)
    if versions is None:
        versions = [m[1] for p in folder.iterdir() if (m := _DATA_NAME.fullmatch(p.name))]
    files = (folder / f".coverage.{v}" for v in in_version_order(versions))
    return [f for f in files if f.is_file()]


def version_of(data: Path) -> str:
    """``3.12`` for ``.coverage.3.12``."""
    return data.name.removeprefix(".coverage.")


def fresh_and_stale(ctx: CheckContext, files: list[Path]) -> tuple[list[Path], list[Path]]:
    """Split data files into those measured on today's tree and the others.

    Each test run stamps its data with the digest of the tree it ran on
    (:func:`taskbelt.caching.verdicts.tree_digest`); data without a stamp, or with
    another one, were measured on code that is no longer here.
    """
    today = verdicts.tree_digest(ctx.root, ctx.project.state_dir)
    fresh: list[Path] = []
    stale: list[Path] = []
    for data in files:
        try:
            stamp = tree_file(ctx, version_of(data)).read_text(encoding="utf-8").strip()
        except OSError:
            stamp = ""
        (fresh if stamp == today else stale).append(data)
    return fresh, stale


def _drop_stale(reports: Path, wanted: Sequence[str]) -> None:
    """Remove report files of kinds not asked for, so none is mistaken for today's."""
    for kind in ("xml", "json"):
        if kind not in wanted:
            (reports / f"coverage.{kind}").unlink(missing_ok=True)
    if "html" not in wanted:
        shutil.rmtree(reports / "htmlcov", ignore_errors=True)


@dataclass(frozen=True)
class Jobs:
    """The gate's process and the report files' process, waiting for their data."""

    started: tuple[proc.Started, ...]

    def cancel(self) -> None:
        """End the processes if no data will come (a no-op for finished ones)."""
        for job in self.started:
            job.cancel()


def start_jobs(ctx: CheckContext) -> Jobs:
    """Start the coverage_report.py processes; they import coverage, then read stdin.

    They combine in memory and write no data file.
    """
    argv = ["python", "-I", str(JOB), "--reports", str(ctx.project.reports_dir), "--stdin"]
    # each file's figures: for the path gates, and the debt ledger's floors
    files = ctx.project.settings.coverage.paths or ctx.project.ledger.present
    gate = ["--gate", *(["--files"] if files else [])]
    if coverage_diff.wanted(ctx.project):  # the changed lines' gate reads an XML report
        coverage_diff.xml_file(ctx).unlink(missing_ok=True)
        gate += ["--diff-xml", str(coverage_diff.xml_file(ctx))]
    kinds = [gate, [f"--{kind}" for kind in ctx.project.settings.coverage_reports]]
    env = ctx.env()
    return Jobs(
        tuple(proc.start([*argv, *flags], cwd=ctx.root, env=env) for flags in kinds if flags)
    )


def run(
    ctx: CheckContext, versions: list[str] | None = None, jobs: Jobs | None = None
) -> CheckResult:
    """Combine data files and compare the total with ``fail-under``.

    ``jobs``: the report processes, started ahead (else they start now).
    """
    try:
        return _run(ctx, versions, jobs)
    finally:
        if jobs is not None:  # never fed when there was no data
            jobs.cancel()


def _run(ctx: CheckContext, versions: list[str] | None, jobs: Jobs | None) -> CheckResult:
    started = time.perf_counter()
    files, stale = fresh_and_stale(ctx, data_files(ctx, versions))
    left_out = ", ".join(version_of(f) for f in stale)
    if not files:
        why = (
            f"no coverage data of this tree: the data of Python {left_out} were measured on "
            "files that have changed since"
            if stale
            else "no coverage data: no test run produced any (see the test rows)"
        )
        fix = "fix: run the tests first: `mise run test` (it combines the coverage too)"
        return CheckResult(NAME, Status.ERROR, time.perf_counter() - started, why, fix)
    reports = ctx.project.reports_dir
    reports.mkdir(parents=True, exist_ok=True)
    wanted = ctx.project.settings.coverage_reports
    _drop_stale(reports, wanted)
    running = jobs or start_jobs(ctx)
    feed = "\0".join(map(str, files))
    try:
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="taskbelt-coverage") as pool:
            runs = [
                pool.submit(contextvars.copy_context().run, job.finish, feed)
                for job in running.started
            ]
            done = [run.result() for run in runs]
    finally:
        running.cancel()  # a no-op for finished processes
    for step in done:
        if step.returncode != 0:
            return crashed(NAME, step, started, "combining or reporting the coverage data")
    answer = json.loads(done[0].stdout)
    percent = float(answer["percent"])
    wrong = _no_package_file(ctx, [str(f) for f in answer.get("measured", [])], started)
    if wrong is not None:
        return wrong
    gate = pytest_coverage_config.fail_under(
        ctx.project, ctx.base_env, float(answer.get("fail_under") or 0)
    )
    decimals = pytest_coverage_config.precision(ctx.project, ctx.base_env)
    # coverage names a file by the path it measured: relative to the root here
    numbers = {ctx.project.relative(Path(n)): f for n, f in answer.get("files", {}).items()}
    paths = coverage_paths.judge(ctx.project.settings.coverage.paths, numbers, decimals)
    below = [g for g in paths if g.failed]
    each = coverage_paths.figures(numbers)
    floors = coverage_paths.floors(each, ctx.project.ledger.floors, decimals)
    changed = coverage_diff.judge(ctx)
    changed_failed = changed is not None and changed.failed(decimals)
    # The table is shown under a failed gate and in GitHub's job summary only.
    shown = (
        fails(percent, gate, decimals)
        or bool(below or floors.below or changed_failed)
        or ctx.base_env.get("GITHUB_ACTIONS") == "true"
    )
    table = str(answer["table"]) if shown else ""
    seconds = time.perf_counter() - started
    versions_used = [version_of(f) for f in files]
    details = {
        "percent": round(percent, 2),
        "fail_under": gate,
        "versions": versions_used,
        "data_files": [str(f) for f in files],
        "stale": [version_of(f) for f in stale],
        **({"paths": [g.to_json() for g in paths]} if paths else {}),
        # what `mise run ledger` records as each file's floor
        **(
            {"files": {f: round(v, 2) for f, v in each.items()}}
            if ctx.project.ledger.present
            else {}
        ),
        **({"diff": changed.to_json(decimals)} if changed is not None else {}),
    }
    combined = f"combined over {', '.join(versions_used)}" + (
        f"; left out {left_out}: measured on an older tree" if stale else ""
    )
    sets = "".join(f"; {g.words(decimals)}" for g in below) + floors.words(decimals)
    sets += f"; {changed.words(decimals)}" if changed is not None else ""
    if fails(percent, gate, decimals):
        return CheckResult(
            NAME,
            Status.FAILED,
            seconds,
            f"{percent:.{decimals}f}% covered, {gate:g}% required ({combined}){sets}",
            tail(table),
            details,
        )
    met = f"; {plural(len(paths), 'path gate')} met" if paths and not below else ""
    status = Status.FAILED if below or floors.below or changed_failed else Status.PASSED
    if status is Status.PASSED and changed is not None and changed.error:
        status = Status.ERROR  # a pull request's changed lines, asked for and not judged
    return CheckResult(
        NAME,
        status,
        seconds,
        f"{percent:.{decimals}f}% covered (gate {gate:g}%, {combined}){sets}{met}",
        tail(table),
        details,
    )


def _no_package_file(ctx: CheckContext, measured: list[str], started: float) -> CheckResult | None:
    """An ``error`` when the data hold no file of the package under test, else None.

    A gate over the wrong files passes for code it never looked at (seen on
    pallets/itsdangerous: ``source = ["jinja2", "tests"]`` measured the
    tests only, and the gate said 100 %).
    """
    packages = [ctx.project.relative(p) for p in ctx.project.source_paths]
    if not packages:
        return None
    # Matched by the path below the root, wherever the root was: data made in
    # another checkout (a CI test job) name that checkout's absolute paths.
    for name in measured:
        path = "/" + name.replace("\\", "/").lstrip("/")
        if any(path.endswith("/" + p) or f"/{p}/" in path for p in packages):
            return None
    names = ", ".join(ctx.project.import_names)
    sample = some_of([ctx.project.relative(Path(m)) for m in measured], _SAMPLE) or "no file"
    choice = pytest_coverage_config.file_choice(ctx.project, ctx.base_env)
    if choice is not None:
        why = f"{choice} measures no file of {names}"
        fix = f"name the package there ({names}), or remove the setting to let taskbelt choose"
    else:
        why = f"the tests ran no line of {names}"
        fix = "check that the tests import the package (see the test rows' imported_from)"
    return CheckResult(
        NAME,
        Status.ERROR,
        time.perf_counter() - started,
        f"coverage measured no file of {names} (it measured {sample}): {why}",
        f"fix: {fix}",
        {"measured": measured[:50]},
    )


def run_session(ctx: CheckContext) -> CheckResult:
    """:func:`run` with what the context carries: the Pythons tested, the jobs started ahead."""
    versions = None if ctx.tested is None else list(ctx.tested)
    return run(ctx, versions, ctx.ahead if isinstance(ctx.ahead, Jobs) else None)


def install_plugins(ctx: CheckContext) -> None:
    """Combining imports the repository's coverage plugins: install them beside coverage."""
    if ctx.tools_bin is not None:
        coverage_plugins.ensure(
            ctx.tools_bin.parent, ctx.project, ctx.base_env, "the coverage environment"
        )


CHECK = Check(
    NAME,
    "the tests' coverage data of every Python, combined, against fail-under",
    run_session,
    tools="coverage",
    after=(test.CHECK.name,),
    follows=True,
    starts=40,
    files="all",
    writes_reports=True,
    finish=install_plugins,
    start_ahead=start_jobs,
    tools_for=lambda project: (
        ("coverage", coverage_diff.GROUP) if coverage_diff.wanted(project) else ("coverage",)
    ),
)
