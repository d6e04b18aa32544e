"""The taskbelt command end to end: real processes, real nox, real tools.

Each test makes a throwaway repository and runs ``python -m taskbelt`` in it
as a user would (the mise tasks call the same command).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from conftest import (
    CLEAN_PYPROJECT,
    CLEAN_SRC,
    MakeRepo,
    assert_two_line_error,
    git,
    taskbelt,
    write_files,
)

from taskbelt import defaults

pytestmark = pytest.mark.slow


class TestBadInput:
    def test_no_pyproject(self, tmp_path: Path) -> None:
        """No pyproject.toml: exit 2 with cause and fix."""
        assert_two_line_error(taskbelt(tmp_path, "check"), "no pyproject.toml")

    def test_malformed_toml(self, tmp_path: Path) -> None:
        """Malformed TOML: exit 2, the file and line named."""
        write_files(tmp_path, {"pyproject.toml": "[tool.taskbelt\n"})
        assert_two_line_error(taskbelt(tmp_path, "check"), "invalid TOML")

    def test_mistyped_key(self, tmp_path: Path) -> None:
        """fail_undr: exit 2, names the key and suggests fail-under."""
        write_files(tmp_path, {"pyproject.toml": "[tool.taskbelt]\nfail_undr = 80\n"})
        done = taskbelt(tmp_path, "check")
        assert_two_line_error(done, "unknown key 'fail_undr'")
        assert "did you mean 'fail-under'?" in done.stderr

    def test_fail_under_out_of_range(self, tmp_path: Path) -> None:
        """fail-under = 150: exit 2, the value shown."""
        write_files(tmp_path, {"pyproject.toml": "[tool.taskbelt]\nfail-under = 150\n"})
        assert_two_line_error(taskbelt(tmp_path, "check"), "fail-under")

    def test_missing_python_in_ci(self, make_repo: MakeRepo) -> None:
        """In CI a listed Python that is not installed stops the run, naming it."""
        pyproject = CLEAN_PYPROJECT.replace('["3.12"]', '["3.12", "3.98"]')
        project = make_repo(pyproject=pyproject)
        done = taskbelt(project.root, "run", "test", env={"CI": "true"})
        assert_two_line_error(done, "Python 3.98")
        assert "mise install python@3.98" in done.stderr

    @pytest.mark.parametrize(
        ("setting", "cause", "fix"),
        [
            ("skip = ['typechek']", "skip: 'typechek' is not a check", "did you mean 'typecheck'?"),
            ("timeout = { lnt = 60 }", "[tool.taskbelt.timeout] unknown key 'lnt'", "'lint'"),
        ],
    )
    def test_a_setting_naming_no_check(
        self, tmp_path: Path, setting: str, cause: str, fix: str
    ) -> None:
        """`skip` and `timeout` keys are checked against the checks, by validate-config too."""
        write_files(tmp_path, {"pyproject.toml": f"[tool.taskbelt]\n{setting}\n"})
        for command in ("validate-config", "check"):
            done = taskbelt(tmp_path, command)
            assert_two_line_error(done, cause)
            assert fix in done.stderr

    def test_unknown_check_name(self, tmp_path: Path) -> None:
        """A check that does not exist is a usage error (exit 2)."""
        done = taskbelt(tmp_path, "run", "lnit")
        assert done.returncode == 2
        assert "invalid choice: 'lnit'" in done.stderr


class TestRuns:
    def test_clean_repo_passes_with_report(self, make_repo: MakeRepo) -> None:
        """A clean src-layout repo passes; the JSON report lists every check; tracked files untouched."""
        project = make_repo()
        (project.root / ".gitignore").write_text(".taskbelt-cache/\n")
        git(project.root, "add", ".gitignore")
        git(project.root, "commit", "-qm", "ignore")
        report = project.root / ".taskbelt-cache" / "report.json"
        done = taskbelt(
            project.root,
            "run",
            "lint",
            "format",
            "typecheck",
            "test",
            env={"TASKBELT_REPORT": str(report)},
        )
        assert done.returncode == 0, done.stdout + done.stderr
        data = json.loads(report.read_text())
        assert data["status"] == "passed"
        names = [c["name"] for c in data["checks"]]
        assert names == ["lint", "format", "typecheck", "test-3.12", "coverage"]
        assert all(c["status"] == "passed" for c in data["checks"])
        assert {"name", "status", "seconds", "summary"} <= set(data["checks"][0])
        assert "pyproject.toml (resolved now: no uv.lock)" in done.stdout
        # Tracked files are never written (a setuptools project without a
        # [build-system] may get an untracked *.egg-info from the editable install).
        assert git(project.root, "status", "--porcelain", "--untracked-files=no") == ""

    def test_prepare_then_check_installs_nothing(self, make_repo: MakeRepo) -> None:
        """prepare makes every environment and runs no tool; the check after it installs nothing."""
        project = make_repo({**CLEAN_SRC, "src/demo/extra.py": "import os\n"})
        ready = taskbelt(project.root, "prepare", "lint", "typecheck", "-v")
        assert ready.returncode == 0, ready.stdout + ready.stderr
        assert "uv pip install" in ready.stderr
        assert "$ ruff" not in ready.stderr
        assert "$ mypy" not in ready.stderr
        envs_dir = project.state_dir / defaults.ENVS_SUBDIR
        assert {p.name for p in envs_dir.iterdir()} >= {
            "tools-lint",
            "tools-typecheck",
            "typecheck-project-3.12",
        }
        done = taskbelt(project.root, "run", "lint", "typecheck", "-v")
        assert done.returncode == 1, done.stdout + done.stderr
        assert "src/demo/extra.py:1:8: F401" in done.stdout
        assert "taskbelt: [lint] $ ruff check" in done.stderr, "-v names each command's check"
        assert "uv pip install" not in done.stderr
        assert "uv venv" not in done.stderr

    def test_prepare_unknown_check_exits_2(self, make_repo: MakeRepo) -> None:
        """A misspelt check name is a two-line error."""
        assert_two_line_error(taskbelt(make_repo().root, "prepare", "lnt"), "unknown check 'lnt'")

    def test_lint_failure_exit_1(self, make_repo: MakeRepo) -> None:
        """A lint finding: exit 1, the finding's place in the table and details."""
        project = make_repo({**CLEAN_SRC, "src/demo/extra.py": "import os\n"})
        done = taskbelt(project.root, "run", "lint")
        assert done.returncode == 1, done.stdout + done.stderr
        assert "src/demo/extra.py:1:8: F401" in done.stdout
        assert "taskbelt: failed" in done.stdout

    def test_tool_crash_is_error_exit_2(self, make_repo: MakeRepo) -> None:
        """A tool that crashes gives verdict error, exit 2, and its stderr is shown."""
        pyproject = CLEAN_PYPROJECT + "[tool.ruff]\nline-length = 'long'\n"
        done = taskbelt(make_repo(pyproject=pyproject).root, "run", "lint")
        assert done.returncode == 2
        assert "ruff crashed" in done.stdout
        assert "line-length" in done.stdout

    def test_flat_layout_with_lock(self, make_repo: MakeRepo) -> None:
        """A flat-layout repo with uv.lock installs the locked set and says so."""
        pyproject = (
            "[project]\nname = 'flatdemo'\nversion = '0.1.0'\nrequires-python = '>=3.9'\n"
            "dependencies = ['iniconfig==2.0.0']\n"
            "[build-system]\nrequires = ['hatchling']\nbuild-backend = 'hatchling.build'\n"
            "[tool.taskbelt]\npython = ['3.12']\n"
        )
        files = {
            "flatdemo/__init__.py": "import iniconfig\n\n\ndef name() -> str:\n    return iniconfig.__name__\n",
            "tests/test_flat.py": "from flatdemo import name\n\n\ndef test_name() -> None:\n    assert name() == 'iniconfig'\n",
        }
        project = make_repo(files, pyproject=pyproject)
        locked = subprocess.run(
            ["uv", "lock", "--quiet"], cwd=project.root, check=False, capture_output=True, text=True
        )
        assert locked.returncode == 0, locked.stderr
        done = taskbelt(project.root, "run", "test")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "dependencies: uv.lock (frozen)" in done.stdout
        assert "100.00% covered" in done.stdout

    def test_skip_setting_is_a_skipped_row_saying_so(self, make_repo: MakeRepo) -> None:
        """`skip = ["typecheck"]`: a skipped row with its reason, the rest runs; the fast answer too."""
        project = make_repo(pyproject=CLEAN_PYPROJECT + 'skip = ["typecheck"]\n')
        report = project.root / "report.json"
        for cached in (False, True):
            verbose = [] if cached else ["-v"]
            args = ("run", "lint", "typecheck", *verbose, "--report", str(report))
            done = taskbelt(project.root, *args)
            assert done.returncode == 0, done.stdout + done.stderr
            rows = {c["name"]: c for c in json.loads(report.read_text())["checks"]}
            assert rows["lint"]["status"] == "passed"
            assert rows["lint"].get("cached", False) is cached
            assert rows["typecheck"]["status"] == "skipped"
            assert rows["typecheck"]["summary"] == "skipped by [tool.taskbelt] skip"
            assert "skipped by [tool.taskbelt] skip" in done.stdout
            if not cached:
                assert "ruff" in done.stderr, "-v shows each tool's command"
                assert "mypy" not in done.stdout + done.stderr

    def test_missing_python_skipped_locally(self, make_repo: MakeRepo) -> None:
        """Locally a missing listed Python is skipped, visibly, and the rest runs."""
        pyproject = CLEAN_PYPROJECT.replace('["3.12"]', '["3.12", "3.98"]')
        done = taskbelt(make_repo(pyproject=pyproject).root, "run", "test")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "test-3.98" in done.stdout
        assert "skipped" in done.stdout
        assert "Python 3.98 skipped: not installed" in done.stdout

    def test_verbose_shows_commands_not_secrets(self, make_repo: MakeRepo) -> None:
        """-v prints each tool's exact command; a secret env value never appears."""
        files = {
            **CLEAN_SRC,
            "tests/test_demo.py": (
                "import os\n\n\ndef test_leak() -> None:\n"
                "    assert os.environ['DEPLOY_TOKEN'] == 'nope'\n"
            ),
        }
        project = make_repo(files)
        secret = "s3cr3t-value-123"  # pragma: allowlist secret  # noqa: S105 - the value the test hunts for
        done = taskbelt(project.root, "-v", "run", "lint", "test", env={"DEPLOY_TOKEN": secret})
        assert done.returncode == 1
        assert "$ ruff check --no-fix --output-format json" in done.stderr
        assert "jobs/pytest_main.py -o cache_dir=" in done.stderr
        assert "coverage_report.py" in done.stderr
        assert (
            "(started ahead of its input)" in done.stderr
        ), "coverage's jobs start during the tests"
        assert secret not in done.stdout + done.stderr
        assert "***" in done.stdout


