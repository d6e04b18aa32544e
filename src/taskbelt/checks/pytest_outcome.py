"""Read what a pytest run did: its counts, its failures, why it could not start.

The counts come from the JUnit file taskbelt asked for; where the
repository turned pytest's junitxml plugin off (``-p no:junitxml``), from
pytest's own last summary line and its ``FAILED``/``ERROR`` lines instead.
A pytest that never got to run tests (a crash while loading conftest or a
plugin, a usage error, a warning made an error by ``filterwarnings``) is
told by its one informative line, the exception or the usage error; its
whole traceback is for ``-v``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # nosec B405 - parses only the JUnit file pytest just wrote
from pathlib import Path
from typing import Any

from taskbelt.checks.base import strip_ansi

_COUNT = re.compile(r"(?P<n>\d+) (?P<what>passed|failed|errors?|skipped|xfailed|xpassed)\b")
_SUMMARY = re.compile(r"^=*\s*(?:\d+ \w+(?:, )?)+.* in [\d.]+s")
_FAILED = re.compile(r"^(?P<kind>FAILED|ERROR) (?P<test>\S+)(?: - (?P<message>.*))?$")
_EXCEPTION = re.compile(
    r"^(?:INTERNALERROR>\s*|E\s+)?"
    r"(?P<text>[A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit|Interrupt)\b(?::.*)?)$"
)
_USAGE = re.compile(r"^(?:ERROR: )?\S+: error: .+")


def empty() -> dict[str, Any]:
    """Counts of a run that ran nothing."""
    return {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "failing": []}


def read_junit(path: Path) -> dict[str, Any] | None:
    """Counts and failing test ids from a JUnit report; None when there is none."""
    if not path.is_file():
        return None
    totals = empty()
    failing: list[dict[str, str]] = totals["failing"]
    root = ET.parse(path).getroot()  # noqa: S314  # nosec B314 - our own pytest run wrote it
    for suite in root.iter("testsuite"):
        for key in ("tests", "failures", "errors", "skipped"):
            totals[key] += int(suite.get(key, "0"))
    for case in root.iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is not None:
            message = problem.get("message") or ""
            failing.append(
                {
                    "test": f"{case.get('classname', '')}::{case.get('name', '')}",
                    "file": case.get("file", ""),
                    "line": case.get("line", ""),
                    "message": message.splitlines()[0] if message else "",
                }
            )
    return totals


def read_terminal(output: str) -> dict[str, Any] | None:
    """Counts from pytest's last summary line (``2 passed, 1 failed in 0.1s``); None if absent."""
    lines = strip_ansi(output).splitlines()
    summary = next((ln for ln in reversed(lines) if _SUMMARY.match(ln.strip())), None)
    if summary is None:
        return None
    seen = {
        m["what"].rstrip("s") if m["what"].startswith("error") else m["what"]: int(m["n"])
        for m in _COUNT.finditer(summary)
    }
    totals = empty()
    totals["failures"] = seen.get("failed", 0)
    totals["errors"] = seen.get("error", 0)
    totals["skipped"] = seen.get("skipped", 0) + seen.get("xfailed", 0)
    totals["tests"] = totals["failures"] + totals["errors"] + totals["skipped"]
    totals["tests"] += seen.get("passed", 0) + seen.get("xpassed", 0)
    for line in lines:
        match = _FAILED.match(line.strip())
        if match:
            file, _, _ = match["test"].partition("::")
            totals["failing"].append(
                {"test": match["test"], "file": file, "line": "", "message": match["message"] or ""}
            )
    return totals


def start_error(output: str) -> str:
    """The one line that says why pytest could not start.

    A usage error (``pytest: error: unrecognized arguments``) or the last
    exception line of a traceback (``pytest.PytestCovWarning: ...``).
    """
    lines = [ln.rstrip() for ln in strip_ansi(output).splitlines() if ln.strip()]
    for line in lines:
        if _USAGE.match(line.strip()):
            return line.strip()
    for line in reversed(lines):
        match = _EXCEPTION.match(line.strip())
        if match:
            return match["text"]
    return lines[-1].strip() if lines else "it printed nothing"
