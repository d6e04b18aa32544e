"""mypy against the project installed with its real dependencies.

mypy runs from taskbelt's pinned tool environment and looks at the
project's own environment through ``--python-executable``, so the mypy
version never has to fit the project's dependency pins.
"""

from __future__ import annotations

import re
import time

from taskbelt.checks.base import CheckContext, Finding, crashed, guarded, plural, tail
from taskbelt.checks.interface import Check, Environment, Spec
from taskbelt.errors import ToolError
from taskbelt.matrix import Matrix
from taskbelt.output import LOGGER
from taskbelt.project import Project
from taskbelt.results import CheckResult, Status

NAME = "typecheck"
_LINE = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):(?:(?P<col>\d+):)? (?P<kind>error|note): "
    r"(?P<msg>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$",
    re.M,
)


def _repo_lists_files(ctx: CheckContext) -> bool:
    mypy_table = ctx.project.data.get("tool", {}).get("mypy", {})
    return isinstance(mypy_table, dict) and bool(mypy_table.get("files"))


def argv(ctx: CheckContext) -> list[str]:
    """The mypy command: repo config if it has one, else taskbelt's defaults."""
    if ctx.project_python is None:
        raise ToolError("no project environment for mypy", "this is a taskbelt bug: report it")
    args = [
        "mypy",
        "--python-executable",
        str(ctx.project_python),
        "--cache-dir",
        str(ctx.cache_dir("mypy")),
        "--show-column-numbers",
        "--show-error-codes",
        "--no-color-output",
        "--no-error-summary",
        "--no-pretty",
    ]
    config = ctx.project.tools.type_checker.config
    if config is not None:
        args += ["--config-file", str(config)]
    if _repo_lists_files(ctx):
        return args
    targets = [ctx.project.relative(p) for p in ctx.project.source_paths]
    if not targets:
        raise ToolError(
            "no Python package or module found to type-check",
            'set [tool.taskbelt] src = ["path/to/package"]',
        )
    return [*args, *targets]


def parse(output: str) -> list[Finding]:
    """Errors from mypy's output (notes are attached context, not findings)."""
    return [
        Finding(m["path"], int(m["line"]), int(m["col"] or 0), m["code"] or "error", m["msg"])
        for m in _LINE.finditer(output)
        if m["kind"] == "error"
    ]


def run(ctx: CheckContext) -> CheckResult:
    """Type-check the project's source."""
    return guarded(NAME, lambda: _run(ctx))


def _run(ctx: CheckContext) -> CheckResult:
    started = time.perf_counter()
    LOGGER.info("typecheck: %s", ctx.project.tools.type_checker.explain())
    done = ctx.run(argv(ctx))
    findings = parse(done.stdout)
    seconds = time.perf_counter() - started
    if done.returncode == 0:
        return CheckResult(NAME, Status.PASSED, seconds, "no type errors")
    if done.returncode != 1 or not findings:
        return crashed(NAME, done, started)
    return CheckResult(
        NAME,
        Status.FAILED,
        seconds,
        f"{plural(len(findings), 'type error')}; first: {findings[0]}",
        tail(done.output),
        {"findings": [f.to_json() for f in findings]},
    )


def key(project: Project, tests: Matrix, session: str) -> Spec | None:
    """The interpreter the project's imports are resolved with counts too."""
    return {"newest": str(tests.newest[1])} if tests.present else {}


CHECK = Check(
    NAME,
    "mypy, the project installed on the newest Python: type errors by file and line",
    run,
    tools="typecheck",
    environment=Environment.PROJECT_NEWEST,
    starts=20,
    key=key,
    uses_dependencies=True,
)
