"""ruff check: lint findings with file, line and rule."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from packaging.version import InvalidVersion, Version

from taskbelt.checks import ledgered, sarif_log
from taskbelt.checks.base import CheckContext, Finding, crashed, tail
from taskbelt.checks.interface import Check
from taskbelt.checks.lint import flake8_rules
from taskbelt.errors import ToolError
from taskbelt.files import write_atomic
from taskbelt.output.console import LOGGER
from taskbelt.repository.flake8_config import files_flake8_skips
from taskbelt.repository.tool_versions import Pin
from taskbelt.repository.tracked_files import list_files
from taskbelt.results import CheckResult, Status

NAME = "lint"
#: The summary when the repository's pre-commit hook is given no file.
NOTHING_TO_CHECK = "no files: the repository's pre-commit hook is given none"


def config_args(ctx: CheckContext) -> list[str]:
    """``--config`` with the rules lint enforces, unless the repo configures ruff itself.

    Rules translated from the repository's flake8 configuration are written
    now, for the rules of the ruff in ``ctx.tools_bin``.
    """
    return rules(ctx)[0]


def rules(ctx: CheckContext) -> tuple[list[str], tuple[str, ...]]:
    """``--config`` for the rules, and what of the repository's flake8 rules ruff cannot check."""
    choice = ctx.project.tools.linter
    if choice.flake8 is None:
        return ([] if choice.config is None else ["--config", str(choice.config)]), ()
    listing = ctx.run(["ruff", "rule", "--all", "--output-format", "json"])
    try:
        if listing.returncode != 0:
            raise ValueError(listing.returncode)
        # ruff's preview names rules (`line-too-long`) unless told to say codes, where it can
        names_codes = ctx.run(["ruff", "config", "output-prefer-rule-codes"]).returncode == 0
        python = [rel for rel in list_files(ctx.root) if rel.endswith((".py", ".pyi"))]
        translation = flake8_rules.translate(
            choice.flake8,
            flake8_rules.ruff_rules(listing.stdout),
            names_codes=names_codes,
            skipped=files_flake8_skips(ctx.root, python),
        )
    except ValueError:  # json.JSONDecodeError included
        raise ToolError(
            "ruff could not list its rules to translate the flake8 configuration",
            "run `ruff rule --all` to see why; or configure ruff in [tool.ruff]",
            argv=listing.argv,
            returncode=listing.returncode,
            output=listing.output,
        ) from None
    path = ctx.cache_dir("flake8") / "rules-from-flake8.toml"
    write_atomic(path, translation.toml())
    LOGGER.info("lint: flake8's rules as ruff's: %s", path)
    return ["--config", str(path)], translation.left_out


def argv(ctx: CheckContext, *, fix: bool = False, config: list[str] | None = None) -> list[str]:
    """The ruff command: the whole repository, or the files its pre-commit hook gets.

    Empty when that hook is given no file: there is nothing to lint.
    ``config``: the ``--config`` arguments, when :func:`rules` made them already.
    """
    choice = ctx.project.tools.linter
    paths = choice.paths(ctx.root, ctx.project.excluded)
    if not paths:
        return []
    mode = ["--fix"] if fix else ["--no-fix", output_format_option(choice.pin), "json"]
    return [
        "ruff", "check", *mode, "--force-exclude", *exclude_args(ctx, paths),
        *(config_args(ctx) if config is None else config), *choice.hook_args, *paths,
    ]  # fmt: skip


#: The first ruff whose ``check`` says ``--output-format``; before it, ``--format``.
_OUTPUT_FORMAT_SINCE = Version("0.0.291")


def output_format_option(pin: Pin | None) -> str:
    """``--output-format``, or ``--format`` for a ruff a repository pins from before 0.0.291.

    ruff 0.0.291 renamed the option; a pre-commit hook at ``v0.0.285`` (from
    ``charliermarsh/ruff-pre-commit``, as in 2023) knows only the old name.
    """
    try:
        old = pin is not None and Version(pin.version) < _OUTPUT_FORMAT_SINCE
    except InvalidVersion:
        old = False
    return "--format" if old else "--output-format"


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
    """Lint the repository with ruff; the ledger's fixed entries are said (or fail, in CI).

    The findings are also written as ``reports/lint.sarif`` (:mod:`taskbelt.checks.sarif_log`).
    """
    result = ledgered.ratchet(ctx, _lint(ctx), NAME, ["ruff"])
    sarif_log.write(ctx.root, ctx.project.reports_dir / "lint.sarif", result, "ruff", "warning")
    return result


def _lint(ctx: CheckContext) -> CheckResult:
    started = time.perf_counter()
    LOGGER.info("lint: %s", ctx.project.tools.linter.explain())
    config, left_out = rules(ctx)
    command = argv(ctx, config=config)
    if not command:
        return CheckResult(NAME, Status.PASSED, 0.0, NOTHING_TO_CHECK)
    unchecked = f"; not checked, ruff has no equivalent: {'; '.join(left_out)}" if left_out else ""
    done = ctx.run(command, env={"RUFF_CACHE_DIR": str(ctx.cache_dir("ruff"))})
    if done.returncode not in (0, 1):
        return crashed(NAME, done, started)
    try:
        findings = parse(done.stdout, ctx.project.relative)
    except json.JSONDecodeError:
        return crashed(NAME, done, started, "unreadable output")
    seconds = time.perf_counter() - started
    if not findings:
        return CheckResult(NAME, Status.PASSED, seconds, f"no findings{unchecked}")
    judged = ledgered.sort(ctx, NAME, "ruff", findings)
    details = {"findings": [f.to_json() for f in judged.all]}
    if not judged.new:
        summary = f"no new findings, {len(judged.known)} known{unchecked}"
        return CheckResult(NAME, Status.PASSED, seconds, summary, "", details)
    return CheckResult(
        NAME,
        Status.FAILED,
        seconds,
        f"{judged.counted('finding')}; first: {judged.new[0]}{judged.expired()}{unchecked}",
        tail("\n".join(map(str, judged.new))),
        details,
    )


CHECK = Check(NAME, "ruff: lint findings with file, line and rule", run, tools="lint", starts=70)
