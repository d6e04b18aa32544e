"""The machine-readable report written to ``TASKBELT_REPORT``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from taskbelt.files import write_atomic
from taskbelt.results import RunSummary


def render(summary: RunSummary) -> str:
    """``{"status", "checks": [{"name", "status", "seconds", "summary", "details"}], "notes"}``."""
    data: dict[str, Any] = {
        "status": summary.status.value,
        "checks": [
            {
                "name": r.name,
                "status": r.status.value,
                "seconds": round(r.seconds, 3),
                "summary": r.summary,
                "cached": bool(r.details.get("cached", False)),
                "details": dict(r.details),
            }
            for r in summary.results
        ],
        "notes": list(summary.notes),
    }
    return json.dumps(data, indent=2, sort_keys=False, default=str)


def write(summary: RunSummary, path: Path) -> None:
    """Write the report atomically (a reader never sees half a file)."""
    write_atomic(path, render(summary) + "\n")
