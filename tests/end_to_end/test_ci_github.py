"""Behaviour of the reusable workflow, run by the fake runner in gha_harness.

GitHub cannot be reached from these machines, so ``tests/gha_harness.py`` stands in
for GitHub's runner (see its docstring for what it fakes). The workflow's jobs run
here, for real, against throwaway consumer repositories: the workflow's own scripts,
the mise tasks and taskbelt. The assertions are the contract of the workflow: the
``status`` and ``coverage`` outputs, the summary table in the job summary, the
artifacts, and the ``::error file=`` annotation of a type error.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest
from conftest import CI_CLEAN, CI_TYPE_ERROR, TASKBELT_ROOT, ci_machine_env, git, write_files
from gha_harness import Harness, JobResult, WorkflowResult, condition, evaluate, interpolate

TASKBELT = TASKBELT_ROOT
WORKFLOW = TASKBELT / ".github" / "workflows" / "check.yml"


def needs_tools() -> None:
    """mise and uv are on every dev and CI machine; say so clearly where not."""
    for tool in ("mise", "uv", "git"):
        if shutil.which(tool) is None:
            if os.environ.get("CI") == "true":
                pytest.fail(f"{tool} is not on PATH")
            pytest.skip(f"{tool} is not on PATH")


def consumer(root: Path, files: dict[str, str]) -> Path:
    """A committed git repository holding ``files``."""
    root.mkdir(parents=True)
    write_files(root, files)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return root


def harness(base: Path, repo: Path, **inputs: object) -> Harness:
    return Harness(
        workflow=WORKFLOW,
        repository=repo,
        taskbelt=TASKBELT,
        base=base,
        inputs=dict(inputs),
        env=ci_machine_env(),
    )


def failed_steps(job: JobResult) -> str:
    return "\n".join(s.log for s in job.steps if s.outcome == "failure")


# --------------------------------------------------------------------------- the evaluator


def test_expressions_follow_github_rules() -> None:
    ctx = {"inputs": {"python-versions": '["3.11", "3.12"]', "flag": False, "p": ""}}
    ok = {"success": True, "failure": False}
    assert evaluate("fromJSON(inputs.python-versions)", ctx, ok) == ["3.11", "3.12"]
    assert evaluate("inputs.p != ''", ctx, ok) is False
    assert evaluate("inputs.missing || 'dflt'", ctx, ok) == "dflt"
    assert evaluate("'ABC' == 'abc'", ctx, ok) is True
    assert evaluate("!cancelled() && inputs.flag", ctx, ok) is False
    assert evaluate("format('{0}-{1}', 'a', 1)", ctx, ok) == "a-1"
    assert interpolate("x-${{ inputs.flag }}", ctx, ok) == "x-false"
    assert condition(None, ctx, {"success": False, "failure": True}) is False
    assert condition("${{ always() }}", ctx, {"success": False, "failure": True}) is True


# --------------------------------------------------------------------------- a clean consumer


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Harness, WorkflowResult]:
    needs_tools()
    base = tmp_path_factory.mktemp("gha-clean")
    repo = consumer(base / "consumer", CI_CLEAN)
    runner = harness(
        base / "runner",
        repo,
        **{"python-versions": '["3.12"]', "fail-under": "75", "upload-sarif": True},
    )
    return runner, runner.run()


@pytest.mark.slow
@pytest.mark.mise
def test_clean_consumer_passes_with_coverage_output(
    clean_run: tuple[Harness, WorkflowResult],
) -> None:
    _, result = clean_run
    for job_id in ("static", "test", "coverage", "sarif", "verdict"):
        for leg in result.jobs[job_id]:
            assert leg.result == "success", f"{job_id}:\n{failed_steps(leg)}"
    assert result.job("container").result == "skipped"
    assert result.outputs["status"] == "passed"
    assert float(result.outputs["coverage"]) == pytest.approx(100.0)
    static = result.job("static")
    assert {k: static.outputs[k] for k in ("lint", "format", "typecheck", "audit")} == {
        "lint": "passed",
        "format": "passed",
        "typecheck": "passed",
        "audit": "passed",
    }
    assert [leg.name for leg in result.jobs["test"]] == ["test (Python 3.12)"]


@pytest.mark.slow
@pytest.mark.mise
def test_job_summaries_hold_the_check_table(clean_run: tuple[Harness, WorkflowResult]) -> None:
    _, result = clean_run
    static = result.job("static").summary
    assert "| check | verdict | seconds | reason |" in static
    for check in ("lint", "format", "typecheck", "audit"):
        assert f"| {check} |" in static
    coverage = result.job("coverage").summary
    assert "| coverage |" in coverage
    assert "combined over 3.12" in coverage
    assert "TOTAL" in coverage, "coverage's own table is in the job summary"
    assert "| test-3.12 |" in result.jobs["test"][0].summary
    assert "taskbelt verdict: passed" in result.job("verdict").summary


@pytest.mark.slow
@pytest.mark.mise
def test_reports_and_coverage_data_are_uploaded(
    clean_run: tuple[Harness, WorkflowResult],
) -> None:
    runner, result = clean_run
    artifacts = result.artifacts
    assert (artifacts / "taskbelt-coverage-data-3.12" / ".coverage.3.12").is_file()
    # The stamp of the tree the data were measured on travels with them.
    assert (artifacts / "taskbelt-coverage-data-3.12" / "tree-3.12.txt").is_file()
    assert (artifacts / "taskbelt-reports-test-3.12" / "junit-3.12.xml").is_file()
    assert (artifacts / "taskbelt-reports-coverage" / "coverage.xml").is_file()
    assert (artifacts / "taskbelt-reports-coverage" / "htmlcov" / "index.html").is_file()
    assert (artifacts / "taskbelt-reports-static" / "verdict-typecheck.json").is_file()
    assert (artifacts / "taskbelt-sarif" / "bandit.sarif").is_file()
    assert [p.name for p in runner.uploaded_sarif] == [
        "bandit.sarif",
        "lint.sarif",
        "secrets.sarif",
        "typecheck.sarif",
    ]


# --------------------------------------------------------------------------- a type error


@pytest.mark.slow
@pytest.mark.mise
def test_type_error_is_annotated_and_fails_the_static_job(tmp_path: Path) -> None:
    needs_tools()
    repo = consumer(tmp_path / "consumer", CI_TYPE_ERROR)
    result = harness(tmp_path / "runner", repo).run(only=["static"])
    static = result.job("static")
    assert static.result == "failure"
    assert static.outputs["typecheck"] == "failed", static.log
    assert static.outputs["lint"] == "passed", static.log
    errors = [a for a in static.annotations if a.level == "error" and a.step == "typecheck"]
    assert errors, static.step("typecheck").log
    placed = [a for a in errors if a.properties.get("file") == "src/demo/bad.py"]
    assert placed, errors
    assert placed[0].properties.get("line") == "2"
    assert "typecheck" in placed[0].properties.get("title", "")
    assert "| typecheck | ❌ failed |" in static.summary


@pytest.mark.slow
@pytest.mark.mise
def test_failing_test_is_annotated_and_its_coverage_still_uploaded(tmp_path: Path) -> None:
    needs_tools()
    failing = {
        **CI_CLEAN,
        "tests/test_demo.py": """
            from demo import add


            def test_add() -> None:
                assert add(1, 2) == 4
            """,
    }
    repo = consumer(tmp_path / "consumer", failing)
    result = harness(tmp_path / "runner", repo).run(only=["test"])
    leg = result.jobs["test"][0]
    assert leg.result == "failure"
    assert leg.step("pytest").outcome == "failure"
    placed = [
        a
        for a in leg.annotations
        if a.level == "error" and a.properties.get("file") == "tests/test_demo.py"
    ]
    assert placed, leg.step("pytest").log
    assert "test_add" in placed[0].properties.get("title", "") + placed[0].message
    assert "| test-3.12 | ❌ failed |" in leg.summary
    # The coverage job still gets this leg's data (uploads run unless cancelled).
    assert (result.artifacts / "taskbelt-coverage-data-3.12" / ".coverage.3.12").is_file()


# --------------------------------------------------------------------------- the verdict job


def _given(**results: JobResult) -> dict[str, JobResult]:
    return results


@pytest.mark.parametrize(
    ("static", "coverage", "expected"),
    [
        (("success", "passed"), ("success", "passed"), "passed"),
        (("failure", "failed"), ("success", "passed"), "failed"),
        (("failure", "error"), ("success", "passed"), "error"),
        (("failure", ""), ("success", "passed"), "error"),
        (("success", "passed"), ("failure", "failed"), "failed"),
    ],
)
def test_verdict_is_the_worst_of_the_jobs(
    tmp_path: Path, static: tuple[str, str], coverage: tuple[str, str], expected: str
) -> None:
    needs_tools()
    repo = consumer(tmp_path / "consumer", CI_CLEAN)
    checks = ("lint", "format", "typecheck", "audit")
    given = _given(
        static=JobResult("static", "static", static[0], dict.fromkeys(checks, static[1])),
        test=JobResult("test", "test", "success"),
        coverage=JobResult(
            "coverage", "coverage", coverage[0], {"status": coverage[1], "coverage": "91.00"}
        ),
        container=JobResult("container", "container", "skipped"),
        sarif=JobResult("sarif", "sarif", "skipped"),
    )
    result = harness(tmp_path / "runner", repo).run(only=["verdict"], given=given)
    verdict = result.job("verdict")
    assert verdict.outputs["status"] == expected, verdict.log
    assert verdict.result == ("success" if expected == "passed" else "failure")
    assert result.outputs["status"] == expected
    assert result.outputs["coverage"] == "91.00"


# --------------------------------------------------------------------------- vendored taskbelt


def test_vendored_taskbelt_at_another_commit_stops_the_job(tmp_path: Path) -> None:
    needs_tools()
    repo = consumer(tmp_path / "consumer", CI_CLEAN)
    other = "1" * 40
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{other},.taskbelt")
    git(repo, "commit", "-q", "-m", "vendor taskbelt")
    result = harness(tmp_path / "runner", repo, **{"vendored-path": ".taskbelt"}).run(
        only=["static"]
    )
    static = result.job("static")
    assert static.step("setup").outcome == "failure"
    assert static.step("lint").outcome == "skipped"
    assert static.step("typecheck").outcome == "skipped"
    mismatch = [
        a for a in static.annotations if a.properties.get("title") == "taskbelt version mismatch"
    ]
    assert mismatch
    assert other in mismatch[0].message


def test_harness_refuses_expressions_in_scripts(tmp_path: Path) -> None:
    needs_tools()
    repo = consumer(tmp_path / "consumer", CI_CLEAN)
    workflow = tmp_path / "bad.yml"
    workflow.write_text(
        textwrap.dedent("""
            on:
              workflow_call:
                inputs:
                  x: {type: string, default: a}
            jobs:
              j:
                runs-on: ubuntu-24.04
                steps:
                  - run: echo "${{ inputs.x }}"
            """),
        encoding="utf-8",
    )
    runner = Harness(workflow, repo, TASKBELT, tmp_path / "runner", env=ci_machine_env())
    with pytest.raises(ValueError, match="expression inside run"):
        runner.run()
