"""taskbelt without mise: its noxfile run by uvx nox, and a repository's own noxfile using it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import ADVISORY_DB, CLEAN_SRC, MakeRepo, shell_environ, uvx_nox

from taskbelt import defaults

pytestmark = pytest.mark.slow


def test_lint_session_without_mise(make_repo: MakeRepo) -> None:
    """uvx nox -f taskbelt/noxfile.py -s lint checks the repo it is run in and fails on findings."""
    project = make_repo({**CLEAN_SRC, "src/demo/extra.py": "import os\n"})
    done = uvx_nox(project.root, "-f", str(defaults.NOXFILE), "-s", "lint")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "src/demo/extra.py:1:8: F401" in done.stdout
    assert re.search(r"^lint\s+failed", done.stdout, re.M), done.stdout
    assert (project.root / defaults.STATE_DIR_NAME / defaults.ENVS_SUBDIR).is_dir()


def test_nox_sessions_answer_from_the_verdict_cache_as_mise_does(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """-s lint and -s test-3.12 take the CLI's path: verdict cache, table, JSON report.

    Run twice, the second run of each is answered from the cache, as a second
    `mise run lint` is; `-- --report` writes the same JSON report.
    """
    project = make_repo()
    report = tmp_path / "report.json"  # outside the repository: a new file there is an input
    nox = ["-f", str(defaults.NOXFILE), "-s"]
    for session in ("lint", "test-3.12"):
        for _ in range(2):
            done = uvx_nox(project.root, *nox, session, "--", "--report", str(report))
            assert done.returncode == 0, done.stdout + done.stderr
        assert re.search(rf"^{re.escape(session)}\s+cached", done.stdout, re.M), done.stdout
        data = json.loads(report.read_text())
        assert [(c["name"], c["cached"]) for c in data["checks"]] == [(session, True)]


def test_a_verdict_from_the_cli_answers_the_nox_door(make_repo: MakeRepo) -> None:
    """lint passed through the CLI is `cached` for `uvx nox -s lint`: one verdict, two doors.

    Both start from the same shell environment (nox script mode's own VIRTUAL_ENV,
    UV_PYTHON and PATH entry are taken out before the key is made).
    """
    project = make_repo()
    first = subprocess.run(
        [sys.executable, "-m", "taskbelt", "run", "lint"],
        cwd=project.root,
        env={**shell_environ(), "PWD": str(project.root)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert first.returncode == 0, first.stdout + first.stderr
    done = uvx_nox(project.root, "-f", str(defaults.NOXFILE), "-s", "lint")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^lint\s+cached", done.stdout, re.M), done.stdout


def test_sessions_run_by_nox_in_taskbelt_environment(make_repo: MakeRepo) -> None:
    """nox from taskbelt's own environment lists and runs the same sessions.

    (The uvx tests above run the user's path; this one runs nox in the test's
    Python, so coverage measures the session code too.)
    """
    project = make_repo({**CLEAN_SRC, "src/demo/extra.py": "import os\n"})
    nox = [sys.executable, "-m", "nox", "-f", str(defaults.NOXFILE)]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TASKBELT_")}
    environ.pop("CI", None)
    environ["PWD"] = str(project.root)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*nox, *args],
            cwd=project.root,
            env=environ,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )

    listed = run("-l")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    for name in ("lint", "format", "fix", "typecheck", "coverage", "audit", "test-3.12", "check"):
        assert re.search(rf"^[*-] {re.escape(name)}\b", listed.stdout, re.M), name
    done = run("-s", "lint", "typecheck")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "src/demo/extra.py:1:8: F401" in done.stdout
    assert re.search(r"^lint\s+failed", done.stdout, re.M), done.stdout
    assert re.search(r"^typecheck\s+passed", done.stdout, re.M), "nox went on after lint failed"
    assert re.search(r"Session lint (failed|aborted)", done.stderr), done.stderr


def test_check_session_without_mise(make_repo: MakeRepo) -> None:
    """-s check runs every check and prints the summary; exit 0 on a clean repo."""
    project = make_repo()
    done = uvx_nox(
        project.root,
        "-f",
        str(defaults.NOXFILE),
        "-s",
        "check",
        env={"TASKBELT_AUDIT__ADVISORY_DB": str(ADVISORY_DB)},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("lint", "format", "typecheck", "test-3.12", "coverage", "audit"):
        assert re.search(rf"^{re.escape(name)}\s+passed", done.stdout, re.M), name
    assert "taskbelt: passed" in done.stdout


def test_repository_noxfile_from_readme(make_repo: MakeRepo) -> None:
    """The README's example noxfile registers taskbelt's sessions beside the repo's own."""
    readme = (defaults.TASKBELT_HOME / "README.md").read_text()
    example = readme.split("<!-- consumer-noxfile -->\n```python\n", 1)[1].split("```", 1)[0]
    project = make_repo({**CLEAN_SRC, "noxfile.py": example})
    os.symlink(defaults.TASKBELT_HOME, project.root / ".taskbelt")
    listed = uvx_nox(project.root, "-l")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    for name in ("hello", "lint", "typecheck", "test-3.12", "check"):
        assert re.search(rf"^[*-] {re.escape(name)}\b", listed.stdout, re.M), name
    done = uvx_nox(project.root, "-s", "hello", "lint")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "hello from the repository's own session" in done.stderr
    assert re.search(r"^lint\s+passed", done.stdout, re.M), done.stdout


def test_the_noxfiles_script_dependencies_are_taskbelt_s_own() -> None:
    """nox's script mode installs these for ``uvx nox -f``: a runtime dependency missing here
    (identify, once) fails every session with ModuleNotFoundError. The README's example too."""
    home = defaults.TASKBELT_HOME
    own = tomllib.loads((home / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pattern = re.compile(r"^# dependencies = (\[.*\])$", re.M)
    for text in (
        (home / "noxfile.py").read_text(encoding="utf-8"),
        (home / "README.md").read_text(encoding="utf-8"),
    ):
        found = pattern.search(text)
        assert found is not None
        assert json.loads(found.group(1)) == own["dependencies"]
