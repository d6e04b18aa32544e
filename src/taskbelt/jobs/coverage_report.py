"""Combine coverage data files in memory and report, in one process.

Run by the ``coverage`` check with the coverage tool environment's Python::

    python -I coverage_report.py --reports DIR [--gate] [--json] [--xml] [--html] DATA...
    python -I coverage_report.py --reports DIR [--gate] ... --stdin
    python -I coverage_report.py --reports DIR --gate --diff-xml PATH ...

With ``--stdin`` the data files are read from standard input (NUL-separated)
once the process has imported coverage: the check starts it while the tests
still run and sends the files when they are done (an empty input: nothing to
do, exit 0).

It imports coverage, never taskbelt. The data are combined into an
in-memory database (``Coverage(data_file=None)``, coverage's documented
"no disk file at all"): coverage opens a new connection to an on-disk
database for almost every query, which made a report of 150 files take
0.45 s instead of 0.19 s. ``combine`` still applies the ``[paths]``
remapping of the repository's coverage configuration.

Several data files (a test matrix) are combined on disk instead (see
``main``). ``--gate`` prints one JSON line to stdout: the total percent and the
terminal table, both from the one analysis ``Coverage.report`` makes
(the table costs nothing more), the files with recorded lines (the
check refuses a gate over data that hold no file of the package) and
the ``fail_under`` coverage ended up with, its plugins' included, and with
``--files`` each file's figures (the per-path gates). The
check runs two of these side by side:
the gate, and the report files. Coverage's own errors end the process with
its message and a non-zero status. ``--diff-xml PATH`` also writes a
Cobertura XML report to ``PATH`` for diff-cover, which judges the changed
lines (``taskbelt.checks.coverage_diff``).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import json
import sys
import tempfile
from pathlib import Path

import coverage
from coverage.exceptions import NoDataError


def main(argv: list[str]) -> int:
    """Combine ``DATA...`` and write or print what the flags ask for."""
    parser = argparse.ArgumentParser(prog="coverage_report.py")
    parser.add_argument("--reports", required=True, type=Path)
    for kind in ("gate", "json", "xml", "html", "files"):
        parser.add_argument(f"--{kind}", action="store_true")
    parser.add_argument("--stdin", action="store_true", help="read DATA from stdin")
    parser.add_argument("--diff-xml", type=Path, help="also write an XML report here")
    parser.add_argument("data", nargs="*")
    args = parser.parse_args(argv)
    data = [p for p in sys.stdin.read().split("\0") if p] if args.stdin else args.data
    if not data:
        return 0
    if len(data) == 1:
        return report(coverage.Coverage(data_file=None), data, args)
    # coverage 7.10 cannot combine a second file into an in-memory database
    # ("database other_db is already in use"): several files (one per tested
    # Python) are combined into a temporary file next to them.
    with tempfile.TemporaryDirectory(dir=Path(data[0]).parent) as folder:
        return report(coverage.Coverage(data_file=str(Path(folder) / "combined")), data, args)


def report(cov: coverage.Coverage, data: list[str], args: argparse.Namespace) -> int:
    """Combine ``data`` into ``cov`` and write or print what ``args`` asks for."""
    cov.combine(data, keep=True)
    measured = sorted(cov.get_data().measured_files())
    # No file measured ("No data to report", which every report raises): no
    # report files, and the gate's answer says so; the check names the cause.
    if args.json and measured:
        cov.json_report(outfile=str(args.reports / "coverage.json"))
    if args.xml and measured:
        cov.xml_report(outfile=str(args.reports / "coverage.xml"))
    if args.html and measured:
        cov.html_report(directory=str(args.reports / "htmlcov"))
    if args.diff_xml is not None and measured:
        # no file left to report: the check says no changed line was measured
        with contextlib.suppress(NoDataError):
            cov.xml_report(outfile=str(args.diff_xml))
    if args.gate:
        table = io.StringIO()
        try:
            percent = cov.report(file=table) if measured else 0.0
        except NoDataError:  # measured files that the settings then leave out
            percent = 0.0
        gate = float(cov.get_option("report:fail_under") or 0)  # type: ignore[arg-type]
        answer = {
            "percent": percent,
            "table": table.getvalue(),
            "measured": measured,
            "fail_under": gate,
        }
        if args.files and measured:
            answer["files"] = per_file(cov)
        print(json.dumps(answer))
    # Spare interpreter shutdown a garbage collection over every object the
    # report made (0.07-0.1 s measured); see taskbelt.frontends.entry_point.main.
    gc.freeze()
    return 0


def per_file(cov: coverage.Coverage) -> dict[str, list[int]]:
    """Each reported file's ``[statements, covered lines, branches, covered branches]``.

    Read from coverage's own JSON report (its documented per-file summary,
    the figures its total is made of), written to a temporary file: a set of
    files' figure is then coverage's formula over their sums.
    """
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "coverage.json"
        cov.json_report(outfile=str(target))
        files = json.loads(target.read_text(encoding="utf-8"))["files"]
    keys = ("num_statements", "covered_lines", "num_branches", "covered_branches")
    return {
        name: [int(entry["summary"].get(key, 0)) for key in keys] for name, entry in files.items()
    }


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
