"""``fix``: apply ruff's safe fixes and the formatter, writing files.

The only taskbelt command that writes to the repository. Dependencies are
never upgraded here; the audit says which ``uv lock --upgrade-package``
would fix a vulnerable one.
"""

from __future__ import annotations

import time

from taskbelt import proc
from taskbelt.checks import formatting
from taskbelt.checks.base import CheckContext, crashed, tail
from taskbelt.checks.interface import Check, never_cached
from taskbelt.checks.lint import check as lint
from taskbelt.results import CheckResult, Status

NAME = "fix"


def fix_repo(ctx: CheckContext) -> CheckResult:
    """Run ``ruff check --fix`` then the formatter on the repository."""
    started = time.perf_counter()
    cache = formatting.tool_env(ctx)
    ruff = _run_unless_empty(ctx, lint.argv(ctx, fix=True), cache)
    if ruff.returncode not in (0, 1):
        return crashed(NAME, ruff, started)
    fmt = _run_unless_empty(ctx, formatting.argv(ctx, fix=True), cache)
    if fmt.returncode != 0:
        return crashed(NAME, fmt, started)
    output = tail(f"{ruff.output}\n{fmt.output}".strip())
    seconds = time.perf_counter() - started
    if ruff.returncode == 1:
        return CheckResult(
            NAME,
            Status.FAILED,
            seconds,
            "formatted; some lint findings need a manual fix (see below)",
            output,
        )
    return CheckResult(
        NAME,
        Status.PASSED,
        seconds,
        f"fixed and formatted with {ctx.project.tools.formatter}",
        output,
    )


def _run_unless_empty(ctx: CheckContext, argv: list[str], env: dict[str, str]) -> proc.Completed:
    """Run ``argv``; an empty one (the pre-commit hook is given no file) does nothing."""
    return ctx.run(argv, env=env) if argv else proc.Completed((), 0, "", "", 0.0)


CHECK = Check(
    NAME,
    "ruff's safe fixes, then the formatter: writes files (not part of check)",
    fix_repo,
    tools="format",
    in_check=False,
    starts=60,
    key=never_cached,
)
