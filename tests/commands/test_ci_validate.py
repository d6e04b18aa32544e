"""``ci:validate`` with the real validators: check-jsonschema, zizmor and shellcheck.

The tools are found in ``$TASKBELT_CI_TOOLS`` (a folder) or on PATH (taskbelt's
``ci`` dependency group puts them in the development environment). Missing, they
fail the tests in CI and skip them elsewhere.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path

import pytest
from conftest import TASKBELT_ROOT, run_in

from taskbelt.commands import ci_validate
from taskbelt.commands.ci_scripts import (
    PLACEHOLDER,
    github_scripts,
    gitlab_scripts,
    split_component,
)
from taskbelt.commands.ci_validate import validate, zizmor_config_problems

ROOT = TASKBELT_ROOT
TOOLS = ("check-jsonschema", "zizmor", "shellcheck")
#: Read at import: conftest clears TASKBELT_* from the environment of every test.
CI_TOOLS = os.environ.get(ci_validate.ENV_TOOLS, "")


@pytest.fixture(autouse=True)
def _ci_tools(monkeypatch: pytest.MonkeyPatch) -> None:
    """Give every test the validators' folder the developer named, if any."""
    if CI_TOOLS:
        monkeypatch.setenv(ci_validate.ENV_TOOLS, CI_TOOLS)


def tools_folder() -> str:
    """The folder holding the validators, or skip (fail in CI) when they are missing."""
    env = ci_validate.tool_env()
    found = [shutil.which(t, path=env.get("PATH")) for t in TOOLS]
    if None in found:
        missing = [t for t, f in zip(TOOLS, found, strict=True) if f is None]
        message = (
            f"{', '.join(missing)} not installed (taskbelt's `ci` group, or $TASKBELT_CI_TOOLS)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return str(Path(str(found[0])).parent)


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


GOOD_WORKFLOW = """
name: ok
on:
  workflow_call: {}
permissions: {}
jobs:
  hello:
    name: hello
    runs-on: ubuntu-24.04
    timeout-minutes: 5
    permissions: {}
    steps:
      - name: hello
        env:
          WHO: ${{ github.actor }}
        run: echo "hello $WHO"
"""


def outcome(outcomes: list[ci_validate.Outcome], name: str) -> ci_validate.Outcome:
    return next(o for o in outcomes if o.name == name)


# --------------------------------------------------------------------------- units (no tools)


def test_component_documents_are_split() -> None:
    text = "spec:\n  inputs: {}\n---\njob:\n  script: [echo]\n"
    assert split_component(text) == ["spec:\n  inputs: {}\n", "job:\n  script: [echo]\n"]


def test_github_scripts_get_placeholders_and_yaml_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "w.yml",
        """
        jobs:
          a:
            steps:
              - uses: actions/checkout@v4
              - name: one
                run: |
                  echo "${{ inputs.x }}"
                  true
              - run: echo plain
        """,
    )
    scripts = list(github_scripts(path))
    assert [s.line for s in scripts] == [7, 9]
    assert scripts[0].text.startswith(f'echo "{PLACEHOLDER}"')
    assert scripts[0].where == "jobs.a step 2 (one)"


def test_gitlab_scripts_join_each_jobs_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "templates/c.yml",
        """
        spec:
          inputs:
            x:
              default: a
        ---
        .base:
          before_script:
            - cd "$[[ inputs.x ]]" || exit 2
        job:
          extends: .base
          script:
            - echo one
            - !reference [.base, before_script]
            - echo two
        """,
    )
    scripts = {s.where: s for s in gitlab_scripts(path)}
    assert scripts[".base.before_script"].text == f'cd "{PLACEHOLDER}" || exit 2'
    assert scripts[".base.before_script"].line == 8
    assert scripts["job.script"].text == "echo one\necho two"
    assert scripts["job.script"].shell == "sh"


def test_zizmor_config_needs_a_reason_to_turn_an_audit_off(tmp_path: Path) -> None:
    config = write(
        tmp_path,
        "zizmor.yml",
        """
        rules:
          artipacked:
            disable: true
          unpinned-uses:
            # a reason
            disable: true
          self-repository:
            ignore:
              - ci.yml:3
              # a reason
              - ci.yml:9
          template-injection:
            disable: true  # a reason
        """,
    )
    problems = zizmor_config_problems(config)
    assert len(problems) == 2
    assert problems[0].startswith("zizmor.yml:3:")
    assert problems[1].startswith("zizmor.yml:9:")


