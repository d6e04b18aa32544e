"""Behaviour of the GitLab CI/CD component, run by gitlab-ci-local (shell executor).

GitLab cannot be reached from these machines; gitlab-ci-local reads the
component the way GitLab does (``spec: inputs:``, ``$[[ inputs.* ]]``,
``parallel: matrix:``, ``needs:`` with artifacts, the ``coverage:`` regex) and
runs its jobs here, each in a copy of a throwaway repository
(``--shell-isolation``). The consumer includes the component as a local file,
with the same inputs a ``component:`` include takes, and clones taskbelt from a
local git repository made of this working tree.

``GITLAB_CI_LOCAL`` names the gitlab-ci-local binary (default: on PATH); it needs
rsync. Missing, the tests fail in CI and skip elsewhere.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import CI_CLEAN, CI_TYPE_ERROR, ci_machine_env, git, taskbelt_checkout, write_files

from taskbelt import defaults

TASKBELT = defaults.TASKBELT_HOME
COMPONENT = TASKBELT / "templates" / "check.yml"
TIMEOUT = 900


def gitlab_ci_local() -> str:
    """The gitlab-ci-local binary, or skip (fail in CI) when it or rsync is missing."""
    binary = os.environ.get("GITLAB_CI_LOCAL") or shutil.which("gitlab-ci-local")
    missing = [
        name
        for name, found in (("gitlab-ci-local", binary), ("rsync", shutil.which("rsync")))
        if not found
    ]
    for tool in ("mise", "uv"):
        if shutil.which(tool) is None:
            missing.append(tool)
    if missing:
        message = f"{', '.join(missing)} not installed (see .ci/run)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return str(binary)


@pytest.fixture(scope="module")
def taskbelt_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This working tree as a git repository the jobs can clone: (path, commit)."""
    root = taskbelt_checkout(tmp_path_factory.mktemp("taskbelt-src"))
    return root, git(root, "rev-parse", "HEAD").strip()


def consumer(root: Path, files: dict[str, str], taskbelt: tuple[Path, str], **inputs: str) -> Path:
    """A repository that includes the component (as a local file) with these inputs."""
    source, commit = taskbelt
    lines = [
        "include:",
        "  - local: ci/taskbelt-check.yml",
        "    inputs:",
        "      taskbelt-path: .taskbelt-cache/taskbelt",
        f"      taskbelt-repository: {source}",
        f"      taskbelt-ref: {commit}",
        *[f"      {key}: {value}" for key, value in inputs.items()],
    ]
    root.mkdir(parents=True)
    write_files(root, files)
    (root / "ci").mkdir()
    shutil.copy2(COMPONENT, root / "ci" / "taskbelt-check.yml")
    (root / ".gitlab-ci.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    git(root, "init", "-q", "-b", "main")
    git(root, "remote", "add", "origin", "https://gitlab.example.invalid/acme/demo.git")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return root


def run(binary: str, repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary, "--force-shell-executor", "--shell-isolation", "--no-color", *args],
        cwd=repo,
        env=ci_machine_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


@pytest.mark.slow
def test_jobs_follow_the_inputs(tmp_path: Path, taskbelt_repo: tuple[Path, str]) -> None:
    binary = gitlab_ci_local()
    repo = consumer(
        tmp_path / "consumer",
        CI_CLEAN,
        taskbelt_repo,
        **{"python-versions": '["3.11", "3.12"]', "container": "true"},
    )
    listed = run(binary, repo, "--list")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    names = re.findall(r"^(taskbelt-[\w-]+(?:: \[[\d.]+\])?)\s", listed.stdout, re.M)
    assert names == [
        "taskbelt-static",
        "taskbelt-test: [3.11]",
        "taskbelt-test: [3.12]",
        "taskbelt-coverage",
        "taskbelt-container",
    ]


@pytest.mark.slow
@pytest.mark.mise
def test_pipeline_passes_and_reports_coverage_the_gitlab_way(
    tmp_path: Path, taskbelt_repo: tuple[Path, str]
) -> None:
    binary = gitlab_ci_local()
    repo = consumer(
        tmp_path / "consumer",
        CI_CLEAN,
        taskbelt_repo,
        **{"python-versions": '["3.12"]', "fail-under": '"75"'},
    )
    done = run(binary, repo)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-6000:]
    assert re.search(r"PASS\s+taskbelt-static", out)
    assert re.search(r"PASS\s+taskbelt-test: \[3\.12\]", out)
    # gitlab-ci-local applies the job's `coverage:` regex as GitLab does.
    assert re.search(r"PASS\s+taskbelt-coverage\s+100(?:\.0+)?% coverage", out), out[-3000:]
    assert "gate 75%" in out
    artifacts = repo / ".gitlab-ci-local" / "artifacts"
    cobertura = artifacts / "taskbelt-coverage" / ".taskbelt-cache" / "reports" / "coverage.xml"
    root = ET.parse(cobertura).getroot()  # noqa: S314 - our own pipeline wrote it
    assert root.tag == "coverage"
    assert float(root.get("line-rate", "0")) == pytest.approx(1.0)
    junit = list(artifacts.glob("taskbelt-test*/.taskbelt-cache/reports/junit-3.12.xml"))
    assert len(junit) == 1
    assert list(artifacts.glob("taskbelt-test*/.taskbelt-cache/coverage/.coverage.3.12"))


@pytest.mark.slow
@pytest.mark.mise
def test_a_type_error_fails_the_static_job(tmp_path: Path, taskbelt_repo: tuple[Path, str]) -> None:
    binary = gitlab_ci_local()
    repo = consumer(tmp_path / "consumer", CI_TYPE_ERROR, taskbelt_repo)
    done = run(binary, repo, "taskbelt-static")
    out = done.stdout + done.stderr
    assert done.returncode != 0, out[-4000:]
    assert re.search(r"FAIL\s+taskbelt-static", out)
    assert "src/demo/bad.py:2" in out
    assert re.search(r"typecheck\s+failed", out)
