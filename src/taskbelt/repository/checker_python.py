"""The Python version a declared type-checker run checks for.

A nox session with ``python=["3.10", "3.14"]`` runs its checker once on each
interpreter, and a tox environment ``py310-mypy`` on 3.10. Where the
checker's own configuration sets no version, it checks for the interpreter
it runs on: ``typing.Self`` is an error under 3.10 and fine under 3.14. taskbelt
runs every checker from its one tool environment, so it passes that version
on the command line (``--python-version 3.10``), one run per version.

Where the configuration sets the version, it wins over the interpreter in the
repository's own runs too, and nothing is passed. No checker prints the
version it would use, so the settings are read here; each checker's keys
are its documented ones (ty also takes ``requires-python``'s lower bound,
ahead of the interpreter).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from taskbelt.repository.ini_file import read_ini
from taskbelt.repository.toml_file import lookup, read_toml

#: Each checker's command-line option for the version it checks for.
FLAGS: Final = {
    "mypy": "--python-version",
    "pyright": "--pythonversion",
    "basedpyright": "--pythonversion",
    "ty": "--python-version",
    "pyrefly": "--python-version",
}
#: pyrightconfig.json is JSON with comments: the key's presence is what counts.
_PYRIGHT_KEY = re.compile(r'"pythonVersion"\s*:')


def version_args(
    root: Path, data: Mapping[str, Any], tool: str, python: str, arguments: list[str]
) -> tuple[str, ...]:
    """``(--python-version, 3.10)`` for a run on ``python``, or nothing.

    Nothing where no version is named, where the command names one itself
    (in ``arguments``) or where the checker's configuration sets one
    (``data``: pyproject.toml).
    """
    flag = FLAGS[tool]
    if not python or any(word.split("=")[0] == flag for word in arguments):
        return ()
    return () if pinned(root, data, tool) else (flag, python)


def pinned(root: Path, data: Mapping[str, Any], tool: str) -> bool:
    """Whether ``tool``'s configuration sets the Python version it checks for."""
    if tool == "mypy":
        return lookup(data, "tool", "mypy", "python_version") is not None or any(
            _ini_sets(root / name, "mypy", "python_version")
            for name in ("mypy.ini", ".mypy.ini", "setup.cfg")
        )
    if tool in ("pyright", "basedpyright"):
        config = root / "pyrightconfig.json"
        in_json = config.is_file() and bool(
            _PYRIGHT_KEY.search(config.read_text(encoding="utf-8", errors="replace"))
        )
        return in_json or lookup(data, "tool", tool, "pythonVersion") is not None
    if tool == "ty":
        return (
            lookup(data, "tool", "ty", "environment", "python-version") is not None
            or lookup(data, "project", "requires-python") is not None
            or _toml_sets(root / "ty.toml", "environment", "python-version")
        )
    return (
        lookup(data, "tool", "pyrefly", "python-version") is not None
        or _toml_sets(root / "pyrefly.toml", "python-version")
        or _toml_sets(root / "pyrefly.toml", "python_version")
    )


def _ini_sets(path: Path, section: str, key: str) -> bool:
    parser = read_ini(path)
    return parser is not None and parser.has_option(section, key)


def _toml_sets(path: Path, *keys: str) -> bool:
    return path.is_file() and lookup(read_toml(path), *keys) is not None
