"""An install that fails: its cause first, with the fix, once for every Python it fails on alike.

The slow cases run the real uv on throwaway repositories whose build needs
the network, with the "server" a closed port on loopback (connection
refused: what an offline machine gets, bounded and local).
"""

from __future__ import annotations

import io

import pytest
from conftest import CLEAN_SRC, MakeRepo, run_rows
from rich.console import Console

from taskbelt.output.report import terminal
from taskbelt.repository import test_dependencies
from taskbelt.results import CheckResult, RunSummary, Status
from taskbelt.settings.model import load_settings

TWO_PYTHONS = """
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = [{dependencies}]

[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[tool.taskbelt]
python = ["3.11", "3.12"]
"""
#: A build that asks a server for something (its version, say): offline it cannot connect.
ASKS_A_SERVER = (
    "import urllib.request\nfrom setuptools import setup\n\n"
    'urllib.request.urlopen("http://127.0.0.1:9/version", timeout=5)\nsetup()\n'
)


def _printed(*results: CheckResult) -> str:
    stream = io.StringIO()
    console = Console(file=stream, width=100, no_color=True)
    terminal.render(console, RunSummary(results), seconds=1.0)
    return stream.getvalue()


def test_an_error_alike_on_every_python_is_printed_once_cause_first() -> None:
    rows = [
        CheckResult(
            f"test-{v}",
            Status.ERROR,
            1.0,
            f"the test dependencies cannot be installed on Python {v}.1: no x",
            f"Using Python {v}.1 environment at: envs/test-{v}\nerror: no x\nfix: add x",
        )
        for v in ("3.11", "3.12")
    ]
    failed = [CheckResult(f"lint-{n}", Status.FAILED, 1.0, "1 finding", "a.py:1") for n in "ab"]
    text = _printed(*rows, *failed)
    assert text.count("fix: add x") == 1
    assert (
        "--- test-3.11, test-3.12: error (the same on each; shown for test-3.11) ---\n"
        "  the test dependencies cannot be installed on Python 3.11.1: no x\n"
        "  Using Python 3.11.1 environment at: envs/test-3.11\n"
    ) in text
    assert "--- lint-a: failed ---" in text, "failures: each its own"
    assert "--- lint-b: failed ---" in text


def test_a_requirement_no_index_has_is_named_so() -> None:
    """Not "give it a marker for the Pythons it supports": no Python has it."""
    uv = (
        "error: No solution found when resolving dependencies\n"
        "  cause: Because no-such-thing was not found in the package registry and demo==0.1.0 "
        "depends on no-such-thing==1.0, we can conclude that demo==0.1.0 cannot be used.\n"
    )
    data = {"project": {"name": "demo", "dependencies": ["no-such-thing==1.0"]}}
    choice = test_dependencies.choose(data, load_settings({}))
    explained = test_dependencies.explain(data, choice, "3.12.1", uv)
    assert explained == (
        "the test dependencies cannot be installed: [project] dependencies requires "
        "no-such-thing==1.0, and the package index has no no-such-thing",
        "check the name, or point uv at the index that has it "
        "(UV_INDEX_URL, or [[tool.uv.index]] in pyproject.toml)",
    )


@pytest.mark.slow
def test_a_build_backend_that_needs_the_network_is_named_once(make_repo: MakeRepo) -> None:
    """setup.py reaches a server that is not there: the cause is that, once, with the fix."""
    pyproject = TWO_PYTHONS.format(dependencies="")
    project = make_repo({**CLEAN_SRC, "setup.py": ASKS_A_SERVER}, pyproject=pyproject)
    done, rows = run_rows(project, "test")
    for name in ("test-3.11", "test-3.12"):
        assert rows[name]["status"] == "error", done.stdout
        assert rows[name]["summary"] == (
            "the build backend (setuptools.build_meta) reached the network while uv built "
            "demo for its editable install, and could not connect: "
            "urllib.error.URLError: <urlopen error [Errno 111] Connection refused>"
        ), rows[name]["summary"]
    assert "--- test-3.11, test-3.12: error (the same on each" in done.stdout
    assert done.stdout.count("fix: make the build work offline") == 1, done.stdout


@pytest.mark.slow
def test_build_requirements_uv_cannot_fetch_are_named(make_repo: MakeRepo) -> None:
    """An index that does not answer and nothing cached: the build requirements are the cause."""
    project = make_repo(pyproject=TWO_PYTHONS.format(dependencies=""))
    offline = {
        "UV_INDEX_URL": "http://127.0.0.1:9/simple",
        "UV_NO_CACHE": "1",
        "UV_HTTP_RETRIES": "0",
    }
    done, rows = run_rows(project, "test-3.12", env=offline)
    row = rows["test-3.12"]
    assert row["status"] == "error", done.stdout
    assert row["summary"].startswith(
        "uv could not get the build requirements of demo (setuptools>=64) from the package "
        "index: "
    ), row["summary"]
    assert "Connection refused" in row["summary"]
    assert "fix: run once where the index is reachable" in done.stdout
