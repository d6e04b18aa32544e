"""Combine coverage data files and write the asked-for reports, in one process.

Run by the ``coverage`` check with the coverage tool environment's Python::

    python -I coverage_report.py --data-file FILE --reports DIR [--json] [--table]
        [--xml] [--html] DATA...

It imports coverage, never taskbelt. One process per group of reports
instead of one ``coverage`` command per report saves an interpreter start-up
and a read of the data each; the check runs two of these side by side (the
gate's JSON and table, and the report files), each combining into its own
data file. The table goes to stdout; coverage's own errors end the process
with its message and a non-zero status.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import coverage


def main(argv: list[str]) -> int:
    """Combine ``DATA...`` into ``--data-file`` and write the reports named by the flags."""
    parser = argparse.ArgumentParser(prog="coverage_report.py")
    parser.add_argument("--data-file", required=True)
    parser.add_argument("--reports", required=True, type=Path)
    for kind in ("json", "table", "xml", "html"):
        parser.add_argument(f"--{kind}", action="store_true")
    parser.add_argument("data", nargs="+")
    args = parser.parse_args(argv)
    cov = coverage.Coverage(data_file=args.data_file)
    cov.combine(args.data, keep=True)
    cov.save()
    if args.json:
        cov.json_report(outfile=str(args.reports / "coverage.json"))
    if args.xml:
        cov.xml_report(outfile=str(args.reports / "coverage.xml"))
    if args.html:
        cov.html_report(directory=str(args.reports / "htmlcov"))
    if args.table:
        cov.report(file=sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
