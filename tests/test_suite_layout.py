"""The suite's own rules: helpers in conftest, and a fast layer that stays fast."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest


def test_no_test_module_imports_another() -> None:
    """Shared helpers live in conftest.py (or a harness module), never in a test module.

    A test module that imports another runs that module's fixtures and marks
    too, and ties the two files' layouts together.
    """
    tests = Path(__file__).resolve().parent
    offenders = []
    for path in sorted(tests.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name} imports {n}" for n in names if n.startswith("test_")]
    assert offenders == []


def test_a_fast_test_cannot_start_a_real_tool() -> None:
    """Outside ``slow``, starting ruff (or any tool of conftest.REAL_TOOLS) fails the test."""
    with pytest.raises(pytest.fail.Exception, match=r"runs ruff: mark it @pytest.mark.slow"):
        subprocess.run(["ruff", "--version"], check=False)


@pytest.mark.slow
def test_a_slow_test_may() -> None:
    done = subprocess.run(["ruff", "--version"], capture_output=True, text=True, check=False)
    assert done.stdout.startswith("ruff ")
