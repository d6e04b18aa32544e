"""Where pyrefly's own baseline is read, and what a pyrefly too old to mark it gets.

The real pyrefly's runs over a baseline are in test_checkers.py; these are the
places pyrefly reads a baseline from, written as a repository would.
"""

from __future__ import annotations

from conftest import CLEAN_PYPROJECT, MakeRepo, ctx_for, write_files

from taskbelt.checks.typecheck.checkers import Read, pyrefly_baseline
from taskbelt.repository.choice import Choice
from taskbelt.repository.project import Project
from taskbelt.repository.tool_versions import Pin

BASELINE = '{"errors": [{"path": "a.py", "name": "x"}, {"path": "b.py", "name": "y"}]}'


def choice(*args: str, pin: str | None = None) -> Choice:
    at = None if pin is None else Pin("pyrefly", pin, ".pre-commit-config.yaml", repository=True)
    return Choice("pyrefly", "test", pin=at, args=args)


def test_the_command_then_pyrefly_toml_then_pyproject_name_the_baseline(
    make_repo: MakeRepo,
) -> None:
    """pyrefly's own order: its command's --baseline, pyrefly.toml, [tool.pyrefly]."""
    project = make_repo(pyproject=CLEAN_PYPROJECT + '[tool.pyrefly]\nbaseline = "p.json"\n')
    root = project.root
    write_files(root, {"p.json": BASELINE, "t.json": BASELINE, "c.json": BASELINE})
    ctx = ctx_for(Project.load(root), root / ".venv")
    assert pyrefly_baseline.file(ctx.project, choice()) == root / "p.json"
    assert pyrefly_baseline.file(ctx.project, choice("--baseline", "c.json")) == root / "c.json"
    assert pyrefly_baseline.file(ctx.project, choice("--baseline=c.json")) == root / "c.json"
    write_files(root, {"pyrefly.toml": 'baseline = "t.json"\n'})
    assert pyrefly_baseline.file(ctx.project, choice()) == root / "t.json"
    (root / "t.json").unlink()
    assert (
        pyrefly_baseline.file(ctx.project, choice()) is None
    ), "a baseline named but absent is none"


def test_pyrefly_older_than_1_3_honours_it_unmarked_and_the_row_counts_the_file(
    make_repo: MakeRepo,
) -> None:
    """No --baseline-error-level before pyrefly 1.3: nothing added, the entries counted."""
    project = make_repo(pyproject=CLEAN_PYPROJECT + '[tool.pyrefly]\nbaseline = "p.json"\n')
    write_files(project.root, {"p.json": BASELINE})
    ctx = ctx_for(Project.load(project.root), project.root / ".venv")
    assert pyrefly_baseline.options(ctx, choice()) == ["--baseline-error-level", "error"]
    assert pyrefly_baseline.options(ctx, choice(pin="1.2.1")) == []
    assert pyrefly_baseline.options(ctx, choice("--baseline-error-level", "warn")) == []
    old = pyrefly_baseline.honour(ctx, choice(pin="1.2.1"), Read([], []))
    assert old.aside == "; 2 listed in p.json"
    hidden = pyrefly_baseline.honour(ctx, choice("--baseline-error-level=ignore"), Read([], []))
    assert hidden.aside == "; 2 listed in p.json", "its own level hides them: none is fixed"
