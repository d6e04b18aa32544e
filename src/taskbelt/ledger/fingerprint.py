"""Fingerprints of findings that survive edits elsewhere in the file.

No line number goes into a fingerprint. It is a hash of the tool, the rule,
the file's path, the offending line's text with all whitespace taken out,
and the finding's occurrence index among the findings of that same tool,
rule, file and text (the first ``x = eval(s)`` flagged in a file is 0, the
next identical one 1). So a finding stays known when lines are inserted
above it, when the file is reformatted elsewhere, or when its function
moves within the file; it is new when its line changes, and a second copy
of a known line is new (the count went up). The message is not hashed
either: one that embeds a line number (mypy's "defined on line 12") still
matches.

The line's text itself is never stored: a flagged line can hold a secret
(bandit's hard-coded password rules).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: Hex digits kept of the SHA-256: 80 bits, far from any collision in one repository.
DIGITS = 20


@dataclass(frozen=True)
class Spot:
    """Where a finding is and which rule it breaks: all a fingerprint needs besides the file."""

    path: str
    line: int
    column: int
    rule: str


def normalised(text: str) -> str:
    """``text`` with every whitespace character removed (a reformatted line is the same line)."""
    return "".join(text.split())


class Lines:
    """The lines of the repository's files, each file read once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, list[str]] = {}

    def text(self, path: str, line: int) -> str:
        """Line ``line`` (1-based) of ``path``, normalised; "" when there is no such line."""
        if path not in self._files:
            try:
                content = (self.root / path).read_text(encoding="utf-8", errors="replace")
            except OSError:
                content = ""
            self._files[path] = content.splitlines()
        lines = self._files[path]
        return normalised(lines[line - 1]) if 0 < line <= len(lines) else ""


def fingerprints(tool: str, spots: Sequence[Spot], lines: Lines) -> list[str]:
    """One fingerprint per spot, in the order given (see the module docstring).

    Occurrence indexes count in file order (line, then column), whatever
    order the tool reported in.
    """
    result = [""] * len(spots)
    seen: Counter[tuple[str, str, str]] = Counter()
    for at in sorted(
        range(len(spots)), key=lambda i: (spots[i].path, spots[i].line, spots[i].column)
    ):
        spot = spots[at]
        text = lines.text(spot.path, spot.line)
        same = (spot.rule, spot.path, text)
        index = seen[same]
        seen[same] += 1
        material = "\0".join((tool, spot.rule, spot.path, text, str(index)))
        result[at] = hashlib.sha256(material.encode()).hexdigest()[:DIGITS]
    return result
