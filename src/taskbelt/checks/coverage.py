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
import shutil
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from taskbelt import proc
from taskbelt.checks.base import CheckContext, crashed, guarded, tail
from taskbelt.checks.pytest_cov import coverage_dir
from taskbelt.results import CheckResult, Status

NAME = "coverage"
#: The script that combines and reports, run with the coverage tool env's Python.
JOB = Path(__file__).parents[1] / "jobs" / "coverage_report.py"


def data_files(ctx: CheckContext, versions: list[str] | None = None) -> list[Path]:
    """The per-version data files to combine (all present ones by default)."""
    folder = coverage_dir(ctx)
    if versions is not None:
        return [
            folder / f".coverage.{v}" for v in versions if (folder / f".coverage.{v}").is_file()
        ]
    return sorted(p for p in folder.glob(".coverage.3.*") if p.is_file())


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
    kinds = [["--gate"], [f"--{kind}" for kind in ctx.project.settings.coverage_reports]]
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
        return guarded(NAME, lambda: _run(ctx, versions, jobs))
    finally:
        if jobs is not None:  # never fed when there was no data
            jobs.cancel()


def _run(ctx: CheckContext, versions: list[str] | None, jobs: Jobs | None) -> CheckResult:
    started = time.perf_counter()
    files = data_files(ctx, versions)
    if not files:
        return CheckResult(
            NAME,
            Status.ERROR,
            time.perf_counter() - started,
            "no coverage data: no test run produced any (see the test rows)",
        )
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
    gate = ctx.project.fail_under
    # The table is shown under a failed gate and in GitHub's job summary only.
    shown = percent + 1e-9 < gate or ctx.base_env.get("GITHUB_ACTIONS") == "true"
    table = str(answer["table"]) if shown else ""
    seconds = time.perf_counter() - started
    versions_used = [f.name.removeprefix(".coverage.") for f in files]
    details = {"percent": round(percent, 2), "fail_under": gate, "versions": versions_used}
    if percent + 1e-9 < gate:
        return CheckResult(
            NAME,
            Status.FAILED,
            seconds,
            f"{percent:.2f}% covered, {gate:g}% required (combined over {', '.join(versions_used)})",
            tail(table),
            details,
        )
    return CheckResult(
        NAME,
        Status.PASSED,
        seconds,
        f"{percent:.1f}% covered (gate {gate:g}%, combined over {', '.join(versions_used)})",
        tail(table),
        details,
    )
