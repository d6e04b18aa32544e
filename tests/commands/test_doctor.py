"""doctor and python:sync with real mise and uv, in isolated data folders; a real 3-Python matrix."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from conftest import CLEAN_PYPROJECT, MakeRepo, taskbelt

from taskbelt.commands import doctor
from taskbelt.environments.matrix import Matrix
from taskbelt.tools import interpreters

pytestmark = pytest.mark.slow


def isolated(tmp: Path) -> dict[str, str]:
    """mise and uv data folders inside ``tmp``; pyenv's real versions as the source."""
    return {
        "MISE_DATA_DIR": str(tmp / "mise-data"),
        "MISE_STATE_DIR": str(tmp / "mise-state"),
        "MISE_CACHE_DIR": str(tmp / "mise-cache"),
        "MISE_CONFIG_DIR": str(tmp / "mise-config"),
        "UV_PYTHON_INSTALL_DIR": str(tmp / "uv-python"),
        "UV_PYTHON_DOWNLOADS": "never",
    }


class TestDoctor:
    def test_lists_present_and_missing(self) -> None:
        """Each need has its version, or the command that provides it; a missing Python fails in CI."""
        found = doctor.requirements(
            Matrix((interpreters.find("3.12"),), (interpreters.Interpreter("3.98", None),)),
            {**os.environ, "CI": "true"},
        )
        by_name = {r.name: r for r in found}
        assert by_name["uv"].version is not None
        assert by_name["uv"].version.startswith("uv ")
        assert by_name["python3.12"].ok
        assert not by_name["python3.98"].ok
        assert by_name["python3.98"].provide.startswith("mise install python@3.98")
        assert by_name["podman"].required is False

    def test_missing_tool(self, tmp_path: Path) -> None:
        """With nothing on PATH, mise and uv are reported missing with their install command."""
        found = doctor.requirements(Matrix((), ()), {"PATH": str(tmp_path)})
        by_name = {r.name: r for r in found}
        assert by_name["mise"].version is None
        assert by_name["mise"].provide == "npm install -g @jdxcode/mise"
        assert not by_name["uv"].ok

    def test_cli_exit_status(self, make_repo: MakeRepo) -> None:
        """doctor exits 0 when everything is there, 1 naming what stops ``check`` (here: in CI)."""
        assert taskbelt(make_repo(name="ok").root, "doctor").returncode == 0
        pyproject = CLEAN_PYPROJECT.replace('["3.12"]', '["3.12", "3.98"]')
        repo = make_repo(pyproject=pyproject, name="missing").root
        done = taskbelt(repo, "doctor", env={"CI": "true"})
        assert done.returncode == 1
        assert "missing: python3.98" in done.stdout


@pytest.mark.mise
def test_python_sync_links_pyenv_into_isolated_mise(tmp_path: Path) -> None:
    """mise sync python --pyenv links the pyenv versions into a fresh mise data folder, not the user's."""
    env = {**os.environ, **isolated(tmp_path)}
    doctor.sync(env, cwd=tmp_path)
    linked = doctor.mise_versions(env)
    assert {"3.11", "3.12", "3.13"} <= linked
    installs = tmp_path / "mise-data" / "installs" / "python"
    assert (installs / "3.12").resolve().is_relative_to(Path.home() / ".pyenv" / "versions")
    report = doctor.seen(["3.12", "3.98"], env)
    assert report[0].mise
    assert report[0].taskbelt is not None
    assert not report[1].mise
    assert report[1].taskbelt is None


def test_three_python_matrix(make_repo: MakeRepo, tmp_path: Path) -> None:
    """Tests run on 3.11, 3.12 and 3.13 for real and coverage is combined over all three."""
    pyproject = CLEAN_PYPROJECT.replace('["3.12"]', '["3.11", "3.12", "3.13"]')
    files = {
        "src/demo/__init__.py": (
            "import sys\n\n\ndef which() -> str:\n"
            "    if sys.version_info >= (3, 13):\n        return 'new'\n"
            "    return 'old'\n"
        ),
        "tests/test_demo.py": "from demo import which\n\n\ndef test_which() -> None:\n    assert which() in {'new', 'old'}\n",
    }
    project = make_repo(files, pyproject=pyproject)
    report = tmp_path / "r.json"
    done = taskbelt(project.root, "run", "test", env={"TASKBELT_REPORT": str(report)})
    assert done.returncode == 0, done.stdout + done.stderr
    checks = {c["name"]: c for c in json.loads(report.read_text())["checks"]}
    assert {"test-3.11", "test-3.12", "test-3.13", "coverage"} == set(checks)
    # Each branch is taken only on some versions: 100 % needs the combination.
    assert checks["coverage"]["details"]["percent"] == 100.0
    assert checks["coverage"]["details"]["versions"] == ["3.11", "3.12", "3.13"]
    leftovers = [p for p in (project.state_dir / "coverage").iterdir() if p.is_dir()]
    assert leftovers == [], "the on-disk combine of several files cleans up after itself"
