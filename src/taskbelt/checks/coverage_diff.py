"""The coverage of the lines a change adds or edits: ``diff-fail-under``.

coverage.py measures files, not changes. The diff arithmetic is diff-cover's
(maintained, the tool people already run for this): it reads coverage's
Cobertura XML report, asks git for the change and says which changed lines
the tests ran. taskbelt does not re-implement it: the coverage gate's
process writes the XML (``--diff-xml``) from the data it combined anyway,
and diff-cover runs from taskbelt's own tool environment (group
``diff-cover``), its JSON report read back.

The change is everything since the merge base of HEAD with the base branch
(``diff-base``, found as the debt ledger finds it,
:mod:`taskbelt.ledger.base`): the commits, the staged and unstaged edits
and the new files git does not ignore. diff-cover is given the merge-base
commit itself, the one the cached verdict's key names. A repository's own
``[tool.diff_cover]`` table in ``pyproject.toml`` (``exclude``,
``include``...) is honoured: diff-cover reads it (``-c``); taskbelt's flags
win.

Where no base is found the changed lines are not judged, and the row says
so; on a pull or merge request (the CI system names its target) that is an
``error``: the gate was asked for and could not look.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taskbelt import proc
from taskbelt.checks.base import CheckContext
from taskbelt.checks.coverage_paths import fails
from taskbelt.checks.pytest.check import coverage_dir
from taskbelt.ledger import base as change_base
from taskbelt.output.words import plural
from taskbelt.repository.project import Project
from taskbelt.repository.toml_file import lookup

#: The tool group diff-cover is locked in (``config/tools.in``).
GROUP = "diff-cover"
#: How many uncovered changed lines a row names.
_SHOWN = 5
_TIMEOUT = 300.0


def wanted(project: Project) -> bool:
    """Whether the repository gates its changed lines."""
    return project.settings.diff_fail_under is not None


def xml_file(ctx: CheckContext) -> Path:
    """Where the gate's process writes the XML report diff-cover reads."""
    return coverage_dir(ctx) / "diff-coverage.xml"


@dataclass(frozen=True)
class Changed:
    """The changed lines' coverage against the base, or why it is not known."""

    gate: float
    #: The base branch (``origin/main``), "" where none was found.
    ref: str
    #: The merge base's commit, "" where none was found.
    commit: str
    #: The changed lines' percent covered; None when no changed line was measured.
    percent: float | None = None
    #: How many changed lines coverage measured.
    lines: int = 0
    #: The changed lines the tests did not run, by file (relative to the root).
    uncovered: Mapping[str, list[int]] = field(default_factory=dict)
    #: Why the change was not judged ("" when it was).
    unknown: str = ""
    #: The CI system names the target (a pull or merge request): not judging is an error.
    requested: bool = False

    def failed(self, decimals: int) -> bool:
        """Below the gate (a change that measured no line passes)."""
        return self.percent is not None and fails(self.percent, self.gate, decimals)

    @property
    def error(self) -> bool:
        """Asked for on a pull or merge request and could not look."""
        return bool(self.unknown) and self.requested

    def words(self, decimals: int) -> str:
        """The row's clause: ``changed lines 66.67% covered, 80% required (...)``."""
        if self.unknown:
            return f"changed lines not judged: {self.unknown}"
        against = f"against {self.ref} at {self.commit[:12]}"
        if self.percent is None:
            return f"no changed line measured ({against})"
        figure = f"changed lines {self.percent:.{decimals}f}% covered"
        counted = f"{plural(self.lines, 'changed line')} {against}"
        if not self.failed(decimals):
            return f"{figure} (diff gate {self.gate:g}%, {counted})"
        return f"{figure}, {self.gate:g}% required ({counted}); not run: {self.first_uncovered()}"

    def first_uncovered(self) -> str:
        """``src/pkg/m.py:8, 12; src/pkg/new.py:2`` for the first few lines the tests did not run."""
        parts: list[str] = []
        left = _SHOWN
        for path, lines in self.uncovered.items():
            if left <= 0:
                break
            shown = lines[:left]
            left -= len(shown)
            parts.append(f"{path}:{', '.join(map(str, shown))}")
        more = sum(map(len, self.uncovered.values())) - _SHOWN
        return "; ".join(parts) + (f" and {more} more" if more > 0 else "")

    def to_json(self, decimals: int) -> dict[str, Any]:
        """``details.diff`` of the coverage row; when it fails, each run of lines not run.

        ``failing`` places them, one per run of consecutive lines, where the
        annotations (GitHub's) look for what to point at.
        """
        failing = [
            {"path": path, "line": first, "message": _not_run(first, last)}
            for path, lines in self.uncovered.items()
            for first, last in _runs(lines)
        ]
        return {
            "fail_under": self.gate,
            "base": self.ref,
            "commit": self.commit,
            "judged": not self.unknown,
            **({"why": self.unknown} if self.unknown else {}),
            "percent": None if self.percent is None else round(self.percent, 2),
            "lines": self.lines,
            "uncovered": dict(self.uncovered),
            **({"failing": failing} if self.failed(decimals) else {}),
        }


