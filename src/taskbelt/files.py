"""The one way taskbelt writes a file: a temporary file beside it, then a rename.

A reader (a user's editor, a second run, CI collecting a report) sees the old
file or the new one, never half of one, and a run stopped mid-write leaves
the old file whole. Settings (mise.toml, ruff settings translated from
flake8), the git hook, the JSON report, cache entries and masked logs all go
through :func:`write_atomic`.

This module imports nothing but the standard library: the fast answer for an
unchanged repository reads and writes cache entries before anything heavy is
loaded.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` exactly (no newline translation), atomically.

    The folder is made if missing. A file that exists keeps its permissions
    (an executable hook stays executable); a new file gets the usual mode for
    the umask, not ``mkstemp``'s 0600. On any failure the temporary file is
    removed and ``path`` is left as it was.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(tmp, _mode_for(path))
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    """``path``'s permission bits if it exists, else what the umask gives a new file."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
