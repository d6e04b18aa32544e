"""A hook's manifest comes from pre-commit's or prek's own cache where its hooks were installed.

Real pre-commit and prek (from PyPI) install the hooks of a throwaway
repository from a hook repository on disk (``file://``: no network); the
hook writes down the files it is given. taskbelt, reading the cached
manifest, must choose the same files; the table it would use otherwise
(black's: every Python and stub file) would not.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import git, write_files

from taskbelt.repository import pre_commit

pytestmark = pytest.mark.slow

#: A hook repository whose ``black`` hook takes Python files under src/ only.
MANIFEST = """
-   id: black
    name: black (a fork)
    entry: sh -c 'printf "%s\\n" "$@" >> {record}' --
    language: system
    files: ^src/
    types: [python]
"""
FILES = ["src/a.py", "src/b.pyi", "tests/t.py", "docs/x.rst"]


@pytest.fixture(scope="module")
def managers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment holding pre-commit and prek."""
    venv = tmp_path_factory.mktemp("managers") / "venv"
    subprocess.run(["uv", "venv", "-q", str(venv)], check=True)
    subprocess.run(
        ["uv", "pip", "install", "-q", "--python", str(venv / "bin/python"), "pre-commit", "prek"],
        check=True,
    )
    return venv / "bin"


def hook_repository(root: Path, record: Path) -> str:
    write_files(root, {".pre-commit-hooks.yaml": MANIFEST.format(record=record)})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "hooks")
    git(root, "tag", "v1.0")
    return root.as_uri()


@pytest.mark.parametrize(
    ("manager", "home"), [("pre-commit", "PRE_COMMIT_HOME"), ("prek", "PREK_HOME")]
)
def test_the_cached_manifest_chooses_the_files_the_hook_manager_gives(
    tmp_path: Path, managers: Path, monkeypatch: pytest.MonkeyPatch, manager: str, home: str
) -> None:
    record = tmp_path / "given.txt"
    url = hook_repository(tmp_path / "hooks", record)
    root = tmp_path / "r"
    config = f"repos:\n  - repo: {url}\n    rev: v1.0\n    hooks:\n      - id: black\n"
    write_files(root, {".pre-commit-config.yaml": config, **dict.fromkeys(FILES, "")})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    monkeypatch.setenv(home, str(tmp_path / "cache"))
    done = subprocess.run(
        [str(managers / manager), "run", "--all-files"],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    given = sorted(record.read_text(encoding="utf-8").split())
    assert given == ["src/a.py"]
    (hook,) = pre_commit.read_hooks(root)
    assert [rel for rel in FILES if hook.selects(root, rel)] == given
    monkeypatch.setenv(home, str(tmp_path / "empty"))
    (hook,) = pre_commit.read_hooks(root)
    assert [rel for rel in FILES if hook.selects(root, rel)] == [
        "src/a.py",
        "src/b.pyi",
        "tests/t.py",
    ], "the control: without the cache, black's own manifest from the table"
