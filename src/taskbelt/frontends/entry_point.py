"""The console entry point: answer an unchanged ``check`` in a fraction of a second.

The full path loads and validates the settings (pydantic), finds the
interpreters and plans the sessions: most of a second before any check
starts. When the plan saved by the last full run still holds and every
session's verdict is cached (:mod:`taskbelt.caching.saved_plan`), this module prints
the same summary without importing the settings machinery; on any doubt it
takes the full path (:mod:`taskbelt.frontends.cli`).
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from taskbelt import defaults
from taskbelt.caching.saved_plan import cached_summary
from taskbelt.errors import ProjectError
from taskbelt.frontends import options
from taskbelt.repository import locate
from taskbelt.settings import env_flags

#: What ``check`` asks for: the full path plans it (and saves the plan) under
#: this one name, so the fast path needs no list of the checks.
_CHECK = "check"


class _FullPath(Exception):
    """The fast answer cannot read this command line exactly as argparse would."""


def _value(option: options.Option, inline: str, rest: list[str]) -> object:
    """The converted value of ``option`` (taken from ``rest`` unless given inline)."""
    if option.kind is None:
        if inline:
            raise _FullPath
        return True
    if not inline:
        if not rest:
            raise _FullPath
        inline = rest.pop(0)
    try:
        return option.kind(inline)
    except ValueError:
        raise _FullPath from None


def _read(args: list[str]) -> tuple[str | None, list[str], dict[str, object]]:
    """The command, the names after ``run`` and the options' values; raises _FullPath."""
    table = {flag: o for o in (*options.COMMON, *options.RUNNING) for flag in o.flags}
    names: list[str] = []
    used: dict[str, object] = {}
    command = None
    while args:
        arg = args.pop(0)
        flag, equals, inline = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        option = table.get(flag)
        if option is not None:
            if option.fast == "full" or (command is None and not option.shared):
                raise _FullPath
            value = _value(option, inline if equals else "", args)
            if option.fast == "use":
                used[option.dest] = value
        elif command is None and arg in {"check", "run"}:
            command = arg
        elif command == "run" and not arg.startswith("-"):
            names.append(arg)
        else:
            raise _FullPath
    return command, names, used


def _parse(argv: Sequence[str]) -> tuple[list[str], Path | None, Path | None, bool] | None:
    """``check`` or ``run NAME...`` with the options of :mod:`taskbelt.frontends.options`; else None.

    It reads the same option table as argparse, and anything it does not
    read exactly as argparse would (an abbreviation, a value that does not
    convert, an option before the command that argparse only takes after it,
    an option that must take the full path) goes to the full path.
    """
    try:
        command, names, used = _read(list(argv))
    except _FullPath:
        return None
    root, report, verbose = used.get("root"), used.get("report"), used.get("verbose") is True
    if not isinstance(root, Path | None) or not isinstance(report, Path | None):
        return None
    if command == "check":
        return [_CHECK], root, report, verbose
    if command == "run" and names:
        return list(dict.fromkeys(names)), root, report, verbose
    return None


def _root(explicit: Path | None, environ: Mapping[str, str]) -> Path | None:
    try:
        return locate.project_root(explicit, environ)
    except ProjectError:
        return None


def answer(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> int | None:
    """Print a cached summary and return the exit code, or None to take the full path."""
    env = os.environ if environ is None else environ
    started = time.perf_counter()
    parsed = _parse(argv)
    no_cache = env_flags.parse(env.get(defaults.ENV_NO_CACHE, ""))
    # A TASKBELT_VERBOSE that is neither on nor off is the full path's error to report.
    verbose = env_flags.parse(env.get(defaults.ENV_VERBOSE, ""))
    if parsed is None or no_cache is not False or verbose is None:
        return None
    if env.get("GITHUB_ACTIONS") == "true":
        return None
    names, explicit_root, report, listed = parsed
    root = _root(explicit_root, env)
    if (
        root is not None
        and env_flags.parse(env.get("CI", ""))
        and (root / defaults.LEDGER_FILE).is_file()
    ):
        # the ratchet judges the ledger against the base branch, which moves with
        # nothing here changed: on a CI runner the full path judges it
        return None
    summary = None if root is None else cached_summary(root, names, env)
    if summary is None:
        return None
    from taskbelt.output import console  # noqa: PLC0415 - the light modules only, and only now
    from taskbelt.output.report import json_report, terminal  # noqa: PLC0415

    # -v: nothing ran, so no command to show; the ledger's known findings are listed
    terminal.render(
        console.console(),
        summary,
        seconds=time.perf_counter() - started,
        known=bool(listed or verbose),
    )
    target = report or env.get(defaults.ENV_REPORT)
    if target:
        json_report.write(summary, Path(target))
    return int(summary.exit_code)


def main() -> int:
    """Console entry point: the fast answer when possible, else the full CLI."""
    try:
        code = answer(sys.argv[1:])
        if code is not None:
            return code
        # Where PYTHONDONTWRITEBYTECODE is set, taskbelt's own modules (its
        # source folder is on sys.path, not compiled at install) were compiled
        # again on every run: 0.15 s. Their bytecode goes to taskbelt's own
        # __pycache__ (ignored by its .gitignore); a module that has valid
        # bytecode is not written again, and nothing of the repository is.
        # The collector also runs again and again while pydantic builds its
        # schemas, over objects that live as long as the process: it is paused
        # for the import (0.04 s of 0.5 s) and what the import made is frozen.
        dont_write, sys.dont_write_bytecode = sys.dont_write_bytecode, False
        gc.disable()
        try:
            # heavy: only when needed
            from taskbelt.frontends.cli import main as full  # noqa: PLC0415
        finally:
            sys.dont_write_bytecode = dont_write
            gc.freeze()
            gc.enable()
        return full()
    finally:
        # Interpreter shutdown runs the cyclic garbage collector over every
        # object the imports made: 0.1-0.2 s after the last line with
        # pydantic-settings loaded (measured: `import pydantic_settings` then
        # exit, 0.12 s; frozen first, 0.02 s). Frozen objects are skipped by
        # the collector; they are still released, and atexit handlers run.
        gc.freeze()
