"""Whether the repository switched its type checker off on purpose, and where it says so.

A repository that sets pyright's ``typeCheckingMode = "off"`` (seen with a
comment saying why) or pyrefly's ``preset = "off"`` has decided that its
code is not type-checked. ``typecheck`` then gets a ``skipped`` row naming
that setting, not a wall of findings from a checker the repository turned
down, and no environment is made for it.

Each checker's file is read the way the checker reads it: pyright and
basedpyright take ``pyrightconfig.json`` over pyproject.toml; pyrefly takes
``pyrefly.toml`` over ``[tool.pyrefly]``. A command that points the checker
at another configuration (``pyright -p ci.json``, ``pyrefly check
--preset basic``) is not read here: the checker runs.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from taskbelt.repository.choice import Choice
from taskbelt.repository.toml_file import lookup

#: Each checker's files, in its own order: (file, the table in it), and the
#: setting and value that switch all its checking off.
_SETTINGS: dict[str, tuple[tuple[tuple[str, tuple[str, ...]], ...], str, str]] = {
    "pyright": (
        (("pyrightconfig.json", ()), ("pyproject.toml", ("tool", "pyright"))),
        "typeCheckingMode",
        "off",
    ),
    "basedpyright": (
        (("pyrightconfig.json", ()), ("pyproject.toml", ("tool", "basedpyright"))),
        "typeCheckingMode",
        "off",
    ),
    "pyrefly": (
        (("pyrefly.toml", ()), ("pyproject.toml", ("tool", "pyrefly"))),
        "preset",
        "off",
    ),
}
#: Command-line options that name another configuration or override the setting.
_OVERRIDES = {
    "pyright": {"-p", "--project"},
    "basedpyright": {"-p", "--project"},
    "pyrefly": {"-c", "--config", "-p", "--preset"},
}


def reason(root: Path, checkers: tuple[Choice, ...]) -> str | None:
    """Why ``typecheck`` does not run: every chosen checker is switched off; else None."""
    reasons = [_switched_off(root, choice) for choice in checkers]
    if not reasons or any(why is None for why in reasons):
        return None
    return "; ".join(f"skipped: {why}" for why in reasons if why)


def _switched_off(root: Path, choice: Choice) -> str | None:
    if choice.tool not in _SETTINGS:
        return None
    if any(arg.split("=", 1)[0] in _OVERRIDES[choice.tool] for arg in choice.args):
        return None
    files, setting, off = _SETTINGS[choice.tool]
    for name, table in files:
        path = root / name
        if not path.is_file():
            continue
        data = _read(path)
        if data is None or (table and lookup(data, *table) is None):
            continue  # pyproject.toml without the checker's table: the next file, or none
        value = lookup(data, *table, setting)
        if value != off:
            return None
        where = f"{name} [{'.'.join(table)}]" if table else name
        return f'the repository switched {choice.tool} off ({setting} = "{off}" in {where})'
    return None


def _read(path: Path) -> Mapping[str, Any] | None:
    """The file's settings; None where the checker could not read them either."""
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        if path.suffix == ".toml":
            return tomllib.loads(text)
        # pyright reads JSON with comments and trailing commas (JSONC). No JSONC reader is
        # among taskbelt's dependencies, and one key is read: a file these two patterns
        # cannot make JSON is "not switched off", so the checker runs and judges it itself.
        data = json.loads(_TRAILING_COMMA.sub(r"\1", _COMMENT.sub(_keep_strings, text)))
    except (tomllib.TOMLDecodeError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


#: A JSON string (kept), or a ``//`` or ``/* */`` comment (dropped).
_COMMENT = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', re.S)
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def _keep_strings(match: re.Match[str]) -> str:
    return match.group(1) or ""
