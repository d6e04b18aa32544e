"""No secret in anything taskbelt prints or writes, through every door.

A consumer's failing test prints an AWS key from its environment, a URL
with a password and a public image reference, then compares the key (so
pytest quotes it in the failure, and in the JUnit report); a lint finding names the key
(a local variable spelt like it). Run through ``mise run test``, the Nox
sessions ``test``, ``test-<each Python>`` and ``lint``, and the CLI on
GitHub Actions, all with ``-v``: the key and the password appear in no
output, no report, no file of the reports folder and no cached verdict,
while the failing test, the finding and the image are still shown.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import CLEAN_PYPROJECT, CLEAN_SRC, MakeRepo, include_taskbelt, mise, taskbelt, uvx_nox

from taskbelt import defaults
from taskbelt.repository.project import Project

pytestmark = pytest.mark.slow

KEY = "wJalrXUtnFEMI_K7MDENG_bPxRfiCYEXAMPLEKEY"  # AWS's documented example, as an identifier
PASSWORD = "hunter2hunter2"  # noqa: S105 - planted, to be found masked
IMAGE = "docker.io/library/python:3.12@sha256:" + "0123456789abcdef" * 4
PYTHONS = ("3.11", "3.12")
PYPROJECT = CLEAN_PYPROJECT.replace('python = ["3.12"]', f"python = {list(PYTHONS)}")
LEAKY = {
    **CLEAN_SRC,
    "src/demo/leak.py": f"def unused() -> None:\n    {KEY} = 1\n",
    "tests/test_leak.py": (
        "import os\n\n\n"
        "def test_prints_the_key() -> None:\n"
        '    print("key:", os.environ["AWS_SECRET_ACCESS_KEY"])\n'
        f'    print("index: https://deploy:{PASSWORD}@pypi.example/simple")\n'
        f'    print("image: {IMAGE}")\n'
        '    assert os.environ["AWS_SECRET_ACCESS_KEY"] == "the-expected-key"\n'
    ),
}
ENV = {"AWS_SECRET_ACCESS_KEY": KEY}


@pytest.fixture
def leaky(make_repo: MakeRepo) -> Project:
    return make_repo(LEAKY, pyproject=PYPROJECT)


#: Not even part of them: pytest shortens a long value to its two ends.
HUNTED = (KEY[:8], KEY[-8:], PASSWORD)


def assert_nothing_leaked(project: Project, done: subprocess.CompletedProcess[str]) -> None:
    """No secret, whole or in part, in the output or in any file taskbelt left."""
    shown = done.stdout + done.stderr
    assert not [h for h in HUNTED if h in shown], shown
    state = project.root / defaults.STATE_DIR_NAME
    files = [p for p in (*project.reports_dir.rglob("*"), *state.glob("verdicts/*")) if p.is_file()]
    leaked = [p for p in files for h in HUNTED if h.encode() in p.read_bytes()]
    assert not leaked, leaked


def assert_test_failure_shown(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "test_prints_the_key" in done.stdout
    assert "https://***@pypi.example/simple" in done.stdout
    assert IMAGE in done.stdout, "a public image reference is printed whole"
    assert "key: ***" in done.stdout


@pytest.mark.mise
def test_mise_run_test(leaky: Project, tmp_path: Path) -> None:
    include_taskbelt(leaky)
    report = tmp_path / "report.json"
    done = mise(leaky.root, "run", "test", "-v", "--report", str(report), tmp=tmp_path, env=ENV)
    assert_test_failure_shown(done)
    assert "$ " in done.stderr, "-v shows the commands"
    assert_nothing_leaked(leaky, done)
    junit = [p for p in leaky.reports_dir.rglob("*.xml") if "testsuite" in p.read_text()]
    assert junit, "the JUnit reports are there, masked"
    assert any("assert '***...***' == 'the-expected-key'" in p.read_text() for p in junit)
    assert not [h for h in HUNTED if h in report.read_text()]


@pytest.mark.parametrize("session", ["test", *(f"test-{v}" for v in PYTHONS)])
def test_nox_test_sessions(leaky: Project, tmp_path: Path, session: str) -> None:
    report = tmp_path / "report.json"
    done = uvx_nox(
        leaky.root,
        *("-f", str(defaults.NOXFILE), "-s", session),
        *("--", "-v", "--no-cache", "--report", str(report)),
        env=ENV,
    )
    assert_test_failure_shown(done)
    assert_nothing_leaked(leaky, done)
    assert not [h for h in HUNTED if h in report.read_text()]


def test_nox_lint_session(leaky: Project, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    done = uvx_nox(
        leaky.root,
        *("-f", str(defaults.NOXFILE), "-s", "lint", "--", "-v", "--report", str(report)),
        env=ENV,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"src/demo/leak\.py:2:5: F841 Local variable `\*\*\*`", done.stdout)
    assert_nothing_leaked(leaky, done)
    data = json.loads(report.read_text())
    assert data["checks"][0]["details"]["findings"][0]["code"] == "F841"
    assert KEY not in json.dumps(data)


def test_github_actions_annotations_and_summary(leaky: Project, tmp_path: Path) -> None:
    """On GitHub Actions: the annotations, the step summary and the outputs, masked too."""
    step_summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    env = {
        **ENV,
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(step_summary),
        "GITHUB_OUTPUT": str(outputs),
    }
    done = taskbelt(leaky.root, "-v", "run", "lint", "test", env=env)
    assert_test_failure_shown(done)
    assert "::error" in done.stdout
    assert_nothing_leaked(leaky, done)
    assert "test-3.12" in step_summary.read_text()
    assert KEY not in step_summary.read_text() + outputs.read_text()
