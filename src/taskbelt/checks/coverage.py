"""Combine the coverage of every tested Python version and apply the gate.

Writes the terminal table, ``coverage.xml`` (Cobertura), ``coverage.json``
and an HTML report under the repo's report folder.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from taskbelt.checks.base import CheckContext, crashed, guarded, tail
from taskbelt.checks.pytest_cov import coverage_dir
from taskbelt.results import CheckResult, Status

NAME = "coverage"


def data_files(ctx: CheckContext, versions: list[str] | None = None) -> list[Path]:
    """The per-version data files to combine (all present ones by default)."""
    folder = coverage_dir(ctx)
    if versions is not None:
        return [
            folder / f".coverage.{v}" for v in versions if (folder / f".coverage.{v}").is_file()
        ]
    return sorted(p for p in folder.glob(".coverage.3.*") if p.is_file())


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
    combined = coverage_dir(ctx) / ".coverage"
    combined.unlink(missing_ok=True)
    reports = ctx.project.reports_dir
    reports.mkdir(parents=True, exist_ok=True)
    data = f"--data-file={combined}"
    steps = [
        ["coverage", "combine", "--keep", "--quiet", data, *map(str, files)],
        ["coverage", "json", data, "-o", str(reports / "coverage.json")],
        ["coverage", "xml", data, "-o", str(reports / "coverage.xml")],
        ["coverage", "html", data, "-d", str(reports / "htmlcov")],
        ["coverage", "report", data],
    ]
    table = ""
    for step in steps:
        done = ctx.run(step)
        if done.returncode not in (0, 2):  # 2: coverage's own fail_under, judged below
            return crashed(NAME, done, started, step[1])
        table = done.stdout
    totals = json.loads((reports / "coverage.json").read_text(encoding="utf-8"))["totals"]
    percent = float(totals["percent_covered"])
    gate = ctx.project.fail_under
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
