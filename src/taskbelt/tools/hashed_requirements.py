"""Hashed requirements files (``uv export`` / ``uv pip compile --generate-hashes``), by entry.

One entry is a requirement line and the ``--hash`` lines continuing it. pip's
own parser is not a library and pip-requirements-parser (what pip-audit uses)
is not a dependency of taskbelt's own environment, so this small reader
covers the one format uv writes: a requirement per entry, continuation lines
indented, comments starting with ``#``.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name


@dataclass(frozen=True)
class Entry:
    """One requirement with its hash lines, as written."""

    lines: tuple[str, ...]

    @property
    def first(self) -> str:
        """The requirement line without its line continuation."""
        return self.lines[0].rstrip(" \\")

    @property
    def requirement(self) -> Requirement | None:
        """The parsed requirement; None for an option line (``-e ./pkg``) or a bad one."""
        if self.first.startswith("-"):
            return None
        try:
            return Requirement(self.first)
        except InvalidRequirement:
            return None

    @property
    def name(self) -> str | None:
        """The canonical project name, if the line is a requirement."""
        req = self.requirement
        return None if req is None else str(canonicalize_name(req.name))

    @property
    def text(self) -> str:
        """The entry as written."""
        return "\n".join(self.lines)

    def without_marker(self) -> str:
        """The entry with its environment marker dropped, hashes kept.

        Only for a requirement (:attr:`requirement` not None).
        """
        req = self.requirement
        if req is None:
            return self.text
        req.marker = None
        head = f"{req} \\" if len(self.lines) > 1 else str(req)
        return "\n".join((head, *self.lines[1:]))


def entries(text: str) -> list[Entry]:
    """The entries of a hashed requirements file's ``text``, in order."""
    found: list[Entry] = []
    block: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if line[:1].isspace() and block:
            block.append(line)
            continue
        if block:
            found.append(Entry(tuple(block)))
        block = [line]
    if block:
        found.append(Entry(tuple(block)))
    return found
