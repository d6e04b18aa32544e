"""ty, Astral's type checker, reading the repository's ``[tool.ty]`` or ``ty.toml``.

ty runs from taskbelt's tool environment and resolves imports in the
project's environment (``--python``). It is given no paths: ty's own
configuration (``src.include``, ``src.exclude``) decides what it checks, as
in the repository's ``ty check``; taskbelt's state folder and a vendored
taskbelt are excluded on top. Its GitLab Code Quality JSON is the
machine-readable form it prints (``--output-format gitlab``).
"""

from __future__ import annotations

import json
from typing import Any

from taskbelt.checks.base import CheckContext, Finding
from taskbelt.checks.typecheck.checkers import Read, Runner
from taskbelt.errors import ToolError
from taskbelt.repository.choice import Choice

#: GitLab's severities as ty writes them: ``major`` is a ty error, ``minor`` a warning
#: (``info`` diagnostics, such as ``reveal_type``'s, are neither).
_ERROR, _WARNING = "major", "minor"


def argv(ctx: CheckContext, choice: Choice) -> list[str]:
    """``ty check`` over what ty's configuration includes (or its hook's files), in the project's environment."""
    if ctx.project_python is None:
        raise ToolError("no project environment for ty", "this is a taskbelt bug: report it")
    excluded = [arg for folder in ctx.project.excluded for arg in ("--exclude", f"{folder}/")]
    return [
        "ty", "check", "--python", str(ctx.project_python), "--output-format", "gitlab",
        "--no-progress", "--color", "never", *excluded, *choice.args, *choice.targets,
    ]  # fmt: skip


def read(_ctx: CheckContext, output: str, returncode: int) -> Read:
    """ty's diagnostics: errors fail; warnings fail only where ty's run failed on them.

    Whether warnings alone fail is ty's decision, read from its exit status: they
    do by default since ty 0.0.10x (``--error-on-warning`` before), not where the
    repository says ``--exit-zero-on-warning``. Where they fail they are
    findings; otherwise notes, listed but not failing.
    """
    try:
        diagnostics = json.loads(output or "[]")
    except json.JSONDecodeError:
        raise ToolError("ty printed no JSON report", "run ty with -v to see its output") from None
    errors = [_finding(d) for d in diagnostics if d.get("severity") == _ERROR]
    warnings = [_finding(d) for d in diagnostics if d.get("severity") == _WARNING]
    if returncode != 0 and not errors:
        return Read(warnings, [], "warning", "(ty's run fails on warnings)")
    return Read(errors, warnings)


def _finding(diagnostic: dict[str, Any]) -> Finding:
    code = str(diagnostic.get("check_name", "error"))
    message = str(diagnostic.get("description", "")).removeprefix(f"{code}: ")
    location = diagnostic.get("location", {})
    begin = location.get("positions", {}).get("begin", {})
    return Finding(
        str(location.get("path", "?")),
        int(begin.get("line", 0)),
        int(begin.get("column", 0)),
        code,
        message,
    )


RUNNER = Runner(argv, read)
