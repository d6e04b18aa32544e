"""Answer an unchanged ``check`` from the verdict cache in a fraction of a second.

The full path loads and validates the settings (pydantic), finds the
interpreters and plans the sessions: most of a second before any check
starts. After each full run taskbelt saves that plan (the sessions and what
each depends on besides files) with a fingerprint of everything the plan was
made from: pyproject.toml, .python-version, the TASKBELT_* settings, the
check names, and the folders interpreters are installed in. When the
fingerprint still matches and every session's verdict is cached under the
same keys the full path would compute, this module prints the same summary
without importing the settings machinery; on any doubt it returns None and
the full path runs.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from taskbelt import defaults
from taskbelt.cache import VOLATILE_ENV, VerdictCache, spec_inputs
from taskbelt.results import CheckResult, RunSummary, Status, ordered, write_text_atomic

PLAN_FILE = "plan.json"
_CHECK_ALL = ("lint", "format", "typecheck", "test", "audit")
_INTERPRETER_ROOTS = (
    ("MISE_DATA_DIR", ".local/share/mise", "installs/python"),
    ("PYENV_ROOT", ".pyenv", "versions"),
    ("UV_PYTHON_INSTALL_DIR", ".local/share/uv/python", ""),
)


def fingerprint(root: Path, names: Sequence[str], environ: Mapping[str, str]) -> str:
    """Hash of everything a plan is made from (see the module docstring)."""
    digest = hashlib.sha256()
    for name in ("pyproject.toml", ".python-version"):
        path = root / name
        digest.update(path.read_bytes() if path.is_file() else b"-")
    for key in sorted(environ):
        if (key.startswith(defaults.ENV_PREFIX) and key not in VOLATILE_ENV) or key in {
            "CI",
            "PATH",
        }:
            digest.update(f"{key}={environ[key]}\n".encode())
    for var, default, sub in _INTERPRETER_ROOTS:
        folder = Path(environ.get(var) or Path.home() / default) / sub
        digest.update(str(folder.stat().st_mtime_ns if folder.is_dir() else 0).encode())
    digest.update(" ".join(names).encode())
    return digest.hexdigest()


def save_plan(
    root: Path,
    state_dir: Path,
    *,
    names: Sequence[str],
    specs: Mapping[str, Any],
    skipped: Sequence[CheckResult],
    notes: Sequence[str],
) -> None:
    """Record the plan of a full run for the next fast answer."""
    data = {
        "fingerprint": fingerprint(root, names, os.environ),
        "sessions": dict(specs),
        "skipped": [r.to_json() for r in skipped],
        "notes": list(notes),
    }
    write_text_atomic(state_dir / "cache" / PLAN_FILE, json.dumps(data))


def _parse(argv: Sequence[str]) -> tuple[list[str], Path | None, Path | None] | None:
    """``check`` or ``run NAME...`` with -v/--root/--report/--jobs; else None.

    Deliberately narrow: anything unusual goes to the full argparse path.
    """
    names: list[str] = []
    root = report = None
    command = None
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg in {"--root", "--report", "--jobs"} and args:
            value = args.pop(0)
            root = Path(value) if arg == "--root" else root
            report = Path(value) if arg == "--report" else report
        elif arg in {"-v", "--verbose"}:
            continue
        elif command is None and arg in {"check", "run"}:
            command = arg
        elif command == "run" and not arg.startswith("-"):
            names.append(arg)
        else:
            return None
    if command == "check":
        return list(_CHECK_ALL), root, report
    if command == "run" and names:
        return list(dict.fromkeys(names)), root, report
    return None


def _root(explicit: Path | None, environ: Mapping[str, str]) -> Path | None:
    if explicit is not None:
        return explicit.resolve()
    if environ.get(defaults.ENV_PROJECT_ROOT):
        return Path(environ[defaults.ENV_PROJECT_ROOT]).resolve()
    start = Path.cwd().resolve()
    return next((f for f in (start, *start.parents) if (f / "pyproject.toml").is_file()), None)


def cached_summary(
    root: Path, names: Sequence[str], environ: Mapping[str, str]
) -> RunSummary | None:
    """The summary of ``names`` if every session is cached under its current key."""
    state = root / defaults.STATE_DIR_NAME
    try:
        plan = json.loads((state / "cache" / PLAN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if plan.get("fingerprint") != fingerprint(root, names, environ):
        return None
    cache = VerdictCache(root, state, environ)
    keys: dict[str, str | None] = {}
    results = [CheckResult.from_json(r) for r in plan.get("skipped", [])]
    sessions: dict[str, Any] = plan.get("sessions", {})
    for session in sorted(sessions, key=lambda s: s == "coverage"):
        inputs = spec_inputs(sessions[session], keys)
        if inputs is None:
            return None
        key = keys[session] = cache.key(session, inputs)
        hit = cache.get(session, key)
        if hit is None or hit.status is not Status.PASSED:
            return None
        results.append(hit)
    return RunSummary(ordered(results, defaults.CHECK_ORDER), tuple(plan.get("notes", [])))


def answer(argv: Sequence[str], environ: Mapping[str, str] | None = None) -> int | None:
    """Print a cached summary and return the exit code, or None to take the full path."""
    env = os.environ if environ is None else environ
    started = time.perf_counter()
    parsed = _parse(argv)
    no_cache = env.get(defaults.ENV_NO_CACHE, "").strip().lower() in {"1", "true", "yes"}
    if parsed is None or no_cache or env.get("GITHUB_ACTIONS") == "true":
        return None
    names, explicit_root, report = parsed
    root = _root(explicit_root, env)
    summary = None if root is None else cached_summary(root, names, env)
    if summary is None:
        return None
    from taskbelt import output  # noqa: PLC0415 - the light modules only, and only now
    from taskbelt.report import json_report, terminal  # noqa: PLC0415

    terminal.render(output.console(), summary, seconds=time.perf_counter() - started)
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
            from taskbelt.cli import main as full  # noqa: PLC0415 - heavy: only when needed
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