def test_missing_tools_are_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv(ci_validate.ENV_TOOLS, str(tmp_path))
    monkeypatch.setattr(ci_validate.sys, "executable", str(tmp_path / "python"))
    assert ci_validate.main(["--root", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "check-jsonschema, zizmor, shellcheck not found" in err
    assert "taskbelt: fix:" in err


# --------------------------------------------------------------------------- the real tools


@pytest.mark.slow
def test_taskbelts_own_ci_files_pass(capsys: pytest.CaptureFixture[str]) -> None:
    tools_folder()
    assert ci_validate.main(["--root", str(ROOT)]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "schema      passed" in out
    assert "zizmor      passed" in out
    assert "shellcheck  passed" in out


@pytest.mark.slow
def test_a_clean_workflow_passes(tmp_path: Path) -> None:
    tools_folder()
    write(tmp_path, ".github/workflows/ok.yml", GOOD_WORKFLOW)
    outcomes = validate(tmp_path)
    assert all(o.passed for o in outcomes), ci_validate.render(outcomes)


@pytest.mark.slow
def test_a_job_without_timeout_fails_the_schema(tmp_path: Path) -> None:
    tools_folder()
    write(
        tmp_path, ".github/workflows/ok.yml", GOOD_WORKFLOW.replace("    timeout-minutes: 5\n", "")
    )
    schema = outcome(validate(tmp_path), "schema")
    assert not schema.passed
    assert "custom.github-workflows-require-timeout" in schema.problems[0]


@pytest.mark.slow
def test_an_expression_in_a_script_fails_zizmor(tmp_path: Path) -> None:
    tools_folder()
    bad = GOOD_WORKFLOW.replace(
        'run: echo "hello $WHO"', 'run: echo "hello ${{ github.head_ref }}"'
    )
    write(tmp_path, ".github/workflows/ok.yml", bad)
    zizmor = outcome(validate(tmp_path), "zizmor")
    assert not zizmor.passed
    assert "template-injection" in zizmor.problems[0]


@pytest.mark.slow
def test_shellcheck_findings_point_at_the_yaml_line(tmp_path: Path) -> None:
    tools_folder()
    bad = GOOD_WORKFLOW.replace(
        'run: echo "hello $WHO"', "run: |\n          echo ok\n          cd $WHO"
    )
    path = write(tmp_path, ".github/workflows/ok.yml", bad)
    shell = outcome(validate(tmp_path), "shellcheck")
    assert not shell.passed
    line = path.read_text(encoding="utf-8").splitlines().index("          cd $WHO") + 1
    assert f".github/workflows/ok.yml:{line}:" in shell.problems[0]
    assert "SC2086" in shell.problems[0]


@pytest.mark.slow
def test_a_broken_gitlab_component_fails_the_schema(tmp_path: Path) -> None:
    tools_folder()
    write(
        tmp_path,
        "templates/check.yml",
        """
        spec:
          inputs:
            stage:
              default: test
        ---
        job:
          stage: $[[ inputs.stage ]]
          scrip:
            - echo typo
        """,
    )
    schema = outcome(validate(tmp_path), "schema")
    assert not schema.passed
    assert "'scrip' was unexpected" in schema.problems[0]


@pytest.mark.slow
@pytest.mark.mise
def test_the_mise_task_runs(tmp_path: Path) -> None:
    folder = tools_folder()
    if shutil.which("mise") is None:
        pytest.skip("mise is not on PATH")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("MISE_", "VIRTUAL_ENV"))},
        ci_validate.ENV_TOOLS: folder,
    }
    done = run_in(ROOT, ["mise", "run", "ci:validate"], env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "zizmor      passed" in done.stdout


@pytest.mark.slow
def test_a_repository_without_ci_files_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tools_folder()
    assert ci_validate.main(["--root", str(tmp_path)]) == 2
    assert "no CI files found" in capsys.readouterr().out
