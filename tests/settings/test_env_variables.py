"""A ``TASKBELT_*`` variable that is no setting is an error naming the closest one (issue 23.7)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from conftest import TASKBELT_ROOT

from taskbelt import defaults
from taskbelt.errors import ConfigError
from taskbelt.repository.project import Project
from taskbelt.settings import env_variables
from taskbelt.settings.model import Settings, load_settings
from tests.conftest import assert_two_line_error, taskbelt

HERE = TASKBELT_ROOT
_INPUT = re.compile(r"\$\[\[\s*inputs\.([\w-]+)\s*\]\]")


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("TASKBELT_PYTHONS", "TASKBELT_PYTHON"),
        ("TASKBELT_FAIL_UNDR", "TASKBELT_FAIL_UNDER"),
        ("TASKBELT_AUDIT__TIMOUT", "TASKBELT_AUDIT__TIMEOUT"),
        ("TASKBELT_CONTAINER__BAES", "TASKBELT_CONTAINER__BASE"),
        ("TASKBELT_VERBOS", "TASKBELT_VERBOSE"),
        ("taskbelt_tool_version", "TASKBELT_TOOL_VERSIONS"),
    ],
)
def test_a_misspelt_variable_names_the_setting_meant(
    monkeypatch: pytest.MonkeyPatch, typed: str, meant: str
) -> None:
    """The name typed is in the cause, the setting meant in the fix; nothing runs on defaults."""
    monkeypatch.setenv(typed, "3.12")
    with pytest.raises(ConfigError) as info:
        load_settings({})
    assert info.value.cause == (
        f"unknown environment variable {typed}: no taskbelt setting has that name"
    )
    assert info.value.fix.startswith(f"rename {typed} to {meant} (")


def test_a_name_like_no_setting_is_to_be_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """No guess where nothing is close; every unknown name is listed, sorted."""
    monkeypatch.setenv("TASKBELT_ZZZ", "1")
    monkeypatch.setenv("TASKBELT_PYTHONS", "3.12")
    with pytest.raises(ConfigError) as info:
        load_settings({})
    assert "variables TASKBELT_PYTHONS, TASKBELT_ZZZ:" in info.value.cause
    assert info.value.fix.startswith(
        "rename TASKBELT_PYTHONS to TASKBELT_PYTHON; unset TASKBELT_ZZZ"
    )


def test_open_tables_take_any_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under `timeout` (any check) and `container.labels` (any label) every key is a setting."""
    monkeypatch.setenv("TASKBELT_TIMEOUT__DOCS", "30")
    monkeypatch.setenv("TASKBELT_CONTAINER__LABELS__VENDOR", "acme")
    settings = load_settings({})
    assert settings.timeout.of("docs") == (30, "timeout.docs")
    assert settings.container.labels == {"vendor": "acme"}


def test_taskbelts_own_variables_are_no_settings() -> None:
    """A variable of taskbelt's own that shares a setting's name would be read as that setting."""
    exact, prefixes = env_variables.known_names(Settings)
    settings = exact - defaults.ENV_OWN
    assert not defaults.ENV_OWN & settings
    assert not [name for name in defaults.ENV_OWN if name.startswith(prefixes)]
    assert {"TASKBELT_PYTHON", "TASKBELT_AUDIT__ADVISORY_DB", "TASKBELT_CONTAINER"} <= settings


def test_every_variable_the_docs_name_is_known() -> None:
    """README, docs/, the workflows and the tasks use only names taskbelt reads."""
    texts = [HERE / "README.md", *(HERE / "docs").glob("*.md")]
    texts += [*(HERE / ".github" / "workflows").glob("*.yml"), *(HERE / "templates").glob("*.yml")]
    texts += [*(HERE / "tasks").rglob("*"), HERE / ".ci" / "run", HERE / "noxfile.py"]
    named = {
        name
        for path in texts
        if path.is_file()
        for name in re.findall(r"\bTASKBELT_[A-Z0-9_]*[A-Z0-9]\b", path.read_text("utf-8"))
    }
    assert "TASKBELT_AUDIT__ADVISORY_DB" in named
    # README's example of the error this module raises.
    assert "`TASKBELT_PYTHONS=3.12`: exit 2" in (HERE / "README.md").read_text("utf-8")
    assert env_variables.unknown_names(Settings, dict.fromkeys(named, "")) == ["TASKBELT_PYTHONS"]


def _gitlab_jobs(inputs: dict[str, str]) -> dict[str, dict[str, str]]:
    """Each job of the GitLab template: the TASKBELT_* variables it sets, inputs filled in."""
    spec, jobs = yaml.safe_load_all((HERE / "templates" / "check.yml").read_text("utf-8"))
    values = {name: str(field.get("default", "")) for name, field in spec["spec"]["inputs"].items()}
    values.update(inputs)

    def filled(raw: object) -> str:
        return _INPUT.sub(lambda m: values[m.group(1)], str(raw))

    base: dict[str, Any] = jobs[".taskbelt-base"]["variables"]
    out = {}
    for name, job in jobs.items():
        if name.startswith("."):
            continue
        variables = {**base, **job.get("variables", {})}
        for entry in job.get("parallel", {}).get("matrix", []):
            variables.update(entry)
        out[name] = {k: filled(v) for k, v in variables.items() if k.startswith("TASKBELT_")}
    return out


def test_the_gitlab_jobs_variables_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every GitLab job's TASKBELT_* variables are taskbelt's own or valid settings.

    The container job once set ``TASKBELT_CONTAINER=true``, which is the
    ``container`` settings table: ``mise run container`` failed in that job.
    """
    jobs = _gitlab_jobs({"container": "true", "python-versions": "3.12", "fail-under": "80"})
    assert set(jobs) >= {"taskbelt-static", "taskbelt-test", "taskbelt-container"}
    for name, variables in jobs.items():
        with monkeypatch.context() as env:
            for key, value in variables.items():
                env.setenv(key, value)
            assert load_settings({}) is not None, name


@pytest.mark.parametrize("command", ["check", "validate-config"])
def test_the_command_exits_2_before_running_anything(
    make_repo: Callable[..., Project], command: str
) -> None:
    """`check` and `validate-config` refuse a misspelt variable: two lines, exit 2, no report."""
    project = make_repo()
    report = project.root.parent / "report.json"
    done = taskbelt(
        project.root,
        command,
        env={"TASKBELT_PYTHONS": "3.12", defaults.ENV_REPORT: str(report)},
    )
    assert_two_line_error(done, "unknown environment variable TASKBELT_PYTHONS")
    assert "rename TASKBELT_PYTHONS to TASKBELT_PYTHON" in done.stderr
    assert not report.exists()
