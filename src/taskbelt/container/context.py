"""Which files of the project a build sees, and normalised copies of them.

The project's files are git's view of the checkout (tracked and unignored
files), never generated folders. The Containerfile backend builds from a
normalised copy (0644 files, 0755 executables and folders, every mtime set
to SOURCE_DATE_EPOCH), so the umask and the times of a checkout cannot leak
into ``COPY``; ``--verify`` copies with deliberate variation instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from taskbelt import proc
from taskbelt.errors import ToolError

#: Generated folders at the project root that never belong to a build's input.
SKIP = frozenset({".git", ".venv", ".taskbelt-cache", "build", "dist", ".nox"})


def project_files(root: Path, env: Mapping[str, str], exclude: Sequence[Path] = ()) -> list[Path]:
    """The project's files, relative to ``root`` and sorted.

    git's view when ``root`` is a checkout (tracked and unignored files), else
    every file; generated folders (:data:`SKIP`, ``exclude``) never count.
    """
    skipped = [root / name for name in SKIP] + [Path(p) for p in exclude]
    return [p for p in _listed(root, env) if not any((root / p).is_relative_to(s) for s in skipped)]


def _listed(root: Path, env: Mapping[str, str]) -> list[Path]:
    try:
        done = proc.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            env=dict(env),
        )
    except ToolError:
        done = None
    if done is not None:
        names = sorted({n for n in done.stdout.split("\0") if n})
        return [Path(n) for n in names if (root / n).is_file() or (root / n).is_symlink()]
    found = []
    for here, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP and d != "__pycache__")
        found += [(Path(here) / f).relative_to(root) for f in sorted(files)]
    return found


def normalised_copy(root: Path, files: Sequence[Path], dest: Path, epoch: int) -> Path:
    """Copy ``files`` to ``dest`` with normalised modes and every mtime at ``epoch``."""
    for rel in files:
        source, target = root / rel, dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():
            target.symlink_to(os.readlink(source))
            os.utime(target, (epoch, epoch), follow_symlinks=False)
            continue
        shutil.copyfile(source, target)
        target.chmod(0o755 if source.stat().st_mode & 0o111 else 0o644)
        os.utime(target, (epoch, epoch))
    for here, dirs, _ in os.walk(dest):
        for name in dirs:
            (Path(here) / name).chmod(0o755)
            os.utime(Path(here) / name, (epoch, epoch))
    dest.chmod(0o755)
    os.utime(dest, (epoch, epoch))
    return dest
