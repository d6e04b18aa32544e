"""ruff check: lint findings with file, line and rule."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from taskbelt.checks.base import CheckContext, Finding, crashed, guarded, plural, tail
from taskbelt.checks.interface import Check
from taskbelt.output import LOGGER
from taskbelt.results import CheckResult, Status

NAME = "lint"
#: The summary when the repository's pre-commit hook is given no file.
NOTHING_TO_CHECK = "no files: the repository's pre-commit hook is given none"


def config_args(ctx: CheckContext) -> list[str]:
    """``--config`` with taskbelt's rules unless the repo configures ruff itself."""
    config = ctx.project.tools.linter.config
    return [] if config is None else ["--config", str(config)]


def argv(ctx: CheckContext, *, fix: bool = False) -> list[str]:
    """The ruff command: the whole repository, or the files its pre-commit hook gets.

    Empty when that hook is given no file: there is nothing to lint.
    """
    choice = ctx.project.tools.linter
    paths = choice.paths(ctx.root, ctx.project.excluded)
    if not paths:
        return []
    mode = ["--fix"] if fix else ["--no-fix", "--output-format", "json"]
    return [
        "ruff", "check", *mode, "--force-exclude", *exclude_args(ctx, paths), *config_args(ctx),
        *choice.hook_args, *paths,
    ]  # fmt: skip


def exclude_args(ctx: CheckContext, paths: list[str]) -> list[str]:
    """ruff's ``--extend-exclude`` for the folders no check looks into, when ruff walks ``.``.

    Files listed one by one (a pre-commit hook's) were chosen without those
    folders already, and an older ruff's ``format`` has no ``--extend-exclude``
    (ruff 0.11, pinned by itsdangerous' pre-commit hook).
    """
    return ["--extend-exclude", ",".join(ctx.project.excluded)] if paths == ["."] else []


def parse(stdout: str, relative: Callable[[Path], str] = str) -> list[Finding]:
    """Turn ruff's JSON output into findings (paths made relative), sorted by place."""
    findings = []
    for item in json.loads(stdout or "[]"):
        location = item.get("location") or {}
        findings.append(
            Finding(
                path=relative(Path(str(item.get("filename", "")))),
                line=int(location.get("row", 0)),
                column=int(location.get("column", 0)),
                # ruff gives some rules a name and no code (`pytest-fixture-autouse`)
                code=str(item.get("code") or item.get("name") or "syntax-error"),
                message=str(item.get("message", "")),
            )
        )
    return sorted(findings, key=lambda f: (f.path, f.line, f.column))


def run(ctx: CheckContext) -> CheckResult:
    """Lint the repository with ruff."""
    return guarded(NAME, lambda: _run(ctx))


def _run(ctx: CheckContext) -> CheckResult:
    started = time.perf_counter()
    LOGGER.info("lint: %s", ctx.project.tools.linter.explain())
    command = argv(ctx)
    if not command:
        return CheckResult(NAME, Status.PASSED, 0.0, NOTHING_TO_CHECK)
    done = ctx.run(command, env={"RUFF_CACHE_DIR": str(ctx.cache_dir("ruff"))})
    if done.returncode not in (0, 1):
        return crashed(NAME, done, started)
    try:
        findings = parse(done.stdout, ctx.project.relative)
    except json.JSONDecodeError:
        return crashed(NAME, done, started, "unreadable output")
    seconds = time.perf_counter() - started
    if not findings:
        return CheckResult(NAME, Status.PASSED, seconds, "no findings")
    first = findings[0]
    return CheckResult(
        NAME,
        Status.FAILED,
        seconds,
        f"{plural(len(findings), 'finding')}; first: {first}",
        tail("\n".join(map(str, findings))),
        {"findings": [f.to_json() for f in findings]},
    )


CHECK = Check(NAME, "ruff: lint findings with file, line and rule", run, tools="lint", starts=70)
