"""The pre-commit hook on real commits, and update on a real submodule."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
from conftest import CLEAN_SRC, MakeRepo, git, taskbelt_bare_repo

from taskbelt.commands import git_hook, update
from taskbelt.errors import ProjectError

pytestmark = pytest.mark.slow


def commit(root: Path, message: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@x.invalid"}
    env.update({"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@x.invalid"})
    return subprocess.run(
        ["git", "commit", "-qm", message],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


class TestHooks:
    def test_blocks_bad_commit_and_passes_good(self, make_repo: MakeRepo) -> None:
        """Only staged Python files are checked; findings block the commit, fast."""
        project = make_repo()
        path = git_hook.install(project)
        assert git_hook.MARKER in path.read_text()
        (project.root / "src/demo/bad.py").write_text("import os\n")
        (project.root / "src/demo/unstaged.py").write_text("import sys\n")
        git(project.root, "add", "src/demo/bad.py")
        started = time.perf_counter()
        blocked = commit(project.root, "bad")
        seconds = time.perf_counter() - started
        assert blocked.returncode != 0
        assert "bad.py:1:8: F401" in blocked.stdout + blocked.stderr
        assert "unstaged.py" not in blocked.stdout + blocked.stderr
        print(f"hook on one file: {seconds:.2f} s")  # measured, not asserted
        (project.root / "src/demo/bad.py").write_text('"""Fine."""\n')
        git(project.root, "add", "src/demo/bad.py")
        assert commit(project.root, "good").returncode == 0

    def test_format_checked(self, make_repo: MakeRepo) -> None:
        """A badly formatted staged file blocks the commit."""
        project = make_repo()
        git_hook.install(project)
        (project.root / "src/demo/ugly.py").write_text("x  =  1\n")
        git(project.root, "add", "src/demo/ugly.py")
        blocked = commit(project.root, "ugly")
        assert blocked.returncode != 0
        assert "would reformat" in blocked.stderr

    def test_the_hook_formats_with_the_repository_s_formatter(self, make_repo: MakeRepo) -> None:
        """The hook asks the same choice as the format check: ruff-format in pre-commit is ruff."""
        hooks_file = (
            "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n"
            "    rev: v0.16.3\n    hooks:\n      - id: ruff-format\n"
        )
        project = make_repo({**CLEAN_SRC, ".pre-commit-config.yaml": hooks_file})
        git_hook.install(project)
        (project.root / "src/demo/t.py").write_text(
            '"""Ruff-formatted."""\n\nx = 1  # type:ignore\n'
        )
        git(project.root, "add", "src/demo/t.py")
        done = commit(project.root, "ruff-formatted, not black-formatted")
        assert done.returncode == 0, done.stdout + done.stderr

    def test_the_hook_lints_by_the_repository_s_flake8_rules(self, make_repo: MakeRepo) -> None:
        """flake8's 79 columns hold in the hook too; black's 88 columns do not leak into lint."""
        project = make_repo({**CLEAN_SRC, ".flake8": "[flake8]\nextend-ignore = E203\n"})
        git_hook.install(project)
        (project.root / "src/demo/t.py").write_text(
            '"""Long."""\n\nx = "' + "a" * 80 + '"\n'  # 86 columns: black keeps it
        )
        git(project.root, "add", "src/demo/t.py")
        blocked = commit(project.root, "a line flake8 rejects")
        assert blocked.returncode != 0
        assert "src/demo/t.py:3:80: E501" in blocked.stdout + blocked.stderr

    def test_a_staged_secret_blocks_the_commit_and_what_is_not_staged_does_not(
        self, make_repo: MakeRepo
    ) -> None:
        """The index's version is read, any kind of file; the value is never printed."""
        token = "ghp_" + "k3Jd9sLq2WmZx8VbN4cR7tYp1HgF6eUa0Ioz"  # pragma: allowlist secret
        project = make_repo()
        git_hook.install(project)
        (project.root / "deploy").mkdir()
        (project.root / "deploy/settings.ini").write_text(f"[auth]\ntoken = {token}\n")
        git(project.root, "add", "deploy/settings.ini")
        blocked = commit(project.root, "a token")
        said = blocked.stdout + blocked.stderr
        assert blocked.returncode != 0, said
        assert "deploy/settings.ini:2: GitHub Token (sha1 " in said
        assert token not in said
        # the clean version staged, the token left in the working tree: the commit holds none
        (project.root / "deploy/settings.ini").write_text("[auth]\ntoken = from-the-vault\n")
        git(project.root, "add", "deploy/settings.ini")
        (project.root / "deploy/settings.ini").write_text(f"[auth]\ntoken = {token}\n")
        done = commit(project.root, "no token in the commit")
        assert done.returncode == 0, done.stdout + done.stderr

    def test_refuses_foreign_hook(self, make_repo: MakeRepo) -> None:
        """A hook taskbelt did not write is left alone."""
        project = make_repo()
        path = git_hook.hook_path(project.root)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\necho mine\n")
        with pytest.raises(ProjectError, match="not written by taskbelt"):
            git_hook.install(project)
        assert path.read_text() == "#!/bin/sh\necho mine\n"

    def test_reinstall_own_hook(self, make_repo: MakeRepo) -> None:
        """Running hooks again refreshes taskbelt's own hook."""
        project = make_repo()
        first = git_hook.install(project)
        assert git_hook.install(project) == first


def release(work: Path, version: str, line: str) -> None:
    changelog = work / "CHANGELOG.md"
    changelog.write_text(changelog.read_text() + f"\n## [{version}]\n\n- {line}\n")
    git(work, "commit", "-qam", f"release {version}")
    git(work, "tag", version)


def test_update_moves_submodule_and_shows_changelog(make_repo: MakeRepo, tmp_path: Path) -> None:
    """update goes to the newest tag (or a given ref) and prints the changelog lines in between."""
    bare = taskbelt_bare_repo(tmp_path)
    work = tmp_path / "taskbelt-work"
    git(tmp_path, "clone", "-q", str(bare), str(work))
    release(work, "v0.1.0", "First release.")
    release(work, "v0.2.0", "Faster checks.")
    git(work, "push", "-q", "--tags", "origin", "main")
    project = make_repo()
    git(
        project.root,
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        str(bare),
        ".taskbelt",
    )
    home = project.root / ".taskbelt"
    git(home, "checkout", "-q", "v0.1.0")
    moved = update.update(home)
    assert moved.target == "v0.2.0"
    assert git(home, "rev-parse", "HEAD").strip() == moved.new
    assert "- Faster checks." in moved.changelog
    assert "- First release." not in moved.changelog
    back = update.update(home, "v0.1.0")
    assert back.new == git(home, "rev-parse", "v0.1.0^{commit}").strip()
    assert update.update(home, "v0.1.0").old == back.new
    with pytest.raises(ProjectError, match="not a tag, branch or commit"):
        update.update(home, "v9.9.9")


def test_update_refuses_local_changes(tmp_path: Path) -> None:
    """A taskbelt checkout with local edits is not moved."""
    bare = taskbelt_bare_repo(tmp_path)
    work = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(bare), str(work))
    (work / "README.md").write_text("edited\n")
    with pytest.raises(ProjectError, match="local changes"):
        update.update(work, "HEAD")
