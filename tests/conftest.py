"""Shared fixtures: real tool environments and throwaway repositories.

Tools are never mocked. ``tool_venv(group)`` installs taskbelt's pinned tool
group from its hashed lock into a real virtual environment (kept between
test runs under the system temp folder, keyed by the lock's hash, so the
second run is fast); ``make_repo`` writes a small real project into a
temporary folder and ``git init``s it.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from taskbelt import envs, interpreters, masking, toolpins
from taskbelt.project import Project

ENVS_ROOT = Path(
    os.environ.get("TASKBELT_TEST_ENVS", Path(tempfile.gettempdir()) / "taskbelt-test-envs")
)
#: Every advisory of the packages the tests lock, from the PyPA database (README there):
#: the suite needs nothing outside the repository.
ADVISORY_DB = Path(__file__).resolve().parent / "data" / "advisory-db"
RUNNER_PYTHON = Path(sys.executable).resolve()


def _tool_venv(group: str) -> Path:
    """Build (once, under a lock: test runs may share ENVS_ROOT) a venv for ``group``."""
    tag = f"py{sys.version_info[0]}{sys.version_info[1]}"
    venv = ENVS_ROOT / f"{group}-{toolpins.lock_digest(group)}-{tag}"
    ENVS_ROOT.mkdir(parents=True, exist_ok=True)
    with (ENVS_ROOT / f".{venv.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        envs.create_venv(venv, RUNNER_PYTHON)
        envs.install_tools(venv, group)
    return venv


@pytest.fixture(scope="session")
def tool_venv() -> Callable[[str], Path]:
    """Return a venv with taskbelt's pinned tool group installed."""
    cache: dict[str, Path] = {}

    def get(group: str) -> Path:
        if group not in cache:
            cache[group] = _tool_venv(group)
        return cache[group]

    return get


@pytest.fixture(scope="session")
def python312() -> interpreters.Interpreter:
    """A real Python 3.12 found on this machine (present on every dev and CI machine)."""
    found = interpreters.find("3.12")
    assert found.path is not None, "Python 3.12 must be installed (pyenv) on this machine"
    return found


def write_files(root: Path, files: dict[str, str]) -> None:
    """Write ``files`` (relative path -> text, dedented) under ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` with a fixed identity; return stdout."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    return subprocess.run(
        ["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True
    ).stdout


CLEAN_PYPROJECT = """
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = []

[tool.taskbelt]
python = ["3.12"]
"""

CLEAN_SRC = {
    "src/demo/__init__.py": '''
        """Demo package."""


        def add(a: int, b: int) -> int:
            """Add two numbers."""
            return a + b
        ''',
    "tests/test_demo.py": """
        from demo import add


        def test_add() -> None:
            assert add(1, 2) == 3
        """,
}


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Project]:
    """Create a throwaway git repo; defaults to a clean src-layout project."""

    def make(
        files: dict[str, str] | None = None,
        *,
        pyproject: str = CLEAN_PYPROJECT,
        name: str = "repo",
        commit: bool = True,
    ) -> Project:
        root = tmp_path / name
        root.mkdir()
        write_files(root, {"pyproject.toml": pyproject, **(CLEAN_SRC if files is None else files)})
        git(root, "init", "-q", "-b", "main")
        if commit:
            git(root, "add", "-A")
            git(root, "commit", "-q", "-m", "init")
        return Project.load(root)

    return make


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's TASKBELT_* settings out of the tests."""
    for key in list(os.environ):
        if key.startswith("TASKBELT_") and key != "TASKBELT_TEST_ENVS":
            monkeypatch.delenv(key, raising=False)
    masking.install(None)  # a run in this process installs its own; the next test starts clean


def taskbelt(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the CLI in ``root`` like a user would."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TASKBELT_")}
    environ.pop("CI", None)
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "taskbelt", *args],
        cwd=root,
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def assert_two_line_error(done: subprocess.CompletedProcess[str], cause: str) -> None:
    """Exit 2, a cause line and a fix line, no traceback."""
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2, done.stderr
    assert lines[0].startswith("taskbelt: error: ")
    assert cause in lines[0]
    assert lines[1].startswith("taskbelt: fix: ")
    assert "Traceback" not in done.stderr + done.stdout


def gone(pid: int, within: float = 10.0) -> bool:
    """True once ``pid`` is dead or a zombie.

    Killed, a process still shows in /proc for a moment while the kernel
    tears it down (under load, `R` right after SIGKILL); the wait is bounded.
    """
    end = time.monotonic() + within
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, IndexError):
            return True
        if state in {"Z", "X"}:
            return True
        if time.monotonic() > end:
            return False
        time.sleep(0.05)


def shell_environ() -> dict[str, str]:
    """This environment as a user's shell has it: no taskbelt settings, no CI, no venv of the suite's own."""
    drop = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "CI")
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("TASKBELT_")}


def uvx_nox(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``uvx nox ARGS`` in ``root``, started the way a shell starts it (PWD set)."""
    environ = {**shell_environ(), "PWD": str(root), **(env or {})}
    return subprocess.run(
        ["uvx", "nox", *args],
        cwd=root,
        env=environ,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
