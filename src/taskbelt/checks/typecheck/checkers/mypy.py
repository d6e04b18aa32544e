"""mypy, from taskbelt's tool environment, looking at the project's environment.

mypy runs from taskbelt's pinned tool environment and sees the project's
own environment through ``--python-executable``, so the mypy version never
has to fit the project's dependency pins. A repository's mypy-baseline file
is honoured (:mod:`.mypy_baseline`).
"""

from __future__ import annotations

import os
import re

from taskbelt.checks.base import CheckContext, Finding
from taskbelt.checks.typecheck.checkers import Read, Runner, mypy_baseline
from taskbelt.errors import ToolError
from taskbelt.repository.choice import Choice

_LINE = re.compile(
    r"^(?P<path>[^:\n]+):(?P<line>\d+):(?:(?P<col>\d+):)? (?P<kind>error|note): "
    r"(?P<msg>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$",
    re.M,
)


def _repo_lists_files(ctx: CheckContext) -> bool:
    mypy_table = ctx.project.data.get("tool", {}).get("mypy", {})
    return isinstance(mypy_table, dict) and bool(mypy_table.get("files"))


#: Options that name what mypy checks: no files are added to a command with one.
_NAMES_TARGETS = frozenset({"-p", "--package", "-m", "--module", "-c", "--command"})


def argv(ctx: CheckContext, choice: Choice) -> list[str]:
    """The mypy command: the repository's settings, or its hook's, else taskbelt's defaults.

    What it checks: the files or paths of the repository's own run (its
    pre-commit hook's), else its ``[tool.mypy] files``, else its packages.
    """
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
    config = choice.config
    if config is not None:
        args += ["--config-file", str(config)]
    args += choice.args
    if not _taskbelt_targets(ctx, choice):
        return [*args, *choice.targets]
    targets = [ctx.project.relative(p) for p in ctx.project.source_paths]
    if not targets:
        raise ToolError(
            "no Python package or module found to type-check",
            'set [tool.taskbelt] src = ["path/to/package"]',
        )
    if ctx.project.namespace_bases:
        # acme/widgets alone would be module "widgets" and also "acme.widgets":
        # mypy stops on "Source file found twice under different module names".
        args.append("--explicit-package-bases")
    return [*args, *targets]


def _taskbelt_targets(ctx: CheckContext, choice: Choice) -> bool:
    """Whether taskbelt names what mypy checks (the repository names nothing)."""
    return not (
        choice.targets
        or _repo_lists_files(ctx)
        or _NAMES_TARGETS.intersection(a.split("=")[0] for a in choice.args)
    )


def env(ctx: CheckContext, choice: Choice) -> dict[str, str]:
    """``MYPYPATH`` naming the folders of namespace packages taskbelt checks (``src``).

    With ``--explicit-package-bases`` mypy names modules from its search
    path: ``src/acme/widgets`` is ``acme.widgets`` only with ``src`` on it.
    """
    if not _taskbelt_targets(ctx, choice):
        return {}
    bases = [ctx.project.relative(b) for b in ctx.project.namespace_bases if b != ctx.project.root]
    return {"MYPYPATH": os.pathsep.join(bases)} if bases else {}


def read(_ctx: CheckContext, output: str, returncode: int) -> Read:
    """Errors from mypy's output (notes are attached context, not findings)."""
    errors = [
        Finding(m["path"], int(m["line"]), int(m["col"] or 0), m["code"] or "error", m["msg"])
        for m in _LINE.finditer(output)
        if m["kind"] == "error"
    ]
    return Read(errors, [])


def baseline(ctx: CheckContext, _choice: Choice, output: str, found: Read) -> Read:
    """The repository's mypy-baseline, where it keeps one (:mod:`.mypy_baseline`)."""
    lines = [m[0] for m in _LINE.finditer(output) if m["kind"] == "error"]
    return mypy_baseline.honour(ctx, output, lines, found)


RUNNER = Runner(
    argv,
    read,
    env_for=env,
    baseline=baseline,
    baseline_file=lambda project, _choice: mypy_baseline.file(project),
)
