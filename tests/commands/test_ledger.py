"""``ledger`` records what the checks found: reasons kept, fixed dropped, nothing from a blind scan."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import MakeRepo

from taskbelt.commands import ledger
from taskbelt.errors import TaskbeltError
from taskbelt.ledger import book
from taskbelt.results import CheckResult, RunSummary, Status


def lint_finding(fingerprint: str, path: str = "src/demo/a.py") -> dict[str, Any]:
    return {
        "path": path, "line": 3, "column": 1, "code": "F401", "message": "`os` imported",
        "tool": "ruff", "fingerprint": fingerprint, "state": "new",
    }  # fmt: skip


def bandit_finding(fingerprint: str) -> dict[str, Any]:
    return {
        "file": "src/demo/a.py", "line": 9, "column": 4, "test_id": "B602",
        "text": "shell=True", "tool": "bandit", "fingerprint": fingerprint, "state": "new",
    }  # fmt: skip


def summary(*results: CheckResult) -> RunSummary:
    return RunSummary(results)


def lint(*fingerprints: str) -> CheckResult:
    findings = [lint_finding(f) for f in fingerprints]
    return CheckResult("lint", Status.FAILED, details={"findings": findings})


def test_records_every_check_and_keeps_reasons(make_repo: MakeRepo) -> None:
    project = make_repo()
    old = book.Entry(
        check="lint", tool="ruff", rule="F401", path="src/demo/a.py", fingerprint="kept",
        reason="until the rewrite", owner="ana",
    )  # fmt: skip
    fixed = old.model_copy(update={"fingerprint": "fixed", "reason": None})
    book.write(project.root, book.Ledger((old, fixed), (book.Group(rule="F401", owner="x"),)))
    project.__dict__.pop("ledger", None)
    audit = CheckResult(
        "audit",
        Status.FAILED,
        details={"dependencies": {"status": "error"}, "bandit": {
            "status": "failed", "findings": [bandit_finding("b1")]}},
    )  # fmt: skip
    done = ledger.record(project, summary(lint("kept", "new1"), audit))
    back = book.load(project.root)
    assert {e.fingerprint for e in back.entries} == {"kept", "new1", "b1"}
    assert back.get("kept") == old, "an entry that stays keeps its reason and owner"
    b1 = back.get("b1")
    assert b1 is not None
    assert (b1.check, b1.tool, b1.rule, b1.message) == ("audit", "bandit", "B602", "shell=True")
    assert [g.owner for g in back.groups] == ["x"]
    assert [e.fingerprint for e in done.dropped] == ["fixed"]
    assert done.lines()[0] == "taskbelt-ledger.toml: 3 known findings (lint 2, audit 1)"


def secrets_finding(fingerprint: str) -> dict[str, Any]:
    return {
        "path": ".env", "line": 1, "column": 0, "code": "GitHub Token",
        "message": "GitHub Token (sha1 e175c6f5f2)",
        "hash": "e175c6f5f2a92e8623bd9a4820edb4e8c1b0fd10",  # pragma: allowlist secret
        "tool": "detect-secrets", "fingerprint": fingerprint, "state": "new",
    }  # fmt: skip


def test_the_secrets_scan_s_findings_are_recorded_beside_bandit_s(make_repo: MakeRepo) -> None:
    project = make_repo()
    audit = CheckResult(
        "audit",
        Status.FAILED,
        details={
            "bandit": {"status": "passed", "findings": [bandit_finding("b1")]},
            "secrets": {"status": "failed", "findings": [secrets_finding("s1")]},
        },
    )
    ledger.record(project, summary(lint(), audit))
    s1 = book.load(project.root).get("s1")
    assert s1 is not None
    assert (s1.tool, s1.rule, s1.path) == ("detect-secrets", "GitHub Token", ".env")
    assert s1.message == "GitHub Token (sha1 e175c6f5f2)"


def test_a_secrets_scan_that_could_not_look_records_nothing(make_repo: MakeRepo) -> None:
    project = make_repo()
    audit = CheckResult(
        "audit",
        Status.ERROR,
        summary="secrets: detect-secrets cannot read the baseline .secrets.baseline",
        details={
            "bandit": {"status": "passed", "findings": [bandit_finding("b1")]},
            "secrets": {"status": "error"},
        },
    )
    with pytest.raises(TaskbeltError, match="audit could not run"):
        ledger.record(project, summary(lint(), audit))
    assert not (project.root / book.FILE).exists()


def test_prune_only_drops(make_repo: MakeRepo) -> None:
    project = make_repo()
    entries = [ledger._entry("lint", lint_finding(f)) for f in ("a", "gone")]
    book.write(project.root, book.Ledger(tuple(entries)))
    project.__dict__.pop("ledger", None)
    done = ledger.record(project, summary(lint("a", "b", "c")), prune=True)
    assert [e.fingerprint for e in book.load(project.root).entries] == ["a"]
    assert done.left_out == 2
    assert "not recorded: 2 new findings" in "\n".join(done.lines())


def test_a_skipped_check_keeps_its_entries(make_repo: MakeRepo) -> None:
    project = make_repo()
    typed = book.Entry(
        check="typecheck", tool="mypy", rule="assignment", path="a.py", fingerprint="t"
    )
    book.write(project.root, book.Ledger((typed,)))
    project.__dict__.pop("ledger", None)
    skipped = CheckResult("typecheck", Status.SKIPPED, summary="skipped: no type checker")
    ledger.record(project, summary(lint(), skipped))
    assert [e.fingerprint for e in book.load(project.root).entries] == ["t"]


@pytest.mark.parametrize(
    "blind",
    [
        CheckResult("typecheck", Status.ERROR, summary="mypy crashed (exit 2)"),
        CheckResult("audit", Status.FAILED, details={"bandit": {"status": "error"}}),
    ],
)
def test_a_check_that_could_not_look_records_nothing(
    make_repo: MakeRepo, blind: CheckResult
) -> None:
    project = make_repo()
    book.write(project.root, book.Ledger((ledger._entry("lint", lint_finding("a")),)))
    project.__dict__.pop("ledger", None)
    before = (project.root / book.FILE).read_bytes()
    with pytest.raises(TaskbeltError) as raised:
        ledger.record(project, summary(lint("a", "b"), blind))
    assert f"{blind.name} could not run" in raised.value.cause
    assert (project.root / book.FILE).read_bytes() == before


def coverage_row(status: Status, **figures: float) -> CheckResult:
    files = {f"src/{name}.py": figure for name, figure in figures.items()}
    return CheckResult("coverage", status, 1.0, "91.00% covered", "", {"files": files})


class TestFloors:
    """Each measured file's floor is its figure rounded down; --prune only drops."""

    def test_recorded_raised_and_lowered(self, make_repo: MakeRepo) -> None:
        project = make_repo()
        first = ledger.record(project, summary(lint(), coverage_row(Status.PASSED, a=87.9, b=100)))
        assert first.ledger.floors == {"src/a.py": 87, "src/b.py": 100}
        assert "coverage floors: 2 files" in first.lines()
        project.__dict__.pop("ledger", None)
        again = ledger.record(project, summary(lint(), coverage_row(Status.FAILED, a=91, b=99.5)))
        assert again.ledger.floors == {"src/a.py": 91, "src/b.py": 99}
        assert "coverage floors: 2 files (raised 1, lowered 1)" in again.lines()

    def test_prune_drops_gone_files_only_and_no_figures_keep_them(
        self, make_repo: MakeRepo
    ) -> None:
        project = make_repo()
        ledger.record(project, summary(lint(), coverage_row(Status.PASSED, a=80, b=90)))
        project.__dict__.pop("ledger", None)
        pruned = ledger.record(
            project, summary(lint(), coverage_row(Status.PASSED, a=99)), prune=True
        )
        assert pruned.ledger.floors == {"src/a.py": 80}, "prune raises nothing"
        assert "coverage floors: dropped 1 of files no longer measured" in pruned.lines()
        project.__dict__.pop("ledger", None)
        errored = CheckResult("coverage", Status.ERROR, 0.1, "no coverage data")
        kept = ledger.record(project, summary(lint(), errored))
        assert kept.ledger.floors == {"src/a.py": 80}
        assert "coverage floors kept as they were: no figures (no coverage data)" in kept.lines()
