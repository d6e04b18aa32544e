# /// script
# dependencies = ["identify>=2.6", "license-expression>=30.4", "nox>=2025.5.1", "packaging>=24", "pydantic>=2.7", "pydantic-settings>=2.4", "pyyaml>=6", "rich>=13", "tomlkit>=0.13"]
# ///
"""taskbelt's Nox sessions. Thin: every session body lives in taskbelt.frontends.nox_sessions.

Run through taskbelt (``mise run check``) or by hand, without mise, from your
repository's root: ``uvx nox -f path/to/taskbelt/noxfile.py -s check``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))

import nox

from taskbelt.frontends import nox_sessions as tb

tb.register_all(nox)
