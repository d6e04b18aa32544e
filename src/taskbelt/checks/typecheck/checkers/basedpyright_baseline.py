"""The repository's own basedpyright baseline: honoured, counted, and never written.

basedpyright reads its baseline (``.basedpyright/baseline.json``, or the
``baselineFile`` of ``[tool.basedpyright]``) on every run and leaves the
errors it lists out of its report: the repository's known type errors stay
known under taskbelt without a word from us. But a run that finds some of
them fixed rewrites that file (seen with basedpyright 1.40), and a check
never writes the repository's files. So basedpyright gets a copy in
taskbelt's state folder (``--baselinefile``), and what it dropped from the
copy is what the change fixed: the row says how many errors the baseline
holds and how many of them are gone (``basedpyright --writebaseline``
drops them, as ``mise run ledger -- --prune`` does for the ledger).

The file is read only to count its entries (a JSON object of files, each a
list of errors, as basedpyright writes it); nothing else of it is taken.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from taskbelt.checks.base import CheckContext
from taskbelt.checks.typecheck.checkers import baselines_ignored
from taskbelt.repository.project import Project
from taskbelt.repository.toml_file import lookup

#: Where basedpyright keeps its baseline unless ``baselineFile`` says otherwise.
DEFAULT = ".basedpyright/baseline.json"


def original(project: Project) -> Path | None:
    """The repository's baseline file, if it keeps one."""
    configured = lookup(project.data, "tool", "basedpyright", "baselineFile")
    path = project.root / (str(configured) if configured else DEFAULT)
    return path if path.is_file() else None


def working_copy(ctx: CheckContext) -> Path:
    """Where basedpyright reads and may rewrite the baseline during taskbelt's run."""
    return ctx.project.state_dir / "basedpyright" / "baseline.json"


def prepare(ctx: CheckContext) -> list[str]:
    """Copy the baseline for this run; the options that point basedpyright at the copy."""
    source = original(ctx.project)
    if source is None:
        return []
    copy = working_copy(ctx)
    copy.parent.mkdir(parents=True, exist_ok=True)
    if baselines_ignored(ctx):  # every error reported, for the ledger to import
        copy.write_text('{"files": {}}\n', encoding="utf-8")
    else:
        shutil.copyfile(source, copy)
    return ["--baselinefile", str(copy)]


def count(path: Path) -> int:
    """How many errors a baseline file lists (0 where it does not read as one)."""
    try:
        files = json.loads(path.read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        return 0
    return sum(len(errors) for errors in files.values() if isinstance(errors, list))


def aside(ctx: CheckContext) -> str:
    """``; 12 known in .basedpyright/baseline.json`` (and how many are fixed), or ""."""
    source = original(ctx.project)
    if source is None or baselines_ignored(ctx):
        return ""
    known = count(source)
    left = count(working_copy(ctx))
    name = ctx.project.relative(source)
    fixed = max(known - left, 0)
    it = "it" if fixed == 1 else "them"
    gone = f"; {fixed} fixed it still lists: `basedpyright --writebaseline` drops {it}"
    gone = gone if fixed else ""
    return f"; {left} known in {name}{gone}"
