"""Structure rules of the CI files, as assertions over the parsed YAML.

The safety rules of the reusable workflow (least permissions, pinned actions,
no kept credentials, timeouts, no expressions in scripts, no inherited secrets,
no caches), its interface, and the GitLab component's reporting. YAML 1.1 reads
the key ``on`` as the boolean true: :func:`workflow_on` looks under both.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import TASKBELT_ROOT, git
from gha_harness import workflow_on

ROOT = TASKBELT_ROOT
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
CHECK = ROOT / ".github" / "workflows" / "check.yml"
CI = ROOT / ".github" / "workflows" / "ci.yml"
COMPONENT = ROOT / "templates" / "check.yml"
DOCS = ROOT / "docs" / "ci.md"

PINNED = re.compile(
    r"^\s*(?:-\s+)?uses:\s+(?P<action>[\w.-]+/[\w./-]+)@(?P<sha>[0-9a-f]{40})"
    r"\s+#\s+v\d+\.\d+\.\d+\s*$"
)

#: The least each job of check.yml needs.
CHECK_PERMISSIONS = {
    "static": {"contents": "read"},
    "test": {"contents": "read"},
    "coverage": {"contents": "read"},
    "container": {"contents": "read"},
    "sarif": {"actions": "read", "contents": "read", "security-events": "write"},
    "verdict": {},
}


def load(path: Path) -> dict[Any, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def jobs(path: Path) -> dict[str, dict[str, Any]]:
    return load(path)["jobs"]


def steps(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for job_id, job in jobs(path).items():
        for step in job.get("steps", []):
            yield job_id, step


def uses_of(path: Path, action: str) -> list[tuple[str, dict[str, Any]]]:
    return [(j, s) for j, s in steps(path) if str(s.get("uses", "")).startswith(action + "@")]


@pytest.fixture(params=[p.name for p in WORKFLOWS])
def workflow(request: pytest.FixtureRequest) -> Path:
    return ROOT / ".github" / "workflows" / str(request.param)


def test_both_workflows_exist() -> None:
    assert [p.name for p in WORKFLOWS] == ["check.yml", "ci.yml"]


# --------------------------------------------------------------------------- safety


def test_no_permissions_at_the_top(workflow: Path) -> None:
    assert load(workflow)["permissions"] == {}


def test_every_job_declares_its_permissions(workflow: Path) -> None:
    for job_id, job in jobs(workflow).items():
        assert "permissions" in job, job_id


def test_check_jobs_have_the_least_permissions() -> None:
    declared = {job_id: job["permissions"] for job_id, job in jobs(CHECK).items()}
    assert declared == CHECK_PERMISSIONS


def test_every_permission_says_why(workflow: Path) -> None:
    lines = workflow.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, start=1):
        if re.match(
            r"^\s+(actions|contents|security-events|id-token|packages|pull-requests|"
            r"checks|statuses|issues|attestations|deployments|pages):\s+(read|write)",
            line,
        ):
            assert " # " in line, f"{workflow.name}:{number}: permission without a reason"


def test_every_action_is_pinned_to_a_commit_with_its_version(workflow: Path) -> None:
    text = workflow.read_text(encoding="utf-8")
    seen: dict[str, set[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not re.match(r"^\s*(?:-\s+)?uses:", line):
            continue
        if re.match(r"^\s*uses:\s+\./\.github/workflows/[\w-]+\.yml\s*$", line):
            continue  # a reusable workflow of this repository, at the caller's commit
        match = PINNED.match(line)
        assert match, f"{workflow.name}:{number}: not pinned to a full SHA with a # vX.Y.Z: {line}"
        seen.setdefault(match["action"], set()).add(match["sha"])
    # One action, one commit, everywhere in the file.
    assert all(len(shas) == 1 for shas in seen.values()), seen


def test_same_action_same_commit_across_workflows() -> None:
    pins: dict[str, set[str]] = {}
    for path in WORKFLOWS:
        for line in path.read_text(encoding="utf-8").splitlines():
            if match := PINNED.match(line):
                pins.setdefault(match["action"], set()).add(match["sha"])
    assert all(len(shas) == 1 for shas in pins.values()), pins


def test_every_checkout_keeps_no_credentials(workflow: Path) -> None:
    checkouts = uses_of(workflow, "actions/checkout")
    assert checkouts
    for job_id, step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False, (job_id, step)


def test_every_job_with_steps_has_a_timeout(workflow: Path) -> None:
    for job_id, job in jobs(workflow).items():
        if "uses" in job:
            continue  # a reusable-workflow call: its own jobs carry the timeouts
        minutes = job.get("timeout-minutes")
        assert isinstance(minutes, int), job_id
        assert 0 < minutes <= 60, job_id


def test_no_expression_inside_a_script(workflow: Path) -> None:
    for job_id, step in steps(workflow):
        if "run" in step:
            assert "${{" not in step["run"], (job_id, step.get("name"))


def test_no_inherited_secrets(workflow: Path) -> None:
    for job_id, job in jobs(workflow).items():
        assert job.get("secrets") != "inherit", job_id
    assert "secrets: inherit" not in workflow.read_text(encoding="utf-8")


def test_no_caches(workflow: Path) -> None:
    for job_id, step in uses_of(workflow, "jdx/mise-action"):
        assert step["with"]["cache"] is False, job_id
    for job_id, step in uses_of(workflow, "astral-sh/setup-uv"):
        assert step["with"]["enable-cache"] is False, job_id
    assert not uses_of(workflow, "actions/cache")
    assert "actions/cache" not in workflow.read_text(encoding="utf-8")


def test_scripts_run_in_bash_with_pipefail() -> None:
    assert load(CHECK)["defaults"]["run"]["shell"] == "bash"


# --------------------------------------------------------------------------- interface


def test_on_is_read_as_a_boolean_key() -> None:
    document = load(CHECK)
    assert True in document
    assert "on" not in document
    assert list(workflow_on(document)) == ["workflow_call"]


def test_inputs_are_typed_and_described() -> None:
    inputs = workflow_on(load(CHECK))["workflow_call"]["inputs"]
    types = {name: spec["type"] for name, spec in inputs.items()}
    assert types == {
        "python-versions": "string",
        "fail-under": "string",
        "working-directory": "string",
        "container": "boolean",
        "upload-sarif": "boolean",
        "vendored-path": "string",
    }
    for name, spec in inputs.items():
        assert spec.get("description", "").strip(), name
        assert "default" in spec, name


def test_outputs_are_the_verdict_and_the_coverage() -> None:
    outputs = workflow_on(load(CHECK))["workflow_call"]["outputs"]
    assert outputs["status"]["value"] == "${{ jobs.verdict.outputs.status }}"
    assert outputs["coverage"]["value"] == "${{ jobs.coverage.outputs.coverage }}"
    assert all(spec["description"] for spec in outputs.values())


def test_one_test_job_per_python_version() -> None:
    test = jobs(CHECK)["test"]
    assert test["strategy"]["matrix"]["python"] == "${{ fromJSON(inputs.python-versions) }}"
    assert test["strategy"]["fail-fast"] is False
    runs = [s["run"] for s in test["steps"] if "run" in s]
    assert "mise run pytest" in runs


def test_each_job_runs_the_developer_task() -> None:
    runs = {j: " ".join(s.get("run", "") for s in job["steps"]) for j, job in jobs(CHECK).items()}
    for task in ("lint", "format", "typecheck", "audit"):
        assert f"mise run {task}" in runs["static"]
    assert "mise run coverage" in runs["coverage"]
    assert "mise run container" in runs["container"]


def test_taskbelt_is_checked_out_at_the_workflows_own_commit() -> None:
    for job_id, job in jobs(CHECK).items():
        selves = [
            s
            for s in job.get("steps", [])
            if s.get("with", {}).get("repository") == "${{ job.workflow_repository }}"
        ]
        if job_id in {"sarif", "verdict"}:
            assert not selves
            continue
        assert len(selves) == 1, job_id
        assert selves[0]["with"]["ref"] == "${{ job.workflow_sha }}"
        assert selves[0]["with"]["path"].endswith("/.taskbelt-cache/taskbelt")


def test_coverage_job_combines_every_test_job() -> None:
    coverage = jobs(CHECK)["coverage"]
    assert coverage["needs"] == "test"
    assert coverage["if"] == "${{ !cancelled() }}"
    download = next(s for s in coverage["steps"] if "download-artifact" in s.get("uses", ""))
    assert download["with"]["pattern"] == "taskbelt-coverage-data-*"
    assert download["with"]["merge-multiple"] is True


def test_the_verdict_is_the_single_required_check() -> None:
    all_jobs = jobs(CHECK)
    verdict = all_jobs["verdict"]
    assert verdict["if"] == "${{ always() }}"
    assert sorted(verdict["needs"]) == sorted(j for j in all_jobs if j != "verdict")


def test_sarif_upload_is_optional_and_separate() -> None:
    sarif = jobs(CHECK)["sarif"]
    assert "inputs.upload-sarif" in sarif["if"]
    assert [s["uses"].split("@")[0] for s in sarif["steps"]] == [
        "actions/download-artifact",
        "github/codeql-action/upload-sarif",
    ]


def test_container_job_is_optional() -> None:
    assert jobs(CHECK)["container"]["if"] == "${{ inputs.container }}"


def test_own_ci_calls_the_reusable_workflow() -> None:
    taskbelt = jobs(CI)["taskbelt"]
    assert taskbelt["uses"] == "./.github/workflows/check.yml"
    assert "secrets" not in taskbelt
    declared = workflow_on(load(CHECK))["workflow_call"]["inputs"]
    assert set(taskbelt["with"]) <= set(declared)
    # The caller grants what the called jobs ask for, and no more.
    wanted: dict[str, str] = {}
    for permissions in CHECK_PERMISSIONS.values():
        wanted.update(permissions)
    assert taskbelt["permissions"] == wanted
    assert "actionlint" in jobs(CI)


def test_zizmor_ignores_point_at_what_they_explain() -> None:
    config = yaml.safe_load((ROOT / ".github" / "zizmor.yml").read_text(encoding="utf-8"))
    lines = CI.read_text(encoding="utf-8").splitlines()
    for audit, rule in config["rules"].items():
        assert "disable" not in rule, audit
        for entry in rule.get("ignore", []):
            name, _, number = str(entry).partition(":")
            assert name == "ci.yml"
            assert "uses: ./.github/workflows/check.yml" in lines[int(number) - 1], entry


# --------------------------------------------------------------------------- GitLab


def component() -> tuple[dict[str, Any], dict[str, Any]]:
    spec, body = list(yaml.safe_load_all(COMPONENT.read_text(encoding="utf-8")))
    return spec, body


def test_component_inputs_are_described() -> None:
    spec, _ = component()
    inputs = spec["spec"]["inputs"]
    assert {"python-versions", "fail-under", "working-directory", "container"} <= set(inputs)
    assert inputs["python-versions"]["type"] == "array"
    for name, value in inputs.items():
        assert value.get("description"), name


def test_component_jobs_run_the_developer_tasks() -> None:
    _, body = component()
    scripts = {j: "\n".join(job.get("script", [])) for j, job in body.items()}
    for task in ("lint", "format", "typecheck", "audit"):
        assert f"mise run {task}" in scripts["taskbelt-static"]
    assert "mise run pytest" in scripts["taskbelt-test"]
    assert "mise run coverage" in scripts["taskbelt-coverage"]
    assert body[".taskbelt-base"]["timeout"]
    assert body["taskbelt-test"]["parallel"]["matrix"] == [
        {"TASKBELT_PYTHON": "$[[ inputs.python-versions ]]"}
    ]


def test_component_reports_coverage_the_gitlab_way() -> None:
    _, body = component()
    coverage = body["taskbelt-coverage"]
    reports = coverage["artifacts"]["reports"]["coverage_report"]
    assert reports["coverage_format"] == "cobertura"
    assert reports["path"].endswith(".taskbelt-cache/reports/coverage.xml")
    junit = body["taskbelt-test"]["artifacts"]["reports"]["junit"]
    assert junit.endswith(".taskbelt-cache/reports/junit-*.xml")
    # GitLab reads the first number of the last match: the summary row's figure.
    pattern = re.compile(coverage["coverage"].strip("/"))
    passed = "coverage   passed     1.4  96.20% covered (gate 90%, combined over 3.11, 3.12)"
    failed = "coverage   failed     1.4  85.00% covered, 90% required (combined over 3.12)"
    for row, figure in ((passed, "96.20"), (failed, "85.00")):
        match = pattern.search(row)
        assert match
        first = re.search(r"\d+(?:\.\d+)?", match.group(0))
        assert first
        assert first.group(0) == figure


# --------------------------------------------------------------------------- docs


def doc_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)


def test_docs_caller_examples_use_declared_inputs() -> None:
    declared = set(workflow_on(load(CHECK))["workflow_call"]["inputs"])
    callers = [yaml.safe_load(b) for b in doc_blocks("yaml") if "check.yml@" in b]
    assert len(callers) >= 2  # a plain caller and the submodule variant
    for caller in callers:
        for job in caller["jobs"].values():
            if "uses" not in job:
                continue
            assert re.fullmatch(
                r"[\w-]+/taskbelt/\.github/workflows/check\.yml@[0-9a-f]{40}", job["uses"]
            )
            assert set(job.get("with", {})) <= declared
            assert job.get("secrets") != "inherit"
    assert any(
        "vendored-path" in job.get("with", {}) for c in callers for job in c["jobs"].values()
    )


def test_docs_gitlab_example_includes_the_component() -> None:
    examples = [yaml.safe_load(b) for b in doc_blocks("yaml") if "component:" in b]
    assert examples
    spec, _ = component()
    declared = set(spec["spec"]["inputs"])
    for example in examples:
        for include in example["include"]:
            assert include["component"].split("@")[0].endswith("/taskbelt/check")
            assert set(include.get("inputs", {})) <= declared


def test_pull_requests_check_out_the_history_the_change_is_compared_with() -> None:
    """The ledger's growth (static) and diff-fail-under (coverage) need the merge base."""
    for job in ("static", "coverage"):
        checkout = next(s for j, s in uses_of(CHECK, "actions/checkout") if j == job)
        depth = checkout["with"]["fetch-depth"]
        assert depth == "${{ github.event_name == 'pull_request' && '0' || '1' }}", job


def test_a_merge_request_fetches_its_target_branch(tmp_path: Path) -> None:
    """GitLab clones shallow, one branch: the component fetches the target and its history.

    The component's own script block runs in a clone made as GitLab's runner makes it.
    """
    _, body = component()
    block = next(s for s in body[".taskbelt-base"]["before_script"] if "TARGET_BRANCH" in s)
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q", "-b", "main")
    for n in range(3):
        (origin / "f.txt").write_text(str(n), encoding="utf-8")
        git(origin, "add", "f.txt")
        git(origin, "commit", "-qm", str(n))
    git(origin, "checkout", "-qb", "feature")
    (origin / "g.txt").write_text("new", encoding="utf-8")
    git(origin, "add", "g.txt")
    git(origin, "commit", "-qm", "feature")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", "--branch", "feature", origin.as_uri(), "clone")
    alone = ["git", "merge-base", "HEAD", "origin/main"]
    assert subprocess.run(alone, cwd=clone, check=False, capture_output=True).returncode
    env = {**os.environ, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}
    subprocess.run(["bash", "-ec", block], cwd=clone, env=env, check=True)
    base = git(clone, "merge-base", "HEAD", "origin/main").strip()
    assert base == git(origin, "rev-parse", "main").strip()
