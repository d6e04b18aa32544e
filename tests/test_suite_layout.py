"""The suite's own rules: a map of the wings, helpers in conftest, a fast layer that stays fast."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TASKBELT_ROOT

TESTS = TASKBELT_ROOT / "tests"
SRC = TASKBELT_ROOT / "src" / "taskbelt"
#: Tests of the whole checkout rather than of one module: the layers of ``src/taskbelt``,
#: these rules, and the CI files.
WHOLE = {"test_import_graph.py", "test_suite_layout.py", "test_workflows.py"}
#: Tests that go through the doors (the console script, nox, mise, CI) with real tools.
END_TO_END = "end_to_end"


def suite_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("test_*.py") if "data" not in p.relative_to(TESTS).parts)


def modules_of(folder: Path) -> set[str]:
    """The names a test module of this wing may start with: its modules and packages, the wing."""
    names = {folder.name}
    for path in folder.rglob("*.py"):
        names.add(path.parent.name if path.name == "__init__.py" else path.stem)
    return names


def test_the_tests_mirror_the_wings() -> None:
    """``tests/<wing>/test_<module>[_<aspect>].py``, so the tree of tests is the map of the code.

    A test module sits in the folder of the wing it tests (``src/taskbelt/<wing>/``),
    named after the module (or package, or the wing itself) whose behaviour it tests,
    with an aspect after it where one module has several files (``test_orchestrator_version_order``);
    a test of a module at the top of ``src/taskbelt`` (the ground: ``files``, ``proc``,
    ``results``) sits at the top of ``tests/``; tests through the doors sit in ``end_to_end/``.
    """
    wings = {p.name: modules_of(p) for p in SRC.iterdir() if (p / "__init__.py").is_file()}
    ground = {p.stem for p in SRC.glob("*.py")}
    misplaced = []
    for path in suite_files():
        where = path.relative_to(TESTS)
        stem = path.stem.removeprefix("test_")
        if len(where.parts) == 1:
            allowed = ground if path.name not in WHOLE else {stem}
        elif len(where.parts) == 2 and where.parts[0] == END_TO_END:
            continue
        elif len(where.parts) == 2 and where.parts[0] in wings:
            allowed = wings[where.parts[0]]
        else:
            misplaced.append(f"{where}: not in a wing's folder")
            continue
        if not any(stem == name or stem.startswith(f"{name}_") for name in allowed):
            misplaced.append(f"{where}: names no module of its wing")
    assert misplaced == []


def test_test_module_names_are_unique() -> None:
    """pytest imports a test module by its file name (no ``__init__.py``: ``from conftest import``
    works from every folder), so two folders cannot hold the same name."""
    names = [p.name for p in suite_files()]
    assert sorted({n for n in names if names.count(n) > 1}) == []


def test_no_test_module_imports_another() -> None:
    """Shared helpers live in conftest.py (or a harness module), never in a test module.

    A test module that imports another runs that module's fixtures and marks
    too, and ties the two files' layouts together.
    """
    offenders = []
    for path in suite_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [
                f"{path.relative_to(TESTS)} imports {n}" for n in names if n.startswith("test_")
            ]
    assert offenders == []


def test_a_fast_test_cannot_start_a_real_tool() -> None:
    """Outside ``slow``, starting ruff (or any tool of conftest.REAL_TOOLS) fails the test."""
    with pytest.raises(pytest.fail.Exception, match=r"runs ruff: mark it @pytest.mark.slow"):
        subprocess.run(["ruff", "--version"], check=False)


@pytest.mark.slow
def test_a_slow_test_may() -> None:
    done = subprocess.run(["ruff", "--version"], capture_output=True, text=True, check=False)
    assert done.stdout.startswith("ruff ")


def _collected(*args: str, **environ: str) -> tuple[set[str], str]:
    """The node ids pytest collects from this suite with ``args`` and ``environ``, and its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKBELT_")}
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=TASKBELT_ROOT,
        env={**env, **environ},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return {line for line in done.stdout.splitlines() if "::" in line}, done.stdout


@pytest.mark.slow
def test_a_run_of_two_pythons_runs_each_slow_test_once() -> None:
    """Under ``mise run test`` (TASKBELT_TEST_MATRIX) each slow test runs on one Python, each fast on all."""
    everything, _ = _collected()
    first, said = _collected(TASKBELT_TEST_MATRIX="3.12,3.11", TASKBELT_TEST_PYTHON="3.11")
    second, _ = _collected(TASKBELT_TEST_MATRIX="3.12,3.11", TASKBELT_TEST_PYTHON="3.12")
    alone, _ = _collected(TASKBELT_TEST_MATRIX="3.12", TASKBELT_TEST_PYTHON="3.12")
    slow, _ = _collected("-m", "slow")
    assert first | second == everything, "no test is left out of the run"
    assert slow
    assert first ^ second == slow, "a slow test runs on exactly one Python"
    assert first & second == everything - slow, "a fast test runs on every Python"
    assert len(first & slow) > len(slow) // 3 < len(second & slow), "the two share the slow ones"
    assert f"taskbelt matrix: {len(second - first)} slow tests left to Python 3.12" in said
    assert alone == everything, "a run of one Python runs every test"
