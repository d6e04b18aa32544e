"""The plan of the last full run, saved so that an unchanged ``check`` is answered fast.

After each full run taskbelt saves its plan (the sessions in the order their
keys are computed, what each depends on besides files, what of the files
and the environment its check reads, and its place in the summary) with a fingerprint of everything the plan was made
from: pyproject.toml, .python-version, the TASKBELT_* settings, the check
names, the folders interpreters are installed in, and the debt ledger with
the day where the repository keeps one (an entry's ``until`` passes with nothing changed),
and, where a ledger or ``diff-fail-under`` compares the change with its base
branch, every ref's commit and the CI system's target branch. When the fingerprint
still matches and every session's verdict is cached under the same keys the
full path would compute, :func:`cached_summary` is the run's summary. A
plan with a row a check decided from the repository's code (typecheck on
code without hints: :attr:`taskbelt.running.orchestrator.Plan.keep` is false) is not saved.

Both the full path (which saves) and the fast entry point (which reads) use
this module; it imports only the light modules: what it needs to know of
the checks is in the saved plan, not looked up in the registry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskbelt import defaults, proc
from taskbelt.caching.verdicts import VOLATILE_ENV, Environ, Files, Spec, VerdictCache, spec_inputs
from taskbelt.results import CheckResult, RunSummary, Status
from taskbelt.state.store import KeyedStore

#: The plan's entry in the keyed store, under the fingerprint of what it was made from.
PLAN = "plan"
_INTERPRETER_ROOTS = (
    ("MISE_DATA_DIR", ".local/share/mise", "installs/python"),
    ("PYENV_ROOT", ".pyenv", "versions"),
    ("UV_PYTHON_INSTALL_DIR", ".local/share/uv/python", ""),
)


def fingerprint(root: Path, names: Sequence[str], environ: Mapping[str, str]) -> str:
    """Hash of everything a plan is made from (see the module docstring)."""
    digest = hashlib.sha256()
    pyproject = root / "pyproject.toml"
    for path in (pyproject, root / ".python-version"):
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
    ledger = root / defaults.LEDGER_FILE
    if ledger.is_file():
        # the ledger is in the specs of the checks it judges, not among their files;
        # and an entry's `until` passes with nothing changed: the full path judges once a day
        digest.update(ledger.read_bytes())
        digest.update(dt.date.today().isoformat().encode())
    if ledger.is_file() or _gates_changed_lines(pyproject, environ):
        # the ratchet and diff-fail-under compare with the merge base of HEAD and the
        # base branch: both move with no file here changed (a commit, a fetch)
        digest.update(_refs(root))
        for key in defaults.CHANGE_TARGET_VARIABLES:
            digest.update(f"{key}={environ.get(key, '')}\n".encode())
    return digest.hexdigest()


def _gates_changed_lines(pyproject: Path, environ: Mapping[str, str]) -> bool:
    """Whether ``diff-fail-under`` is set (in pyproject.toml or the environment)."""
    if environ.get(f"{defaults.ENV_PREFIX}DIFF_FAIL_UNDER"):
        return True
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False  # the full path reports a pyproject that does not read
    taskbelt = data.get("tool", {}).get("taskbelt", {})
    return isinstance(taskbelt, dict) and "diff-fail-under" in taskbelt


def _refs(root: Path) -> bytes:
    """Every ref's commit and HEAD's, in one git call (``git show-ref --head``)."""
    done = proc.run(["git", "show-ref", "--head"], cwd=root, timeout=30, ok=None)
    return done.stdout.encode() if done.returncode == 0 else b"no refs"


@dataclass(frozen=True)
class Planned:
    """One session of a saved plan: what its cache key is made from, where it is listed."""

    spec: Spec | None
    files: Files
    environ: Environ
    #: Its place in the summary.
    rank: int

    def to_json(self) -> dict[str, Any]:
        """Plain data for the plan file."""
        return {"spec": self.spec, "files": self.files, "environ": self.environ, "rank": self.rank}


def save_plan(
    root: Path,
    state_dir: Path,
    *,
    names: Sequence[str],
    sessions: Mapping[str, Planned],
    skipped: Sequence[tuple[CheckResult, int]],
    notes: Sequence[str],
    environ: Mapping[str, str] | None = None,
) -> None:
    """Record the plan of a full run for the next fast answer.

    ``sessions`` in the order their keys are computed (a check that waits
    for others after them); ``skipped``: rows known without running, with
    their place in the summary.
    """
    data = {
        "sessions": {name: planned.to_json() for name, planned in sessions.items()},
        "skipped": [{"result": r.to_json(), "rank": rank} for r, rank in skipped],
        "notes": list(notes),
    }
    key = fingerprint(root, names, os.environ if environ is None else environ)
    KeyedStore(state_dir / "cache").put(PLAN, key, data)


def cached_summary(
    root: Path, names: Sequence[str], environ: Mapping[str, str]
) -> RunSummary | None:
    """The summary of ``names`` if every session is cached under its current key."""
    state = root / defaults.STATE_DIR_NAME
    plan = KeyedStore(state / "cache").get(PLAN, fingerprint(root, names, environ))
    if plan is None:
        return None
    try:
        planned = {name: _planned(entry) for name, entry in plan["sessions"].items()}
        skipped = [(CheckResult.from_json(r["result"]), int(r["rank"])) for r in plan["skipped"]]
    except (KeyError, TypeError, ValueError):  # a plan of another taskbelt: take the full path
        return None
    cache = VerdictCache(root, state, environ)
    keys: dict[str, str | None] = {}
    results = list(skipped)
    for session, entry in planned.items():
        inputs = spec_inputs(entry.spec, keys)
        if inputs is None:
            return None
        key = keys[session] = cache.key(session, inputs, files=entry.files, environ=entry.environ)
        hit = cache.get(session, key)
        if hit is None or hit.status is not Status.PASSED:
            return None
        results.append((hit, entry.rank))
    listed = sorted(results, key=lambda pair: (pair[1], pair[0].name))
    return RunSummary(tuple(r for r, _ in listed), tuple(plan.get("notes", [])))


def _planned(entry: Mapping[str, Any]) -> Planned:
    """A saved session; a field missing or of another kind raises (the plan is not used)."""
    files, environ = entry["files"], entry["environ"]
    if files not in ("sources", "all") or environ not in ("tools", "all"):
        raise ValueError(entry)
    spec = entry["spec"]
    if spec is not None and not isinstance(spec, dict):
        raise TypeError(spec)
    return Planned(spec, files, environ, int(entry["rank"]))
