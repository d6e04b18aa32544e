"""Read a TOML file (a syntax error becomes a message naming the spot) and look into it.

Its own module because both the project's facts (:mod:`taskbelt.repository.project`)
and the tool choice below them (:mod:`taskbelt.repository.tool_choice`) read TOML files.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
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


def lookup(table: Mapping[str, Any], *keys: str) -> Any:
    """``table[k1][k2]...``, or None where a key is missing or a level is no table."""
    node: Any = table
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node
