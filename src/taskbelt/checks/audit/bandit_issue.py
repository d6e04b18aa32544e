"""One bandit finding, as the check, its SARIF log and the ledger read it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: taskbelt's own rule on the scan: a nosec comment that names no rule.
BARE_NOSEC = "TB001"
BARE_TEXT = (
    "bare `# nosec` silences every bandit check on this line, future ones too;"
    " name the rule it is for, e.g. `# nosec B602`"
)


@dataclass(frozen=True)
class Issue:
    """One bandit finding (or a TB001 bare ``# nosec``)."""

    file: str
    line: int
    column: int
    test_id: str
    test_name: str
    severity: str
    confidence: str
    text: str
    more_info: str = ""
    cwe: int | None = None
    #: The lines of the finding's statement (bandit's ``line_range``).
    lines: tuple[int, ...] = ()

    def __str__(self) -> str:
        level = f"{self.severity.lower()} severity, {self.confidence.lower()} confidence"
        return f"{self.file}:{self.line}:{self.column}: {self.test_id} {self.text} [{level}]"

    def to_json(self) -> dict[str, Any]:
        """Plain data for the result's details."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "test_id": self.test_id,
            "test_name": self.test_name,
            "severity": self.severity,
            "confidence": self.confidence,
            "text": self.text,
            "more_info": self.more_info,
            "cwe": self.cwe,
        }
