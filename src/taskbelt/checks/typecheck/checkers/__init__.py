"""The type checkers ``typecheck`` runs: each one's command line and how to read it.

One module per checker, each with a :class:`Runner`; :data:`RUNNERS` maps
the name :mod:`taskbelt.repository.type_checker_choice` chose to it. Every runner reads the
checker's machine-readable output into the same :class:`Finding` rows, so
the table, the annotations and the JSON are the same whichever checker ran.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from taskbelt import defaults
from taskbelt.checks.base import CheckContext, Finding
from taskbelt.repository.choice import Choice
from taskbelt.repository.project import Project


@dataclass(frozen=True)
class Read:
    """What one run of a checker reported."""

    #: What fails the check (errors; warnings too where the repository says so).
    findings: list[Finding]
    #: Reported but not failing: a checker's warnings where they do not fail its run.
    notes: list[Finding]
    #: What the findings are, for the summary: type errors, or warnings.
    kind: str = "type error"
    #: Why findings of that kind fail, where it is not plain (``(ty's run fails on warnings)``).
    because: str = ""
    #: The run failed only on files taskbelt does not check (a vendored taskbelt): a pass.
    clean: bool = False
    #: What the row adds of the checker's own baseline (``; 12 known in ...``), or "".
    aside: str = ""
    #: Errors the checker's own baseline lists (pyrefly's, mypy-baseline's): known, not failing.
    known: list[Finding] = field(default_factory=list)


@dataclass(frozen=True)
class Runner:
    """How to run one type checker and read what it says."""

    #: The command line for one choice of this checker, run in the project root
    #: with the tool environment first on PATH.
    argv: Callable[[CheckContext, Choice], list[str]]
    #: Its output read into findings (``stdout``, and the exit status).
    read: Callable[[CheckContext, str, int], Read]
    #: The exit status that means "found problems"; 0 is a pass, anything else a crash.
    found: int = 1
    #: Variables set for its run, on top of the check's environment.
    env: Mapping[str, str] = field(default_factory=dict)
    #: Variables that depend on the run (on top of ``env``).
    env_for: Callable[[CheckContext, Choice], Mapping[str, str]] = lambda _ctx, _choice: {}
    #: What the repository's own baseline for this checker makes of what was read
    #: (from its output): the findings it lists moved to :attr:`Read.known`, the aside.
    baseline: Callable[[CheckContext, Choice, str, Read], Read] = lambda _c, _ch, _o, read: read
    #: The repository's baseline file for this checker, where it keeps one: an input
    #: of the verdict wherever it lives (the typecheck spec's ``read_files``).
    baseline_file: Callable[[Project, Choice], Path | None] = lambda _project, _choice: None


def baselines_ignored(ctx: CheckContext) -> bool:
    """Whether this run reports what the checkers' own baselines list (their import)."""
    return ctx.base_env.get(defaults.ENV_CHECKER_BASELINES) == "ignore"


def in_excluded(ctx: CheckContext, path: str) -> bool:
    """Whether ``path`` (relative to the root) is in a folder taskbelt never checks.

    That is a taskbelt vendored at a visible path, which pyright and pyrefly
    walk into (they have no exclusion on the command line that adds to the
    repository's own): their diagnostics there are dropped.
    """
    return any(path == folder or path.startswith(f"{folder}/") for folder in ctx.project.excluded)
