"""A check's findings judged against the ledger: the same fingerprint on every checkout."""

from __future__ import annotations

from collections.abc import Sequence

from conftest import MakeRepo, git

from taskbelt.checks import ledgered
from taskbelt.checks.base import CheckContext, Finding
from taskbelt.ledger import book
from taskbelt.repository.project import Project
from taskbelt.results import CheckResult, Status


def test_an_absolute_path_is_judged_as_the_relative_one(make_repo: MakeRepo) -> None:
    """A checker that prints absolute paths gets the fingerprint a relative path gets."""
    project = make_repo()
    ctx = CheckContext(project=project)
    relative = Finding("src/demo/__init__.py", 4, 0, "E1", "m")
    absolute = Finding(str(project.root / "src/demo/__init__.py"), 4, 0, "E1", "m")
    first = ledgered.sort(ctx, "typecheck", "pyrefly", [relative])
    again = ledgered.sort(ctx, "typecheck", "pyrefly", [absolute])
    assert again.all[0].path == "src/demo/__init__.py"
    assert again.all[0].fingerprint == first.all[0].fingerprint
    assert not first.ledger, "no ledger file: every finding new, words as before"
    assert first.counted("type error") == "1 type error"


def test_known_findings_pass_and_are_counted(make_repo: MakeRepo) -> None:
    project = make_repo()
    finding = Finding("src/demo/__init__.py", 4, 0, "E1", "m")
    ctx = CheckContext(project=project)
    fingerprint = ledgered.sort(ctx, "lint", "ruff", [finding]).all[0].fingerprint
    entry = book.Entry(
        check="lint", tool="ruff", rule="E1", path=finding.path, fingerprint=fingerprint
    )
    book.write(project.root, book.Ledger((entry,)))
    project.__dict__.pop("ledger", None)
    other = Finding("src/demo/__init__.py", 5, 0, "E1", "m")
    judged = ledgered.sort(ctx, "lint", "ruff", [finding, other])
    assert [f.state for f in judged.all] == ["known", "new"]
    assert judged.counted("finding") == "1 new finding, 1 known"


def _ledger_of(project: Project, *entries: book.Entry, groups: Sequence[book.Group] = ()) -> None:
    book.write(project.root, book.Ledger(entries, tuple(groups)))
    project.__dict__.pop("ledger", None)  # the cached property reads the new file


def _base_here(project: Project) -> None:
    """Commit the ledger as it is and call that commit the base branch (origin/main)."""
    git(project.root, "add", "-A")
    git(project.root, "commit", "-q", "-m", "ledger")
    git(project.root, "update-ref", "refs/remotes/origin/main", "HEAD")


def _entry(fingerprint: str, rule: str = "E1", check: str = "lint") -> book.Entry:
    tool = "ruff" if check == "lint" else "mypy"
    return book.Entry(
        check=check, tool=tool, rule=rule, path="src/demo/__init__.py", fingerprint=fingerprint
    )


def _row(status: Status, *prints: str) -> CheckResult:
    findings = [
        {"path": "src/demo/__init__.py", "fingerprint": p, "state": "known"} for p in prints
    ]
    return CheckResult("lint", status, 1.0, "no new findings, 1 known", "", {"findings": findings})