@pytest.mark.slow
def test_setup_cfg_era_consumer(make_repo: MakeRepo) -> None:
    """A PEP 621 repo whose pytest lives in tox.ini and mypy in setup.cfg: both honoured."""
    pyproject = (
        "[project]\nname = 'legacy'\nversion = '1.0'\nrequires-python = '>=3.9'\n"
        "[tool.taskbelt]\npython = ['3.12']\n"
    )
    files = {
        "legacy/__init__.py": "def double(x):\n    return x * 2\n",
        "checks/test_legacy.py": "from legacy import double\n\n\ndef test_double() -> None:\n    assert double(2) == 4\n",
        "tox.ini": "[pytest]\ntestpaths = checks\n",
        "setup.cfg": "[options]\npackages = legacy\n\n[mypy]\ndisallow_untyped_defs = True\n",
    }
    project = make_repo(files, pyproject=pyproject)
    done = taskbelt(project.root, "run", "typecheck", "test")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "legacy/__init__.py:1:1: error: Function is missing a type annotation" in done.stdout
    assert "[no-untyped-def]" in done.stdout, "setup.cfg's [mypy] is used"
    assert re.search(
        r"^test-3\.12\s+passed\s+.*1 passed", done.stdout, re.M
    ), "tox.ini's testpaths found the tests"


def test_small_commands_as_a_user_types_them(make_repo: MakeRepo) -> None:
    """validate-config, init (check, wire, again, check) and hooks, as a user types them."""
    project = make_repo()
    valid = taskbelt(project.root, "validate-config")
    assert valid.returncode == 0, valid.stderr
    assert "[tool.taskbelt] is valid" in valid.stdout
    unwired = taskbelt(project.root, "init", "--check")
    assert unwired.returncode == 1
    assert unwired.stdout.startswith("not wired:")
    wired = taskbelt(project.root, "init")
    assert wired.returncode == 0, wired.stderr
    assert wired.stdout.startswith("added ")
    assert str(defaults.TASKBELT_HOME / "tasks") in (project.root / "mise.toml").read_text()
    again = taskbelt(project.root, "init")
    assert again.stdout.startswith("already wired:")
    assert taskbelt(project.root, "init", "--check").returncode == 0
    hooked = taskbelt(project.root, "hooks")
    assert hooked.returncode == 0, hooked.stderr
    hook = project.root / ".git" / "hooks" / "pre-commit"
    assert "installed by taskbelt" in hook.read_text()
    assert str(project.state_dir / "envs" / "tools-format" / "bin" / "ruff") in hook.read_text()
