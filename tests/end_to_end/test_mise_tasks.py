"""The mise tasks, included by a consumer repository, run taskbelt on that repository.

Real mise, with its data, state, cache and config folders isolated in the
test's temporary folder (never the developer's own).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import CLEAN_SRC, MakeRepo, include_taskbelt, mise

from taskbelt import defaults

pytestmark = [pytest.mark.slow, pytest.mark.mise]


def test_tasks_listed(make_repo: MakeRepo, tmp_path: Path) -> None:
    """Including taskbelt's tasks gives the repo every task, described."""
    project = make_repo()
    include_taskbelt(project)
    done = mise(project.root, "tasks", "ls", tmp=tmp_path)
    assert done.returncode == 0, done.stderr
    for task in ("check", "lint", "format", "fix", "typecheck", "test", "audit"):
        assert any(line.split()[:1] == [task] for line in done.stdout.splitlines()), task


def test_tasks_run_on_the_including_repo(make_repo: MakeRepo, tmp_path: Path) -> None:
    """mise run lint checks the consumer (not taskbelt), from a subfolder too, with exit 1 on findings."""
    project = make_repo({**CLEAN_SRC, "src/demo/extra.py": "import os\n"})
    include_taskbelt(project)
    report = project.root / "report.json"
    subfolder = project.root / "src" / "demo"
    done = mise(subfolder, "run", "lint", "--report", str(report), tmp=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "src/demo/extra.py:1:8: F401" in done.stdout
    assert json.loads(report.read_text())["status"] == "failed"
    assert (project.root / defaults.STATE_DIR_NAME / "runner").is_dir()
    assert not (defaults.TASKBELT_HOME / "src" / "demo").exists()


def test_fix_then_format_passes(make_repo: MakeRepo, tmp_path: Path) -> None:
    """format fails on an ugly file without touching it; fix rewrites it; format then passes."""
    project = make_repo({**CLEAN_SRC, "src/demo/ugly.py": "x  =  1\n"})
    include_taskbelt(project)
    ugly = project.root / "src/demo/ugly.py"
    failed = mise(project.root, "run", "format", tmp=tmp_path)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert ugly.read_text() == "x  =  1\n"
    assert mise(project.root, "run", "fix", tmp=tmp_path).returncode == 0
    assert ugly.read_text() == "x = 1\n"
    assert mise(project.root, "run", "format", tmp=tmp_path).returncode == 0


def test_launcher_skips_uv_when_taskbelt_env_is_synced(make_repo: MakeRepo, tmp_path: Path) -> None:
    """After the first task, taskbelt starts from its synced environment without uv.

    The second run has no uv on PATH at all (lint's environment is ready); a stamp that
    does not match (taskbelt's lock changed) makes the next task sync again.
    """
    project = make_repo()
    include_taskbelt(project)
    first = mise(project.root, "run", "lint", tmp=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    stamp = project.root / defaults.STATE_DIR_NAME / "runner" / ".taskbelt-synced"
    assert str(defaults.TASKBELT_HOME) in stamp.read_text()
    without_uv = tmp_path / "bin"
    without_uv.mkdir()
    for tool in ("mise", "git", "bash", "cat", "cksum", "dirname"):
        found = shutil.which(tool)
        assert found is not None, tool
        (without_uv / tool).symlink_to(found)
    second = mise(project.root, "run", "lint", tmp=tmp_path, path=str(without_uv))
    assert second.returncode == 0, second.stdout + second.stderr
    assert "no findings" in second.stdout
    stamp.write_text("stale\n")
    third = mise(project.root, "run", "lint", tmp=tmp_path, path=str(without_uv))
    assert third.returncode != 0, "a stale stamp must make the launcher sync with uv"
    again = mise(project.root, "run", "lint", tmp=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert stamp.read_text() != "stale\n"


def test_repository_tests_see_none_of_the_launchers_environment(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """`mise run pytest` gives the repo's tests its caller's environment, not the launcher's.

    The launcher syncs taskbelt's own environment with UV_PROJECT_ENVIRONMENT; exported,
    it reached every test suite (a suite that runs `uv run` there synced into taskbelt's
    environment) and every tool, and made verdicts differ between the two doors.
    """
    probe = """
        import os


        def test_environment() -> None:
            assert "UV_PROJECT_ENVIRONMENT" not in os.environ, os.environ["UV_PROJECT_ENVIRONMENT"]
        """
    project = make_repo({**CLEAN_SRC, "tests/test_environment.py": probe})
    include_taskbelt(project)
    done = mise(project.root, "run", "pytest", "-v", tmp=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout, done.stdout
