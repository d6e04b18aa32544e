"""Hook manifests: what a pre-commit hook repository declares for each of its hooks.

A hook in ``.pre-commit-config.yaml`` names only its id; its entry, file
types and default arguments are in the hook repository's
``.pre-commit-hooks.yaml``, which pre-commit merges under the
configuration's keys. taskbelt never clones: it reads that manifest from
pre-commit's or prek's own cache where the repository's hooks were
installed, and otherwise from a table of the hooks it runs.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

#: What the hook repositories taskbelt knows declare in their ``.pre-commit-hooks.yaml``
#: (read there; pre-commit merges them under the repository's own keys): the
#: entry, the file types and the default arguments of each hook.
_RUFF = {"types_or": ("python", "pyi", "jupyter")}
KNOWN_HOOKS: dict[tuple[str, str], dict[str, Any]] = {
    ("astral-sh/ruff-pre-commit", "ruff-check"): {"entry": "ruff check --force-exclude", **_RUFF},
    ("astral-sh/ruff-pre-commit", "ruff"): {"entry": "ruff check --force-exclude", **_RUFF},
    ("astral-sh/ruff-pre-commit", "ruff-format"): {"entry": "ruff format --force-exclude", **_RUFF},
    ("psf/black", "black"): {"entry": "black", "types_or": ("python", "pyi")},
    ("psf/black", "black-jupyter"): {"entry": "black", "types_or": ("python", "pyi", "jupyter")},
    ("pycqa/flake8", "flake8"): {"entry": "flake8", "types": ("python",)},
    ("robertcraigie/pyright-python", "pyright"): {
        "entry": "pyright",
        "types_or": ("python", "pyi"),
    },
    ("pre-commit/mirrors-mypy", "mypy"): {
        "entry": "mypy",
        "types": ("python",),
        "args": ("--ignore-missing-imports", "--scripts-are-modules", "--no-warn-unused-ignores"),
    },
}
#: The hooks of :data:`KNOWN_HOOKS` by id alone, where one id means one manifest.
_BY_ID = {
    hook_id: manifest
    for (_, hook_id), manifest in KNOWN_HOOKS.items()
    if sum(known_id == hook_id for _, known_id in KNOWN_HOOKS) == 1
}


def manifest_of(repo: str, repo_path: str, rev: str, hook_id: str) -> Mapping[str, Any]:
    """What the hook's repository declares for it (its ``.pre-commit-hooks.yaml`` entry).

    From pre-commit's or prek's own cache where the repository's hooks were
    installed (the hook repository at that ``rev``, as pre-commit would run
    it), else from :data:`KNOWN_HOOKS` by repository (``owner/name``,
    ``repo_path``) and id, else by id alone whatever the repository's URL:
    a hook declared from a renamed or mirrored repository
    (``github.com/ambv/black``, black's former home) is the same hook. A
    ``local`` or ``meta`` hook declares everything itself.
    """
    if repo in ("local", "meta"):
        return {}
    cached = _cached(repo, rev).get(hook_id)
    if cached is not None:
        return cached
    return KNOWN_HOOKS.get((repo_path, hook_id)) or _BY_ID.get(hook_id, {})


def _cache_home(variable: str, name: str) -> Path:
    """A hook manager's cache folder: ``$PRE_COMMIT_HOME``, else under ``$XDG_CACHE_HOME``."""
    own = os.environ.get(variable)
    if own:
        return Path(own)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / name


def _cached(repo: str, rev: str) -> dict[str, Mapping[str, Any]]:
    """The manifest of ``repo`` at ``rev`` from pre-commit's or prek's cache, by hook id."""
    for folder in (_precommit_checkout(repo, rev), _prek_checkout(repo, rev)):
        if folder is not None:
            found = _manifest(folder / ".pre-commit-hooks.yaml")
            if found:
                return found
    return {}


def _precommit_checkout(repo: str, rev: str) -> Path | None:
    """Where pre-commit cloned ``repo`` at ``rev``: its store's ``db.db`` says (read only)."""
    db = _cache_home("PRE_COMMIT_HOME", "pre-commit") / "db.db"
    if not db.is_file():
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as conn:
            row = conn.execute(
                "SELECT path FROM repos WHERE repo = ? AND ref = ?", (repo, rev)
            ).fetchone()
    except sqlite3.Error:
        return None
    return Path(row[0]) if row else None


def _prek_checkout(repo: str, rev: str) -> Path | None:
    """Where prek cloned ``repo`` at ``rev``: the checkout whose ``.prek-repo.json`` names them."""
    repos = _cache_home("PREK_HOME", "prek") / "repos"
    if not repos.is_dir():
        return None
    for marker in repos.glob("*/.prek-repo.json"):
        try:
            said = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(said, dict) and said.get("repo") == repo and said.get("rev") == rev:
            return marker.parent
    return None


@functools.lru_cache(maxsize=64)
def _manifest_text(path: Path, mtime: int) -> str:
    del mtime  # the cache key
    return path.read_text(encoding="utf-8")


def _manifest(path: Path) -> dict[str, Mapping[str, Any]]:
    """A ``.pre-commit-hooks.yaml``: each hook's declarations by id ({} where unreadable)."""
    try:
        hooks = yaml.safe_load(_manifest_text(path, path.stat().st_mtime_ns))
    except (OSError, yaml.YAMLError):
        return {}
    if not isinstance(hooks, list):
        return {}
    return {str(hook["id"]): hook for hook in hooks if isinstance(hook, dict) and "id" in hook}
