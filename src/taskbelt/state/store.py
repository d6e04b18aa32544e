"""What taskbelt keeps between runs: JSON entries, each under the key it was made from.

Four things are remembered from one run to the next: the verdicts of passing
checks, the audit's last scan report, the parsed advisory index and the plan
of the last full run. Each is a value that is only true for the inputs it was
made from, so each is stored the same way: one file per entry holding the key
of those inputs and the value. An entry is written through a temporary file
and a rename (a run stopped mid-write leaves the old entry or the new one,
never half of one), and an entry that is missing, unreadable, of another
format or made under another key is a miss: the caller computes the value
again. Nothing here ever raises for a damaged file.

This module imports nothing of taskbelt but :mod:`taskbelt.files`: the fast answer for an unchanged
repository reads the store before anything heavy is loaded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskbelt.files import write_atomic

#: Written into every entry; an entry of another format is a miss.
FORMAT = "taskbelt-store-1"


@dataclass(frozen=True)
class KeyedStore:
    """Entries in one folder: ``name`` -> (key, JSON object)."""

    folder: Path

    def path(self, name: str) -> Path:
        """The file that holds entry ``name``."""
        return self.folder / f"{name}.json"

    def _read(self, name: str) -> tuple[str, dict[str, Any]] | None:
        try:
            data = json.loads(self.path(name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return None
        key, value = data.get("key"), data.get("value")
        if not isinstance(key, str) or not isinstance(value, dict):
            return None
        return key, value

    def get(self, name: str, key: str) -> dict[str, Any] | None:
        """The value stored as ``name`` if it was made under ``key``; None otherwise."""
        found = self._read(name)
        return found[1] if found is not None and found[0] == key else None

    def key_of(self, name: str) -> str | None:
        """The key entry ``name`` was stored under, None when there is no usable entry."""
        found = self._read(name)
        return found[0] if found is not None else None

    def put(self, name: str, key: str, value: dict[str, Any], *, compact: bool = False) -> None:
        """Store ``value`` as ``name`` under ``key``, replacing what was there."""
        data = {"format": FORMAT, "key": key, "value": value}
        separators = (",", ":") if compact else None
        write_atomic(self.path(name), json.dumps(data, separators=separators) + "\n")

    def drop(self, name: str) -> None:
        """Forget entry ``name`` (nothing happens when there is none)."""
        self.path(name).unlink(missing_ok=True)
