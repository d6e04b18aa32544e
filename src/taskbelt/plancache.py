"""The plan of the last full run, saved so that an unchanged ``check`` is answered fast.

After each full run taskbelt saves its plan (the sessions and what each
depends on besides files) with a fingerprint of everything the plan was made
from: pyproject.toml, .python-version, the TASKBELT_* settings, the check
names, and the folders interpreters are installed in. When the fingerprint
still matches and every session's verdict is cached under the same keys the
full path would compute, :func:`cached_summary` is the run's summary.

Both the full path (which saves) and the fast entry point (which reads) use
this module; it imports only the light modules.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from taskbelt import defaults
from taskbelt.cache import VOLATILE_ENV, VerdictCache, spec_inputs
from taskbelt.results import CheckResult, RunSummary, Status, ordered, write_text_atomic

PLAN_FILE = "plan.json"
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
    environ: Mapping[str, str] | None = None,
) -> None:
    """Record the plan of a full run for the next fast answer."""
    data = {
        "fingerprint": fingerprint(root, names, os.environ if environ is None else environ),
        "sessions": dict(specs),
        "skipped": [r.to_json() for r in skipped],
        "notes": list(notes),
    }
    write_text_atomic(state_dir / "cache" / PLAN_FILE, json.dumps(data))


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
