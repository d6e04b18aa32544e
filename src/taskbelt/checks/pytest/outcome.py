"""Read what a pytest run did: its counts, its failures, why it could not start.

The counts come from the JUnit file taskbelt asked for; where the
repository turned pytest's junitxml plugin off (``-p no:junitxml``), from
pytest's own last summary line and its ``FAILED``/``ERROR`` lines instead.
Expected failures are counted as pytest counts them, not as skips: pytest's
JUnit file writes an xfail as ``<skipped type="pytest.xfail">`` and an
unexpected pass (non-strict xpass) as a plain pass, so the xpassed count is
pytest's own summary line's (a strict xpass is a failure in both).
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
from taskbelt.output.words import plural

_COUNT = re.compile(r"(?P<n>\d+) (?P<what>passed|failed|errors?|skipped|xfailed|xpassed)\b")
_SUMMARY = re.compile(r"^=*\s*(?:\d+ \w+(?:, )?)+.* in [\d.]+s")
_FAILED = re.compile(r"^(?P<kind>FAILED|ERROR) (?P<test>\S+)(?: - (?P<message>.*))?$")
_EXCEPTION = re.compile(
    r"^(?:INTERNALERROR>\s*|E\s+)?"
    r"(?P<text>[A-Za-z_][\w.]*(?:Error|Exception|Warning|Exit|Interrupt)\b(?::.*)?)$"
)
_STRICT_XPASS = "[XPASS(strict)]"
_USAGE = re.compile(r"^(?:ERROR: )?\S+: error: .+")


def empty() -> dict[str, Any]:
    """Counts of a run that ran nothing."""
    return {
        "tests": 0,
        "failures": 0,
        "errors": 0,
        "skipped": 0,
        "xfailed": 0,
        "xpassed": 0,
        "failing": [],
    }


def read(junit: Path, output: str) -> dict[str, Any] | None:
    """Counts and failing test ids of a run, as pytest states them; None if it said none.

    From the JUnit file where there is one, its xpassed count from pytest's
    summary line (JUnit writes an xpass as a pass); from the summary line
    and the ``FAILED`` lines otherwise. Under ``-qq`` pytest prints no
    summary line and an xpass counts as passed, as in its JUnit file.
    """
    counts = read_junit(junit)
    said = read_terminal(output)
    if counts is None:
        return said
    if said is not None:
        counts["xpassed"] = min(said["xpassed"], _passed(counts))
    return counts


def tally(counts: dict[str, Any]) -> str:
    """``12 passed, 0 failed, 1 skipped``, with errors, xfailed and xpassed where pytest has them.

    Errors (collection, fixtures) are pytest's own word, ``67 errors``, not
    failures: 67 modules that could not be imported are no failed test.
    """
    words = [f"{_passed(counts)} passed", f"{counts['failures']} failed"]
    if counts["errors"]:
        words.append(plural(int(counts["errors"]), "error"))
    words.append(f"{counts['skipped']} skipped")
    words += [f"{counts[key]} {key}" for key in ("xfailed", "xpassed") if counts[key]]
    return ", ".join(words)


def first_failure(counts: dict[str, Any]) -> str:
    """The first failing test's id; a strict xpass says so in pytest's words.

    A test marked ``xfail(strict=True)`` that passes fails the run with no
    traceback to show, so its row says why: ``[XPASS(strict)] <reason>``.
    """
    first = counts["failing"][0]
    strict = str(first["message"]).startswith(_STRICT_XPASS)
    return f"{first['test']} {first['message']}" if strict else str(first["test"])


def _passed(counts: dict[str, Any]) -> int:
    gone = ("failures", "errors", "skipped", "xfailed", "xpassed")
    return int(counts["tests"]) - sum(int(counts[key]) for key in gone)


def _test_id(case: ET.Element, problem: ET.Element) -> str:
    """``module::test``; for a module that failed to collect, its path and pytest's ``E`` line.

    pytest's JUnit names such a module ``tests.test_one`` with no class:
    shown as its terminal summary shows it, ``tests/test_one.py - ModuleNotFoundError: ...``.
    """
    classname, name = case.get("classname", ""), case.get("name", "")
    if classname:
        return f"{classname}::{name}"
    said = [line[1:].strip() for line in (problem.text or "").splitlines() if line.startswith("E ")]
    module = name.replace(".", "/") + ".py"
    return f"{module} - {said[-1]}" if said else module


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
        skip = case.find("skipped")
        if skip is not None and skip.get("type") == "pytest.xfail":
            totals["xfailed"] += 1
            totals["skipped"] -= 1  # the suite's skipped count includes it
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is not None:
            message = problem.get("message") or ""
            failing.append(
                {
                    "test": _test_id(case, problem),
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
    for key in ("skipped", "xfailed", "xpassed"):
        totals[key] = seen.get(key, 0)
    totals["tests"] = sum(seen.values())
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
