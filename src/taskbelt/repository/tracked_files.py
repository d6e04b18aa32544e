"""The repository's files, as git sees them.

What a check reads (lint's Python files, the cache key's inputs, the files a
tool choice depends on) starts from this one list: tracked files and
untracked ones git does not ignore, without taskbelt's own state and what
installs and imports write. Outside a git repository the folder is walked.
"""

from __future__ import annotations

import os
from pathlib import Path

from taskbelt import defaults, proc


def list_files(root: Path) -> list[str]:
    """The repository's files: tracked and untracked-but-not-ignored, as git sees them."""
    done = proc.run(
        ["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=root, timeout=60, ok=None
    )
    listed = _walk(root) if done.returncode != 0 else done.stdout.split("\0")
    return sorted({p for p in listed if p and not _generated(p) and (root / p).is_file()})


def _walk(root: Path) -> list[str]:
    """Files below ``root`` (used where git cannot list them)."""
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [
            d for d in dirs if d not in defaults.NEVER_WALKED and d != defaults.STATE_DIR_NAME
        ]
        found += [os.path.relpath(os.path.join(folder, f), root) for f in files]
    return found


def _generated(rel: str) -> bool:
    """taskbelt's own state, and what installs and imports write (egg-info, bytecode).

    Bytecode shows up as untracked files in a repository without a
    ``.gitignore`` for it, and changes with every run of a new interpreter.
    """
    parts = rel.split("/")
    return (
        parts[0] == defaults.STATE_DIR_NAME
        or rel.endswith((".pyc", ".pyo"))
        or any(p.endswith(".egg-info") or p == "__pycache__" for p in parts[:-1])
    )
