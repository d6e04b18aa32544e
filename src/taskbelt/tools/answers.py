"""Answers a tool gave about a repository, kept until a file they were read from changes.

taskbelt asks tox (``tox config``) and nox (its loader and a recorder) what
a repository declares. Asking starts a process and may first make the
tool's environment, so each answer is kept in the state folder's store
under a key made of the files the tool read, the tool's lock and the
folder; a run with the same key reads it back (well under a millisecond)
and one process asks at most once per key. A tool that cannot answer is a
``-v`` line and None: the caller then reads the files as text.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from taskbelt.errors import TaskbeltError
from taskbelt.state.store import KeyedStore
from taskbelt.tools import pins

LOGGER = logging.getLogger("taskbelt")

#: One lock per kept answer: the checks run in threads and more than one may
#: want the same answer first (seen: four threads asking nox at once, three
#: racing to make its environment and reading the noxfile as text).
_ASKING: dict[tuple[Path, str, str], threading.Lock] = {}
_ASKING_GUARD = threading.Lock()


def key(root: Path, group: str, files: Iterable[Path]) -> str:
    """Hash of what an answer is made from: ``files`` (absent ones too), tool ``group``'s lock, ``root``."""
    digest = hashlib.sha256(pins.lock_digest(group).encode())
    digest.update(str(root).encode())
    for path in files:
        digest.update(path.read_bytes() if path.is_file() else b"-")
    return digest.hexdigest()


def kept(
    state_dir: Path, entry: str, key: str, ask: Callable[[], dict[str, Any]], tool: str
) -> dict[str, Any] | None:
    """The answer kept as ``entry`` under ``key``, else ``ask()``'s, then kept; None if it fails."""
    with _ASKING_GUARD:
        lock = _ASKING.setdefault((state_dir, entry, key), threading.Lock())
    with lock:
        return _kept(state_dir, entry, key, ask, tool)


def _kept(
    state_dir: Path, entry: str, key: str, ask: Callable[[], dict[str, Any]], tool: str
) -> dict[str, Any] | None:
    store = KeyedStore(state_dir / "cache")
    found = store.get(entry, key)
    if found is None:
        try:
            found = ask()
        except TaskbeltError as err:
            LOGGER.info("%s could not be asked (%s); its files are read as text", tool, err.cause)
            return None
        store.put(entry, key, found)
    return found
