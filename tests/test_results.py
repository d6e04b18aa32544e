"""Results reduce to the right exit code and round-trip through the cache's JSON."""

from __future__ import annotations

import json

import pytest

from taskbelt.errors import ExitCode
from taskbelt.results import CheckResult, RunSummary, Status

PASSED = CheckResult("lint", Status.PASSED, 1.25, "no findings")


FAILED = CheckResult("typecheck", Status.FAILED, 2.0, "1 type error", "src/a.py:1:1: error")


ERROR = CheckResult("audit", Status.ERROR, 0.5, "service unreachable", "connection refused")


SKIPPED = CheckResult("test-3.98", Status.SKIPPED, 0.0, "Python 3.98 is not installed")


class TestExitCode:
    @pytest.mark.parametrize(
        ("results", "status", "code"),
        [
            ((PASSED, SKIPPED), Status.PASSED, ExitCode.OK),
            ((PASSED, FAILED), Status.FAILED, ExitCode.FAILED),
            ((FAILED, ERROR), Status.ERROR, ExitCode.USAGE),
        ],
    )
    def test_reduction(
        self, results: tuple[CheckResult, ...], status: Status, code: ExitCode
    ) -> None:
        """error beats failed beats passed; skipped never fails a run."""
        summary = RunSummary(results)
        assert summary.status is status
        assert summary.exit_code is code

    def test_truth_value(self) -> None:
        """A result is truthy when it did not fail or error."""
        assert PASSED
        assert SKIPPED
        assert not FAILED
        assert not ERROR


def test_result_json_roundtrip() -> None:
    """A result the cache stored as JSON reads back equal."""
    result = CheckResult("lint", Status.FAILED, 1.5, "x", "out", {"findings": [1]})
    assert CheckResult.from_json(json.loads(json.dumps(result.to_json()))) == result
