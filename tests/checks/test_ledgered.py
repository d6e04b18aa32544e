"""A check's findings judged against the ledger: the same fingerprint on every checkout."""

from __future__ import annotations

from conftest import MakeRepo

from taskbelt.checks import ledgered
from taskbelt.checks.base import CheckContext, Finding
from taskbelt.ledger import book


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
