"""The repository's type checker against the project installed with its real dependencies.

Which checker runs, and with which settings, is :mod:`taskbelt.typechoice`'s
decision (mypy, pyright, basedpyright, ty, pyrefly); each checker's command
line and output are read by its :mod:`~taskbelt.checks.typecheckers` runner,
so the verdict, the table and the findings look the same for every one.
"""

from __future__ import annotations

import time

from taskbelt.checks.base import CheckContext, crashed, guarded, plural, tail
from taskbelt.checks.interface import Check, Environment, Spec
from taskbelt.checks.typecheckers import Runner, mypy, pyright, ty
from taskbelt.errors import ToolError
from taskbelt.matrix import Matrix
from taskbelt.output import LOGGER
from taskbelt.project import Project
from taskbelt.results import CheckResult, Status

NAME = "typecheck"
#: The runner of each checker :mod:`taskbelt.typechoice` can choose.
RUNNERS: dict[str, Runner] = {
    "mypy": mypy.RUNNER,
    "pyright": pyright.runner("pyright"),
    "basedpyright": pyright.runner("basedpyright"),
    "ty": ty.RUNNER,
}


def run(ctx: CheckContext) -> CheckResult:
    """Type-check the project's source."""
    return guarded(NAME, lambda: _run(ctx))


def _run(ctx: CheckContext) -> CheckResult:
    started = time.perf_counter()
    choice = ctx.project.tools.type_checker
    LOGGER.info("typecheck: %s", choice.explain())
    runner = RUNNERS.get(choice.tool)
    if runner is None:  # chosen, and not runnable yet: never another checker's verdict
        raise ToolError(
            f"the repository's type checker is {choice}, which taskbelt does not run yet",
            "set [tool.taskbelt] type-checker to one taskbelt runs: "
            + ", ".join(f'"{name}"' for name in RUNNERS),
        )
    done = ctx.run(runner.argv(ctx), env=runner.env)
    if done.returncode not in (0, runner.found):
        return crashed(NAME, done, started)
    found = runner.read(ctx, done.stdout, done.returncode)
    seconds = time.perf_counter() - started
    notes = f"; {plural(len(found.notes), 'warning')}, not failing" if found.notes else ""
    details = {"checker": choice.tool, "notes": [n.to_json() for n in found.notes]}
    if done.returncode == 0 or found.clean:
        return CheckResult(NAME, Status.PASSED, seconds, f"no type errors{notes}", "", details)
    if not found.findings:
        return crashed(NAME, done, started)
    findings = found.findings
    return CheckResult(
        NAME,
        Status.FAILED,
        seconds,
        f"{plural(len(findings), found.kind)}{' ' + found.because if found.because else ''}; "
        f"first: {findings[0]}{notes}",
        tail(done.output),
        {**details, "findings": [f.to_json() for f in findings]},
    )


def tool_group(project: Project) -> str:
    """The tool group holding the chosen checker: ``typecheck`` (mypy), ``typecheck-ty``."""
    tool = project.tools.type_checker.tool
    return NAME if tool == "mypy" or tool not in RUNNERS else f"{NAME}-{tool}"


def key(project: Project, tests: Matrix, session: str) -> Spec | None:
    """The interpreter the project's imports are resolved with counts too."""
    return {"newest": str(tests.newest[1])} if tests.present else {}


CHECK = Check(
    NAME,
    "the repository's type checker (mypy by default), the project installed on the newest "
    "Python: type errors by file and line",
    run,
    tools="typecheck",
    tools_for=tool_group,
    environment=Environment.PROJECT_NEWEST,
    starts=20,
    key=key,
    uses_dependencies=True,
)
