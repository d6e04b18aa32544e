"""The saved plan's fingerprint: what makes the fast answer give way to the full path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import CLEAN_PYPROJECT, MakeRepo, git

from taskbelt.caching import saved_plan


class _Day(dt.date):
    today_is = dt.date(2026, 12, 7)

    @classmethod
    def today(cls) -> _Day:
        return cls(cls.today_is.year, cls.today_is.month, cls.today_is.day)


def test_a_ledger_makes_the_plan_a_days_plan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An entry's `until` passes overnight with no file changed: the full path judges it."""
    monkeypatch.setattr(saved_plan.dt, "date", _Day)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    env: dict[str, str] = {}
    today = saved_plan.fingerprint(tmp_path, ["check"], env)
    _Day.today_is = dt.date(2026, 12, 8)
    assert saved_plan.fingerprint(tmp_path, ["check"], env) == today, "no ledger: no day in it"
    (tmp_path / "taskbelt-ledger.toml").write_text("version = 1\n", encoding="utf-8")
    tomorrow = saved_plan.fingerprint(tmp_path, ["check"], env)
    _Day.today_is = dt.date(2026, 12, 9)
    assert saved_plan.fingerprint(tmp_path, ["check"], env) != tomorrow


def test_an_edited_ledger_is_a_new_plan(tmp_path: Path) -> None:
    """The ledger is no file of the checks' keys but their spec's: the fast answer sees an edit."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    ledger = tmp_path / "taskbelt-ledger.toml"
    ledger.write_text("version = 1\n", encoding="utf-8")
    before = saved_plan.fingerprint(tmp_path, ["check"], {})
    ledger.write_text('version = 1\n\n[[group]]\nreason = "r"\n', encoding="utf-8")
    assert saved_plan.fingerprint(tmp_path, ["check"], {}) != before


def test_a_moved_base_is_a_new_plan_where_changed_lines_are_gated(make_repo: MakeRepo) -> None:
    """diff-fail-under compares with the merge base: a fetch or a commit changes nothing here."""
    gated = make_repo(pyproject=CLEAN_PYPROJECT + "diff-fail-under = 80\n", name="gated")
    plain = make_repo(name="plain")
    before = {p.root: saved_plan.fingerprint(p.root, ["check"], {}) for p in (gated, plain)}
    for project in (gated, plain):
        git(project.root, "update-ref", "refs/remotes/origin/main", "HEAD")
    assert saved_plan.fingerprint(gated.root, ["check"], {}) != before[gated.root]
    assert saved_plan.fingerprint(plain.root, ["check"], {}) == before[plain.root]
    target = saved_plan.fingerprint(gated.root, ["check"], {"GITHUB_BASE_REF": "release"})
    assert target != saved_plan.fingerprint(gated.root, ["check"], {}), "the target branch counts"
