"""Coverage gates besides the total: sets of files (the critical modules), each file's floor.

``[tool.taskbelt.coverage] paths = { "src/app/core/*" = 95 }`` gates the
files each glob matches on their own figure, combined over the whole matrix
as the total is. coverage.py has no such gate (coverage#691), so the
figures come from coverage's own per-file report (the numbers its total is
made of: statements, covered lines, branches, covered branches; see
:func:`taskbelt.jobs.coverage_report.per_file`) and a set's figure is
coverage's formula over their sums: a file of ten lines weighs ten times a
file of one, as in the total. The figure is judged at the total's precision
by coverage's own rule (:func:`fails`).

A glob matches paths relative to the root with :mod:`fnmatch` (``*`` also
crosses folders). One that matches no measured file is an error: a gate
that cannot find its files must not pass.

The debt ledger records each file's floor (:func:`floors`): a file may not
drop below it, a file that rose past it is a note (``mise run ledger``
raises the floor), and a floor whose file is no longer measured is a note
(``mise run ledger -- --prune`` drops it).
"""

from __future__ import annotations

import fnmatch
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from taskbelt.errors import ConfigError

#: How many of a failing set's least-covered files the row names.
_LEAST = 3


def fails(percent: float, gate: float, decimals: int) -> bool:
    """coverage's own rule (``coverage.results.should_fail_under``), at the figure's precision.

    The figure shown is the one judged: 89.996 % at two decimals is 90.00 % and
    meets a 90 % gate, as ``coverage report --fail-under=90 --precision=2``
    says; only a figure of exactly 100 meets a gate of 100.
    """
    if gate == 100:  # noqa: PLR2004 - coverage's special case
        return percent < 100  # noqa: PLR2004
    return round(percent, decimals) < gate


def percent(figures: Sequence[int]) -> float:
    """coverage's figure of ``[statements, covered, branches, covered branches]`` (100 for none)."""
    statements, covered, branches, taken = figures
    total = statements + branches
    return 100.0 * (covered + taken) / total if total else 100.0


@dataclass(frozen=True)
class PathGate:
    """One glob's verdict: its files' figure against what it requires."""

    pattern: str
    required: float
    percent: float
    #: The files it matched, least covered first: (path, figure).
    files: tuple[tuple[str, float], ...]
    failed: bool

    def words(self, decimals: int) -> str:
        """``src/app/core/* 82.50%, 95% required (least covered: src/app/core/db.py 61.00%)``."""
        least = ", ".join(f"{path} {figure:.{decimals}f}%" for path, figure in self.files[:_LEAST])
        return (
            f"{self.pattern} {self.percent:.{decimals}f}%, {self.required:g}% required "
            f"(least covered: {least})"
        )

    def to_json(self) -> dict[str, object]:
        """What the JSON report says of the gate."""
        return {
            "path": self.pattern,
            "required": self.required,
            "percent": round(self.percent, 2),
            "passed": not self.failed,
            "files": {path: round(figure, 2) for path, figure in self.files},
        }


def figures(files: Mapping[str, Sequence[int]]) -> dict[str, float]:
    """Each measured file's figure (``files``: by path relative to the root)."""
    return {name: percent(numbers) for name, numbers in files.items()}


@dataclass(frozen=True)
class Floors:
    """The measured files against their ledger floors."""

    #: Files below their floor: (path, figure, floor).
    below: tuple[tuple[str, float, int], ...]
    #: Files whose figure, rounded down, passed their floor: (path, figure, floor).
    rose: tuple[tuple[str, float, int], ...]
    #: Floors of files that are no longer measured.
    gone: tuple[str, ...]

    def words(self, decimals: int) -> str:
        """What the row adds: ``; src/a.py 80.00% is below its ledger floor 87%``, notes after."""
        said = []
        if self.below:
            path, figure, floor = self.below[0]
            more = f" (and {len(self.below) - 1} more)" if len(self.below) > 1 else ""
            said.append(f"{path} {figure:.{decimals}f}% is below its ledger floor {floor}%{more}")
        if self.rose:
            path, figure, floor = self.rose[0]
            files = "file" if len(self.rose) == 1 else "files"
            said.append(
                f"{len(self.rose)} {files} rose above the ledger floor (first: {path} "
                f"{figure:.{decimals}f}%, floor {floor}%): `mise run ledger` raises it"
            )
        if self.gone:
            floors = "floor names a file" if len(self.gone) == 1 else "floors name files"
            said.append(
                f"{len(self.gone)} ledger {floors} no longer measured (first: {self.gone[0]}): "
                "`mise run ledger -- --prune` drops them"
            )
        return "".join(f"; {words}" for words in said)


def floors(measured: Mapping[str, float], recorded: Mapping[str, int], decimals: int) -> Floors:
    """Each recorded floor against its file's figure now (``measured``, relative paths).

    Judged as the total is, at its precision (:func:`fails`).
    """
    below, rose = [], []
    for path, floor in sorted(recorded.items()):
        figure = measured.get(path)
        if figure is None:
            continue
        if fails(figure, floor, decimals):
            below.append((path, figure, floor))
        elif math.floor(figure) > floor:
            rose.append((path, figure, floor))
    gone = tuple(sorted(p for p in recorded if p not in measured))
    return Floors(tuple(sorted(below, key=lambda b: b[1] - b[2])), tuple(rose), gone)


def judge(
    paths: Mapping[str, float],
    files: Mapping[str, Sequence[int]],
    decimals: int,
) -> list[PathGate]:
    """Each glob of ``paths`` judged over the per-file ``files`` coverage reported.

    ``files`` are named relative to the root (the coverage check makes them so).

    Raises:
        ConfigError: a glob matches no measured file.
    """
    measured = files
    gates = []
    for pattern, required in paths.items():
        matched = {p: f for p, f in measured.items() if fnmatch.fnmatchcase(p, pattern)}
        if not matched:
            raise ConfigError(
                f"[tool.taskbelt.coverage] paths: {pattern!r} matches no measured file",
                "write the glob relative to the repository root, as coverage names the files "
                f"(measured: {', '.join(sorted(measured)[:3]) or 'none'})",
            )
        sums = [sum(f[i] for f in matched.values()) for i in range(4)]
        figure = percent(sums)
        each = sorted(((p, percent(f)) for p, f in matched.items()), key=lambda pf: (pf[1], pf[0]))
        gates.append(
            PathGate(pattern, required, figure, tuple(each), fails(figure, required, decimals))
        )
    return gates
