"""Read an INI settings file (setup.cfg, tox.ini, .flake8, .coveragerc, mypy.ini) or nothing.

The tools these files configure read them with :mod:`configparser` and pass
over a file they cannot parse, so taskbelt does too: one reader, raw (no
``%`` interpolation, as setuptools, flake8, coverage and mypy read them), and
``None`` for a file that is missing, unreadable, not UTF-8 or not INI. The
bandit settings are read apart (:mod:`taskbelt.checks.audit.banditconfig`), with
interpolation, because bandit reads them so.
"""

from __future__ import annotations

import configparser
from pathlib import Path


def read_ini(path: Path) -> configparser.RawConfigParser | None:
    """``path`` parsed as INI; None where it is missing or cannot be parsed."""
    if not path.is_file():
        return None
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, OSError, UnicodeDecodeError):
        return None
    return parser
