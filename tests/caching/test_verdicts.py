"""A cached verdict is exactly what a full run would say (issue: speed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CLEAN_SRC, MakeRepo, git, taskbelt

from taskbelt import defaults
from taskbelt.caching.key_environ import verdict_env
from taskbelt.caching.verdicts import VOLATILE_ENV, FileIndex, VerdictCache, spec_inputs
from taskbelt.checks import registry
from taskbelt.environments.matrix import Matrix
from taskbelt.ledger import book
from taskbelt.repository.project import Project
from taskbelt.results import CheckResult, Status
from taskbelt.running.orchestrator import Runner
from taskbelt.tools.interpreters import Interpreter


def statuses(report: Path) -> dict[str, str]:
    data = json.loads(report.read_text())
    return {c["name"]: ("cached" if c["cached"] else c["status"]) for c in data["checks"]}


class TestVerdictCache:
    def test_only_passes_are_stored(self, make_repo: MakeRepo) -> None:
        """A failed or errored result removes the entry; a passed one is returned as cached."""
        project = make_repo()
        cache = VerdictCache(project.root, project.state_dir, {})
        key = cache.key("lint")
        cache.put("lint", key, CheckResult("lint", Status.PASSED, 1.0, "no findings"))
        hit = cache.get("lint", key)
        assert hit is not None
        assert hit.summary == "cached: no findings"
        assert hit.details["cached"] is True
        cache.put("lint", key, CheckResult("lint", Status.FAILED, 1.0, "1 finding"))
        assert cache.get("lint", key) is None

    def test_key_follows_content_not_mtime(self, make_repo: MakeRepo) -> None:
        """Touching a file keeps the key; changing its content changes it."""
        project = make_repo()
        source = project.root / "src/demo/__init__.py"
        first = VerdictCache(project.root, project.state_dir, {}).key("lint")
        os.utime(source, (1, 1))
        assert VerdictCache(project.root, project.state_dir, {}).key("lint") == first
        source.write_text(source.read_text() + "\n# changed\n")
        assert VerdictCache(project.root, project.state_dir, {}).key("lint") != first

    def test_a_changed_bandit_configuration_changes_the_audit_s_key(
        self, make_repo: MakeRepo
    ) -> None:
        """``.bandit`` decides what bandit checks: its edit must not reuse the old verdict."""
        project = make_repo()
        (project.root / ".bandit").write_text("[bandit]\nskips = B101\n")
        first = VerdictCache(project.root, project.state_dir, {}).key("audit")
        (project.root / ".bandit").write_text("[bandit]\nskips = B404\n")
        assert VerdictCache(project.root, project.state_dir, {}).key("audit") != first

    def test_static_checks_ignore_data_files(self, make_repo: MakeRepo) -> None:
        """A README edit does not rerun lint, but it does rerun the tests (they may read it)."""
        project = make_repo()
        before = VerdictCache(project.root, project.state_dir, {})
        lint_key, test_key = before.key("lint"), before.key("test-3.12", files="all", environ="all")
        (project.root / "README.md").write_text("new\n")
        after = VerdictCache(project.root, project.state_dir, {})
        assert after.key("lint") == lint_key
        assert after.key("test-3.12", files="all", environ="all") != test_key

    def test_recording_the_ledger_reruns_only_the_checks_it_judges(
        self, make_repo: MakeRepo, python312: Interpreter
    ) -> None:
        """The ledger is in lint's spec, not among any check's files: the tests keep their verdict."""
        project = make_repo()
        book.write(project.root, book.Ledger())
        runner = Runner(Project.load(project.root), Matrix((python312,), ()))
        asked = [registry.resolve(n) for n in ("test-3.12", "lint", "format")]
        sessions = [c.check.session(c.version) for c in asked if c is not None]
        assert len(sessions) == 3
        before = VerdictCache(project.root, project.state_dir, {})
        files = [before.key("t", files="all", environ="all"), before.key("f")]
        specs = [runner.spec(s) for s in sessions]
        (project.root / "taskbelt-ledger.toml").write_text(
            'version = 1\n\n[[group]]\nreason = "r"\n', encoding="utf-8"
        )
        after = VerdictCache(project.root, project.state_dir, {})
        assert [after.key("t", files="all", environ="all"), after.key("f")] == files
        runner = Runner(Project.load(project.root), Matrix((python312,), ()))
        now = [runner.spec(s) for s in sessions]
        assert now[0] == specs[0], "the tests' spec holds no ledger"
        assert now[2] == specs[2], "nor does format's"
        assert now[1] != specs[1], "lint's does"
        keys = [spec_inputs(spec, {"test-3.12": "k"}) for spec in (specs[1], now[1])]
        assert keys[0] != keys[1], "and lint's cache key follows it: no cached pass survives"

    def test_environment_and_inputs_count(self, make_repo: MakeRepo) -> None:
        """A TASKBELT_* setting or another interpreter changes the key; the report path does not."""
        project = make_repo()
        base = VerdictCache(project.root, project.state_dir, {}).key(
            "test-3.12", ["/py/3.12"], files="all", environ="all"
        )
        env = {"TASKBELT_FAIL_UNDER": "50"}
        assert (
            VerdictCache(project.root, project.state_dir, env).key(
                "test-3.12", ["/py/3.12"], files="all", environ="all"
            )
            != base
        )
        report = {defaults.ENV_REPORT: "elsewhere/r.json"}
        assert (
            VerdictCache(project.root, project.state_dir, report).key(
                "test-3.12", ["/py/3.12"], files="all", environ="all"
            )
            == base
        )
        assert (
            VerdictCache(project.root, project.state_dir, {}).key(
                "test-3.12", ["/py/other"], files="all", environ="all"
            )
            != base
        )

    def test_index_survives_garbage(self, tmp_path: Path) -> None:
        """A corrupt file index is rebuilt, not trusted."""
        (tmp_path / "file-index.json").write_text("{not json")
        assert FileIndex.load(tmp_path).entries == {}


@pytest.mark.slow
def test_rerun_rules_end_to_end(make_repo: MakeRepo, tmp_path: Path) -> None:
    """Unchanged: cached. Source, config, lock and tool pins: rerun. Failures: never cached."""
    project = make_repo()
    report = tmp_path / "r.json"
    env = {"TASKBELT_REPORT": str(report)}
    names = ("lint", "format", "typecheck", "test")

    assert taskbelt(project.root, "run", *names, env=env).returncode == 0
    assert set(statuses(report).values()) == {"passed"}
    assert taskbelt(project.root, "run", *names, env=env).returncode == 0
    assert set(statuses(report).values()) == {"cached"}

    os.utime(project.root / "src/demo/__init__.py", (5, 5))
    assert taskbelt(project.root, "run", "lint", "test", env=env).returncode == 0
    assert set(statuses(report).values()) == {"cached"}

    (project.root / "src/demo/extra.py").write_text("import os\n")
    failed = taskbelt(project.root, "run", "lint", env=env)
    assert failed.returncode == 1
    again = taskbelt(project.root, "run", "lint", env=env)
    assert again.returncode == 1, "a failure is never cached"
    assert statuses(report) == {"lint": "failed"}
    (project.root / "src/demo/extra.py").unlink()

    (project.root / "pyproject.toml").write_text(
        (project.root / "pyproject.toml").read_text() + "\n[tool.ruff.lint]\nselect = ['E']\n"
    )
    taskbelt(project.root, "run", "lint", "typecheck", env=env)
    assert statuses(report) == {"lint": "passed", "typecheck": "passed"}, "config change reruns"

    no_cache = taskbelt(project.root, "run", "lint", "--no-cache", env=env)
    assert no_cache.returncode == 0
    assert statuses(report) == {"lint": "passed"}
    via_env = taskbelt(project.root, "run", "lint", env={**env, "TASKBELT_NO_CACHE": "1"})
    assert via_env.returncode == 0
    assert statuses(report) == {"lint": "passed"}
    git(project.root, "status", "--porcelain")


@pytest.mark.slow
def test_python_version_change_reruns_tests(make_repo: MakeRepo, tmp_path: Path) -> None:
    """Switching the matrix to another Python runs the tests there; coverage follows."""
    project = make_repo()
    report = tmp_path / "r.json"
    assert (
        taskbelt(project.root, "run", "test", env={"TASKBELT_REPORT": str(report)}).returncode == 0
    )
    other = {"TASKBELT_REPORT": str(report), "TASKBELT_PYTHON": "3.11"}
    assert taskbelt(project.root, "run", "test", env=other).returncode == 0
    assert statuses(report) == {"test-3.11": "passed", "coverage": "passed"}


@pytest.mark.slow
def test_cached_tests_restore_their_coverage(make_repo: MakeRepo, tmp_path: Path) -> None:
    """After a failing detour, returning to passing code reuses the tests and their own coverage data."""
    project = make_repo()
    report = tmp_path / "r.json"
    env = {"TASKBELT_REPORT": str(report)}
    assert taskbelt(project.root, "run", "test", env=env).returncode == 0
    test_file = project.root / "tests/test_demo.py"
    good = test_file.read_text()
    test_file.write_text("def test_bad() -> None:\n    assert False\n")
    assert taskbelt(project.root, "run", "test", env=env).returncode == 1
    test_file.write_text(good)
    done = taskbelt(project.root, "-v", "run", "test", env=env)
    assert done.returncode == 0, done.stdout
    assert statuses(report)["test-3.12"] == "cached"
    assert statuses(report)["coverage"] in {"cached", "passed"}
    assert "100.00% covered" in done.stdout
    if statuses(report)["coverage"] == "cached":
        assert "started ahead" not in done.stderr, "no report process for a cached verdict"


@pytest.mark.slow
def test_lock_and_tool_pins_are_inputs(make_repo: MakeRepo) -> None:
    """uv.lock is an input of the static checks; taskbelt's tool locks are inputs of every check."""
    project = make_repo({**CLEAN_SRC, "uv.lock": "version = 1\n"})
    key = VerdictCache(project.root, project.state_dir, {}).key("typecheck")
    (project.root / "uv.lock").write_text("version = 1\n# changed\n")
    assert VerdictCache(project.root, project.state_dir, {}).key("typecheck") != key
    lock = defaults.LOCKS_DIR / "lint.txt"
    cache = VerdictCache(project.root, project.state_dir, {})
    assert any(p == os.path.relpath(lock, defaults.TASKBELT_HOME) for p in cache._taskbelt_files())