class TestRatchet:
    """An entry whose finding is gone is fixed, and the ledger may not grow unexplained.

    Each is a note locally and a failure on a CI runner.
    """

    def test_a_fixed_entry_is_a_note_locally(self, make_repo: MakeRepo) -> None:
        project = make_repo()
        _ledger_of(project, _entry("aaa"), _entry("bbb", "F401"), _entry("ccc", check="typecheck"))
        _base_here(project)
        ctx = CheckContext(project=project, base_env={})
        row = ledgered.ratchet(ctx, _row(Status.PASSED, "aaa"), "lint", ["ruff"])
        assert row.status is Status.PASSED
        assert row.summary == (
            "no new findings, 1 known; 1 fixed ledger entry still in taskbelt-ledger.toml "
            "(first: src/demo/__init__.py: F401): drop it with `mise run ledger -- --prune`"
        )
        assert row.output == "fixed: src/demo/__init__.py: F401 "
        assert [(f["fingerprint"], f["state"]) for f in row.details["fixed"]] == [("bbb", "fixed")]

    def test_a_fixed_entry_fails_in_ci(self, make_repo: MakeRepo) -> None:
        project = make_repo()
        _ledger_of(project, _entry("aaa"), _entry("bbb"), _entry("ccc"))
        _base_here(project)
        ctx = CheckContext(project=project, base_env={"CI": "true"})
        row = ledgered.ratchet(ctx, _row(Status.PASSED, "aaa"), "lint", ["ruff"])
        assert row.status is Status.FAILED
        assert row.summary.endswith(
            "2 fixed ledger entries still in taskbelt-ledger.toml "
            "(first: src/demo/__init__.py: E1): drop them with `mise run ledger -- --prune`"
        )

    def test_an_entry_added_without_a_reason_fails_in_ci(self, make_repo: MakeRepo) -> None:
        """Entries the change added to the ledger need a reason, in CI."""
        project = make_repo()
        _ledger_of(project, _entry("aaa"))
        _base_here(project)
        _ledger_of(project, _entry("aaa"), _entry("bbb", "F401"), _entry("ccc", "F841"))
        added = (
            "the change added 2 lint entries to the ledger since origin/main, 2 without a reason "
            "(first: src/demo/__init__.py: F401): fix them, or give each a reason in "
            "taskbelt-ledger.toml (its own or a [[group]]'s)"
        )
        row = _row(Status.PASSED, "aaa", "bbb", "ccc")
        ci_ctx = CheckContext(project=project, base_env={"CI": "1"})
        ci = ledgered.ratchet(ci_ctx, row, "lint", ["ruff"])
        assert ci.status is Status.FAILED
        assert ci.summary == f"no new findings, 1 known; {added}"
        assert "added without a reason: src/demo/__init__.py: F841" in ci.output
        local = ledgered.ratchet(CheckContext(project=project, base_env={}), row, "lint", ["ruff"])
        assert local.status is Status.PASSED
        assert local.summary == ci.summary

    def test_entries_with_reasons_pass_and_are_said(self, make_repo: MakeRepo) -> None:
        project = make_repo()
        _ledger_of(project, _entry("aaa"))
        _base_here(project)
        why = book.Group(rule="F401", reason="ruff 0.9 added the rule; fixed in #12")
        _ledger_of(project, _entry("aaa"), _entry("bbb", "F401"), groups=[why])
        ctx = CheckContext(project=project, base_env={"CI": "true"})
        row = ledgered.ratchet(ctx, _row(Status.PASSED, "aaa", "bbb"), "lint", ["ruff"])
        assert row.status is Status.PASSED
        assert row.summary.endswith(
            "the change added 1 lint entry to the ledger since origin/main, each with a reason"
        )

    def test_a_swap_is_new_debt_and_adoption_is_none(self, make_repo: MakeRepo) -> None:
        """A fix and a new entry net to zero, yet the new one needs a reason; a new ledger is no growth.

        Seen on colorama: a fixed F841 pruned and a new F401 recorded passed CI unexplained.
        """
        project = make_repo()
        git(project.root, "update-ref", "refs/remotes/origin/main", "HEAD")
        _ledger_of(project, _entry("aaa"))
        ctx = CheckContext(project=project, base_env={"CI": "true"})
        adopted = _row(Status.PASSED, "aaa")
        assert ledgered.ratchet(ctx, adopted, "lint", ["ruff"]) is adopted
        _base_here(project)
        _ledger_of(project, _entry("bbb"))
        project.__dict__.pop("_ledger_bases", None)
        swapped = ledgered.ratchet(ctx, _row(Status.PASSED, "bbb"), "lint", ["ruff"])
        assert swapped.status is Status.FAILED
        assert "the change added 1 lint entry to the ledger since origin/main" in swapped.summary

    def test_nothing_fixed_or_nothing_looked(self, make_repo: MakeRepo) -> None:
        """All found, an error (the tool could not look), or no ledger: the row as it was."""
        project = make_repo()
        ctx = CheckContext(project=project, base_env={"CI": "true"})
        no_ledger = _row(Status.PASSED)
        assert ledgered.ratchet(ctx, no_ledger, "lint", ["ruff"]) is no_ledger
        _ledger_of(project, _entry("aaa"))
        _base_here(project)
        found = _row(Status.PASSED, "aaa")
        assert ledgered.ratchet(ctx, found, "lint", ["ruff"]) is found
        crashed = _row(Status.ERROR)
        assert ledgered.ratchet(ctx, crashed, "lint", ["ruff"]) is crashed

    def test_no_base_branch_is_said_in_ci_only(self, make_repo: MakeRepo) -> None:
        """Where git has no base branch, CI says the growth was not judged; locally nothing."""
        project = make_repo()
        _ledger_of(project, _entry("aaa"))
        found = _row(Status.PASSED, "aaa")
        local = CheckContext(project=project, base_env={})
        assert ledgered.ratchet(local, found, "lint", ["ruff"]) is found
        ci = ledgered.ratchet(
            CheckContext(project=project, base_env={"CI": "true"}), found, "lint", ["ruff"]
        )
        assert ci.status is Status.PASSED
        assert ci.summary == (
            "no new findings, 1 known; the ledger's growth is not judged: no base branch here "
            "(origin/HEAD, origin/main or origin/master): fetch the base branch "
            "(actions/checkout: fetch-depth: 0) or set diff-base"
        )
