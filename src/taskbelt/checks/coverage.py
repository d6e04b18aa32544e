"""Combine the coverage of every tested Python version and apply the gate.

Writes ``coverage.json`` (the gate reads it) and, as ``coverage-reports``
asks, ``coverage.xml`` (Cobertura) and ``htmlcov/`` under the repo's report
folder: two processes side by side (see :mod:`taskbelt.jobs.coverage_report`).
The terminal table is made when it is shown: under a failed gate and in
GitHub's job summary.
"""

from __future__ import annotations

import contextvars
import json
import shutil
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
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
    if "xml" not in wanted:
        (reports / "coverage.xml").unlink(missing_ok=True)
    if "html" not in wanted:
        shutil.rmtree(reports / "htmlcov", ignore_errors=True)


def _job(
    ctx: CheckContext, flags: list[str], part: int, files: list[Path], reports: Path
) -> proc.Completed:
    """One coverage_report.py process, combining into its own data file."""
    combined = coverage_dir(ctx) / f".combined-{part}"
    combined.unlink(missing_ok=True)
    argv = ["python", "-I", str(JOB), "--data-file", str(combined), "--reports", str(reports)]
    return ctx.run([*argv, *flags, *map(str, files)])


def run(ctx: CheckContext, versions: list[str] | None = None) -> CheckResult:
    """Combine data files and compare the total with ``fail-under``."""
    return guarded(NAME, lambda: _run(ctx, versions))


def _run(ctx: CheckContext, versions: list[str] | None) -> CheckResult:
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
    jobs = [["--json"], [f"--{kind}" for kind in wanted]]
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="taskbelt-coverage") as pool:
        runs = [
            pool.submit(contextvars.copy_context().run, _job, ctx, flags, part, files, reports)
            for part, flags in enumerate(jobs)
            if flags
        ]
        done = [run.result() for run in runs]
    for step in done:
        if step.returncode != 0:
            return crashed(NAME, step, started, "combining or reporting the coverage data")
    totals = json.loads((reports / "coverage.json").read_text(encoding="utf-8"))["totals"]
    percent = float(totals["percent_covered"])
    gate = ctx.project.fail_under
    table = ""
    # The table is read where it is shown: under a failed gate, and in GitHub's
    # job summary; a passing local run skips its second analysis of every file.
    if percent + 1e-9 < gate or ctx.base_env.get("GITHUB_ACTIONS") == "true":
        shown = _job(ctx, ["--table"], len(jobs), files, reports)
        if shown.returncode != 0:
            return crashed(NAME, shown, started, "writing the coverage table")
        table = shown.stdout
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