@pytest.mark.slow
def test_concurrent_runs_in_one_repo_and_in_two(make_repo: MakeRepo, tmp_path: Path) -> None:
    """Two runs at once in one repo take turns; runs in two repos go side by side; all pass."""
    first = make_repo(name="one")
    second = make_repo(name="two")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKBELT_")}
    env.pop("CI", None)
    env["TASKBELT_NO_CACHE"] = "1"
    argv = [sys.executable, "-m", "taskbelt", "run", "lint", "test"]
    procs = [
        subprocess.Popen(
            argv, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for root in (first.root, first.root, second.root)
    ]
    outputs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outputs
    assert any("another run is using this repository" in err for _, err in outputs[:2])
    assert all("100.00% covered" in out for out, _ in outputs)


class TestVerdictEnv:
    """Which environment variables are part of a check's key."""

    ENV = {  # noqa: RUF012 - read only
        "PYTEST_ADDOPTS": "--deselect t.py::bad",
        "DATABASE_URL": "sqlite://",
        "RUFF_OUTPUT_FORMAT": "concise",
        "TASKBELT_PYTHON": "3.12",
        "TASKBELT_REPORT": "r.json",
        "MISE_TASK_NAME": "check",
        "OLDPWD": "/",
        "SSH_TTY": "/dev/pts/1",
    }

    def test_the_tests_key_holds_everything_but_the_terminal(self) -> None:
        names = [line.split("=", 1)[0] for line in verdict_env(True, self.ENV, VOLATILE_ENV)]
        assert names == ["DATABASE_URL", "PYTEST_ADDOPTS", "RUFF_OUTPUT_FORMAT", "TASKBELT_PYTHON"]

    def test_a_static_check_key_holds_what_its_tools_read(self) -> None:
        names = [line.split("=", 1)[0] for line in verdict_env(False, self.ENV, VOLATILE_ENV)]
        assert names == ["PYTEST_ADDOPTS", "RUFF_OUTPUT_FORMAT", "TASKBELT_PYTHON"]
