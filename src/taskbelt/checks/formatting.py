"""Formatting check (black or ruff format), and the fix that applies it.

The formatter is the one the repository runs (chosen in
:mod:`taskbelt.repository.tool_choice`; the summary says why). Check mode runs the tool with
``--check --diff``, which never writes a file.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from taskbelt.checks.base import CheckContext, crashed, tail
from taskbelt.checks.interface import Check
from taskbelt.checks.lint import check as lint
from taskbelt.output.console import LOGGER
from taskbelt.output.words import plural, some_of
from taskbelt.results import CheckResult, Status

NAME = "format"
_BLACK_WOULD = re.compile(r"^would reformat (?P<path>.+)$", re.M)
_RUFF_WOULD = re.compile(r"^Would reformat: (?P<path>.+)$", re.M)
_RUFF_DIFF_FILE = re.compile(r"^--- (?P<path>\S+)$", re.M)


def argv(ctx: CheckContext, *, fix: bool = False) -> list[str]:
    """The formatter's command: the whole repository, or the files its pre-commit hook gets.

    Empty when that hook is given no file: there is nothing to format.
    """
    choice = ctx.project.tools.formatter
    paths = choice.paths(ctx.root, ctx.project.excluded)
    if not paths:
        return []
    if choice.tool == "ruff":
        mode = [] if fix else ["--check", "--diff"]
        return [
            "ruff", "format", *mode, "--force-exclude", *lint.exclude_args(ctx, paths),
            *config_args(ctx), *choice.hook_args, *paths,
        ]  # fmt: skip
    # black skips its cache when asked for a diff, so the check asks without
    # one (cached: unchanged files are not parsed again) and :func:`_run`
    # asks for the diff of the failing files alone. Files given one by one
    # are formatted as pre-commit's black hook formats them (no --force-exclude).
    mode = [] if fix else ["--check"]
    folders = "|".join(re.escape(folder) for folder in ctx.project.excluded)
    return ["black", *mode, "--extend-exclude", rf"^/({folders})/", *choice.hook_args, *paths]


def config_args(ctx: CheckContext) -> list[str]:
    """``--config`` for ruff's formatter where the repository configures no ruff.

    Never the lint rules' file: rules translated from flake8 carry flake8's
    line length, which is not the formatter's.
    """
    config = ctx.project.tools.formatter.config
    return [] if config is None else ["--config", str(config)]


def tool_env(ctx: CheckContext) -> dict[str, str]:
    """Both formatters' caches in the repository's state folder."""
    return {
        "RUFF_CACHE_DIR": str(ctx.cache_dir("ruff")),
        "BLACK_CACHE_DIR": str(ctx.cache_dir("black")),
    }


def would_reformat(ctx: CheckContext, output: str) -> list[str]:
    """Files the formatter says it would change."""
    if ctx.project.tools.formatter.tool == "ruff":
        paths = _RUFF_WOULD.findall(output) or _RUFF_DIFF_FILE.findall(output)
    else:
        paths = _BLACK_WOULD.findall(output)
    return sorted(dict.fromkeys(ctx.project.relative(Path(p.strip())) for p in paths))


def run(ctx: CheckContext) -> CheckResult:
    """Check formatting without writing anything."""
    started = time.perf_counter()
    choice = ctx.project.tools.formatter
    tool = choice.tool
    LOGGER.info("format: %s", choice.explain())
    command = argv(ctx)
    if not command:
        return CheckResult(NAME, Status.PASSED, 0.0, f"{choice}: {lint.NOTHING_TO_CHECK}")
    done = ctx.run(command, env=tool_env(ctx))
    if done.returncode not in (0, 1):
        return crashed(NAME, done, started)
    if done.returncode == 0:
        return CheckResult(
            NAME, Status.PASSED, time.perf_counter() - started, f"{choice}: formatted"
        )
    files = would_reformat(ctx, done.output)
    if tool == "black" and files:
        diff = ctx.run(
            ["black", "--check", "--diff", *choice.hook_args, "--", *files], env=tool_env(ctx)
        )
        if diff.returncode not in (0, 1):
            return crashed(NAME, diff, started)
        done = diff
    seconds = time.perf_counter() - started
    return CheckResult(
        NAME,
        Status.FAILED,
        seconds,
        f"{choice}: {plural(len(files), 'file')} would be reformatted: {some_of(files)}"
        " (run `mise run fix`)",
        tail(done.output),
        {"formatter": tool, "files": files},
    )


CHECK = Check(
    NAME, "black or ruff format (the repository's choice): the files it would change",
    run, tools="format", starts=50,
)  # fmt: skip
