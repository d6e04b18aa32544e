"""pyrefly, Meta's type checker, reading the repository's ``[tool.pyrefly]`` or ``pyrefly.toml``.

pyrefly runs from taskbelt's tool environment and resolves imports in the
project's environment (``--python-interpreter-path``). It checks what the
repository's own command checks: its paths (``pyrefly check src``), else
what ``project-includes`` and ``project-excludes`` decide, as a bare
``pyrefly check`` does. taskbelt passes no ``--project-excludes``: on the
command line it replaces the repository's list. pyrefly never walks into
hidden folders (``.taskbelt``, ``.taskbelt-cache``); a taskbelt vendored
at a visible path is checked, and its diagnostics are dropped here.

The repository's pyrefly baseline is honoured and counted
(:mod:`.pyrefly_baseline`).

pyrefly's exit status fails on every diagnostic it shows, and it shows those
at ``--min-severity`` and above (``error`` by default; the repository's
command may lower it to ``warn``): what pyrefly prints is what fails.
"""

from __future__ import annotations

import json
from typing import Any

from taskbelt.checks.base import CheckContext, Finding
from taskbelt.checks.typecheck.checkers import Read, Runner, in_excluded, pyrefly_baseline
from taskbelt.errors import ToolError
from taskbelt.repository.choice import Choice


def argv(ctx: CheckContext, choice: Choice) -> list[str]:
    """``pyrefly check`` with its JSON report, in the project's environment."""
    if ctx.project_python is None:
        raise ToolError("no project environment for pyrefly", "this is a taskbelt bug: report it")
    targets = list(choice.targets)
    if choice.unread:
        targets = [ctx.project.relative(path) for path in ctx.project.source_paths]
    return [
        "pyrefly", "check", "--python-interpreter-path", str(ctx.project_python),
        "--output-format", "json", "--summary=none", "--progress-bar", "no", "--color", "never",
        *pyrefly_baseline.options(ctx, choice), *choice.args, *targets,
    ]  # fmt: skip


def read(ctx: CheckContext, output: str, returncode: int) -> Read:
    """Every diagnostic pyrefly showed fails, as in its own run; a vendored taskbelt's are dropped."""
    try:
        diagnostics = json.loads(output)["errors"]
    except (json.JSONDecodeError, KeyError, TypeError):
        raise ToolError(
            "pyrefly printed no JSON report", "run the check with -v to see pyrefly's output"
        ) from None
    ours = [d for d in diagnostics if not in_excluded(ctx, str(d.get("path", "")))]
    # marked where the repository's baseline lists them (see pyrefly_baseline): known
    known = [_finding(d) for d in ours if d.get("baselined") is True]
    shown = [(str(d.get("severity", "error")), _finding(d)) for d in ours if not d.get("baselined")]
    if returncode != 0 and diagnostics and not ours:  # it failed on a vendored taskbelt alone
        return Read([], [], clean=True)
    findings = [finding for _, finding in shown]
    severities = {severity for severity, _ in shown}
    if severities and "error" not in severities:  # shown below error: the command lowered it
        kind = "warning" if "warn" in severities else "diagnostic"
        because = "(pyrefly's run fails on every diagnostic it shows)"
        return Read(findings, [], kind, because, known=known)
    return Read(findings, [], known=known)


def _finding(diagnostic: dict[str, Any]) -> Finding:
    return Finding(
        str(diagnostic.get("path", "?")),
        int(diagnostic.get("line", 0)),
        int(diagnostic.get("column", 0)),
        str(diagnostic.get("name", "error")),
        str(diagnostic.get("concise_description") or diagnostic.get("description", "")),
    )


RUNNER = Runner(
    argv,
    read,
    baseline=lambda ctx, choice, _output, found: pyrefly_baseline.honour(ctx, choice, found),
    baseline_file=pyrefly_baseline.file,
)
