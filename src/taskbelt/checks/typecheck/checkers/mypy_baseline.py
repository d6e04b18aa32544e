"""The repository's mypy-baseline file: mypy's output filtered through mypy-baseline itself.

mypy has no baseline of its own; repositories that adopt it on old code
keep one with mypy-baseline (``mypy | mypy-baseline filter`` in CI,
``mypy | mypy-baseline sync`` to record). Its matching is its own (paths cut
at a depth, line numbers dropped, ``defined on line N`` in a message made
``0``, the repository's ``ignore`` patterns and categories), so taskbelt
does not re-implement it: mypy's output is piped through ``mypy-baseline
filter`` from taskbelt's tool environment (group ``mypy-baseline``), with the
repository's ``[tool.mypy-baseline]`` settings, as its own CI does. What the
filter prints again is new; the errors it swallows are known; its summary's
``fixed`` are entries no error matches any more (``mypy | mypy-baseline
sync`` drops them).

The repository keeps one where ``[tool.mypy-baseline]`` names a
``baseline_path`` that exists, or where ``mypy-baseline.txt`` (the tool's
default) is at the root.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from pathlib import Path

from taskbelt import proc
from taskbelt.checks.base import CheckContext
from taskbelt.checks.typecheck.checkers import Read, baselines_ignored
from taskbelt.errors import ToolError
from taskbelt.repository.project import Project
from taskbelt.repository.toml_file import lookup

#: The tool group mypy-baseline is locked in (``config/tools.in``).
GROUP = "mypy-baseline"
#: Where mypy-baseline keeps its baseline unless ``baseline_path`` says otherwise.
DEFAULT = "mypy-baseline.txt"
_FIXED = re.compile(r"^\s*fixed: (\d+)\s*$", re.M)
_INVALID = "invalid baseline"


def file(project: Project) -> Path | None:
    """The repository's mypy-baseline file, if it keeps one."""
    table = lookup(project.data, "tool", "mypy-baseline") or lookup(
        project.data, "tool", "mypy_baseline"
    )
    configured = table.get("baseline_path") if isinstance(table, dict) else None
    path = project.root / str(configured or DEFAULT)
    return path if path.is_file() else None


def honour(ctx: CheckContext, output: str, lines: list[str], found: Read) -> Read:
    """``found`` with the errors the baseline lists moved to ``known``, and the row's aside.

    ``output``: mypy's whole output; ``lines``: the text of each error of
    ``found.findings``, in order.

    Raises:
        ToolError: mypy-baseline cannot read the baseline.
    """
    path = file(ctx.project)
    if path is None or len(lines) != len(found.findings) or baselines_ignored(ctx):
        return found
    name = ctx.project.relative(path)
    done = proc.run(
        ["mypy-baseline", "filter", "--no-colors"],
        cwd=ctx.root,
        env=ctx.env(NO_COLOR="1"),
        stdin=output,
        timeout=120.0,
        ok=None,
    )
    invalid = next((x for x in done.stdout.splitlines() if x.startswith(_INVALID)), None)
    if invalid is not None or done.returncode < 0:
        raise ToolError(
            f"mypy-baseline cannot read {name}: {invalid or done.output[-200:]}",
            "fix that line, or record the baseline again: mypy | mypy-baseline sync",
        )
    printed = Counter(line.rstrip() for line in done.stdout.splitlines())
    new, known = [], []
    for finding, line in zip(found.findings, lines, strict=True):
        if printed[line.rstrip()] > 0:
            printed[line.rstrip()] -= 1
            new.append(finding)
        else:
            known.append(finding)
    fixed_match = _FIXED.search(done.stdout)
    fixed = int(fixed_match[1]) if fixed_match else 0
    them = "it" if fixed == 1 else "them"
    gone = f"; {fixed} fixed it still lists: `mypy | mypy-baseline sync` drops {them}"
    aside = f"; {len(known)} known in {name}{gone if fixed else ''}"
    return dataclasses.replace(found, findings=new, known=known, aside=found.aside + aside)