def _runs(lines: list[int]) -> list[tuple[int, int]]:
    """``[2, 3, 4, 8]`` -> ``[(2, 4), (8, 8)]``."""
    runs: list[tuple[int, int]] = []
    for line in lines:
        if runs and line == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], line)
        else:
            runs.append((line, line))
    return runs


def _not_run(first: int, last: int) -> str:
    where = f"line {first}" if first == last else f"lines {first}-{last}"
    return f"changed {where}, not run by the tests (diff-fail-under)"


def judge(ctx: CheckContext) -> Changed | None:
    """The changed lines' coverage (None where the repository does not gate them).

    Raises:
        ToolError: diff-cover failed (its message is the row's output).
    """
    gate = ctx.project.settings.diff_fail_under
    if gate is None:
        return None
    base = ctx.project.ledger_base(ctx.base_env)
    requested = any(change_base.targets(ctx.base_env))
    if not base.commit:
        return Changed(gate, base.ref, "", unknown=base.unknown, requested=requested)
    xml = xml_file(ctx)
    if not xml.is_file():  # coverage reported no file: the gate's own row says why
        return Changed(gate, base.ref, base.commit)
    with tempfile.TemporaryDirectory(prefix="taskbelt-diff-cover-") as folder:
        report = Path(folder) / "diff-cover.json"
        proc.run(
            [*_command(ctx, xml, base.commit), "--format", f"json:{report}"],
            cwd=ctx.root,
            env=ctx.env(),
            timeout=_TIMEOUT,
            error=(
                f"diff-cover could not compare the coverage with {base.ref}",
                "read diff-cover's message above",
            ),
        )
        answer = json.loads(report.read_text(encoding="utf-8"))
    return read(answer, gate, base.ref, base.commit)


def _command(ctx: CheckContext, xml: Path, commit: str) -> list[str]:
    own = lookup(ctx.project.data, "tool", "diff_cover") is not None
    config = ["-c", str(ctx.root / "pyproject.toml")] if own else []
    return [
        "diff-cover",
        str(xml),
        *config,
        "--compare-branch",
        commit,
        "--include-untracked",
        "--total-percent-float",
        "--quiet",
    ]


def read(answer: Mapping[str, Any], gate: float, ref: str, commit: str) -> Changed:
    """diff-cover's JSON report as a :class:`Changed`."""
    lines = int(answer.get("total_num_lines") or 0)
    stats: Mapping[str, Any] = answer.get("src_stats") or {}
    uncovered = {
        str(path): sorted(int(n) for n in entry.get("violation_lines", []))
        for path, entry in sorted(stats.items())
        if entry.get("violation_lines")
    }
    percent = float(answer.get("total_percent_covered") or 0) if lines else None
    return Changed(gate, ref, commit, percent, lines, uncovered)
