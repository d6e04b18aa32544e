"""Read a TOML file, turning a syntax error into a message naming the spot.

Its own module because both the project's facts (:mod:`taskbelt.project`)
and the tool choice below them (:mod:`taskbelt.toolchoice`) read TOML files.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from taskbelt.errors import ConfigError, ProjectError


def read_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file; a syntax error becomes a ConfigError naming the spot."""
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: invalid TOML: {exc}",
            "fix the syntax at that line (TOML strings need quotes, tables need [brackets])",
        ) from None
    except OSError as exc:
        raise ProjectError(
            f"{path}: cannot read: {exc.strerror}", "check the file's permissions"
        ) from None
