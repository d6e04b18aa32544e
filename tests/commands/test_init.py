"""Adopting taskbelt by reference: init wires mise.toml, nothing else; submodules end to end."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from conftest import CLEAN_SRC, MakeRepo, git, mise, taskbelt_bare_repo

from taskbelt import defaults
from taskbelt.commands import init as adopt
from taskbelt.errors import ConfigError, ProjectError


@pytest.fixture
def fake_home(tmp_path: Path) -> Path:
    """A folder that looks like a taskbelt checkout inside a repo."""
    root = tmp_path / "repo"
    home = root / "tools" / "task belt"
    (home / "tasks").mkdir(parents=True)
    (home / "tasks" / "check").write_text("")
    (home / "noxfile.py").write_text("")
    return home


class TestWire:
    def test_creates_mise_toml(self, fake_home: Path) -> None:
        """Without a mise.toml, init creates one holding only the include."""
        root = fake_home.parents[1]
        wiring = adopt.wire(root, fake_home)
        assert wiring.changed
        assert (root / "mise.toml").read_text() == (
            '[task_config]\nincludes = ["tools/task belt/tasks"]\n'
        )

    def test_keeps_comments_and_order(self, fake_home: Path) -> None:
        """An existing file keeps its comments, tables and entries; the include is appended."""
        root = fake_home.parents[1]
        original = (
            '# my tools\n[tools]\npython = "3.12"  # pinned\n\n'
            '[task_config]\nincludes = ["mytasks"]  # ours\n\n[env]\nA = "1"\n'
        )
        (root / "mise.toml").write_text(original)
        adopt.wire(root, fake_home)
        text = (root / "mise.toml").read_text()
        assert text.startswith('# my tools\n[tools]\npython = "3.12"  # pinned\n')
        assert 'includes = ["mytasks", "tools/task belt/tasks"]' in text
        assert text.endswith('[env]\nA = "1"\n')

    def test_idempotent(self, fake_home: Path) -> None:
        """A second run changes nothing."""
        root = fake_home.parents[1]
        adopt.wire(root, fake_home)
        before = (root / "mise.toml").read_bytes()
        assert not adopt.wire(root, fake_home).changed
        assert (root / "mise.toml").read_bytes() == before

    def test_check_only_reports(self, fake_home: Path) -> None:
        """--check never writes."""
        root = fake_home.parents[1]
        wiring = adopt.wire(root, fake_home, check=True)
        assert not wiring.wired
        assert not (root / "mise.toml").exists()

    def test_invalid_toml_untouched(self, fake_home: Path) -> None:
        """A broken mise.toml is an error and stays exactly as it was."""
        root = fake_home.parents[1]
        (root / "mise.toml").write_text("[task_config\n")
        with pytest.raises(ConfigError, match="invalid TOML"):
            adopt.wire(root, fake_home)
        assert (root / "mise.toml").read_text() == "[task_config\n"

    def test_not_taskbelt(self, tmp_path: Path) -> None:
        """A path that does not hold taskbelt is refused."""
        with pytest.raises(ProjectError, match="does not contain taskbelt"):
            adopt.wire(tmp_path, tmp_path)

    def test_not_a_git_repo(self, tmp_path: Path) -> None:
        """init outside a git repository says so."""
        with pytest.raises(ProjectError, match="not inside a git repository"):
            adopt.repo_root(tmp_path)


@pytest.mark.slow
@pytest.mark.mise
@pytest.mark.parametrize("path", [".taskbelt", "tools/task belt"])
def test_submodule_end_to_end(make_repo: MakeRepo, tmp_path: Path, path: str) -> None:
    """git submodule add + tasks/init wires the repo; tasks run on the consumer."""
    bare = taskbelt_bare_repo(tmp_path)
    project = make_repo({**CLEAN_SRC, "src/demo/extra.py": "import os\n"})
    git(project.root, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(bare), path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TASKBELT_", "MISE_"))}
    init = project.root / path / "tasks" / "init"
    done = subprocess.run(
        [str(init)], cwd=project.root, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"added '{path}/tasks'" in done.stdout
    assert (
        project.root / "mise.toml"
    ).read_text() == f'[task_config]\nincludes = ["{path}/tasks"]\n'
    assert (project.root / "mise.toml").stat().st_mode & 0o777 == 0o644
    again = subprocess.run(
        [str(init), "--check"],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 0
    assert again.stdout.startswith("wired:")
    lint = mise(project.root, "run", "lint", tmp=tmp_path)
    assert lint.returncode == 1, lint.stdout + lint.stderr
    assert "src/demo/extra.py:1:8: F401" in lint.stdout
    assert "1 finding;" in lint.stdout, "the vendored taskbelt is not linted as the repo's code"
    fmt = mise(project.root, "run", "format", tmp=tmp_path)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    assert any((project.root / defaults.STATE_DIR_NAME / defaults.ENVS_SUBDIR).glob("*/pyvenv.cfg"))
    assert not (project.root / path / defaults.STATE_DIR_NAME).exists()


@pytest.mark.slow
def test_init_outside_git_exits_2(tmp_path: Path) -> None:
    """Run by hand outside any repository, init fails with cause and fix."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TASKBELT_", "MISE_"))}
    done = subprocess.run(
        [str(defaults.TASKBELT_HOME / "tasks" / "init")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "not inside a git repository" in done.stderr
    assert "Traceback" not in done.stderr
