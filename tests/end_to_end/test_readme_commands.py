"""Every command the README tells a user to run works, run as written in a throwaway consumer.

The commands are read from README itself: inline code and ``sh`` blocks that run taskbelt or
wire it in (``mise run ...``, ``mise trust``, ``.taskbelt/tasks/...``, ``git ... submodule
add``, ``uvx nox ...``, ``python -m taskbelt ...``, each possibly after ``TASKBELT_X=...``), in
every section but "This repository" and "Development", which are taskbelt's own commands
(``.ci/run`` runs them on a fresh clone). The installers of step 1 (npm, pip) are not
taskbelt's commands. Each command shown is either run by the consumer test here, as written
(placeholders filled in), or named in ``RUN_ELSEWHERE`` with the test that runs it; a command
added to README without either fails the inventory test.
"""

from __future__ import annotations

import json
import os
import re
import shlex
from pathlib import Path

import pytest
from conftest import (
    ADVISORY_DB,
    CLEAN_SRC,
    TASKBELT_ROOT,
    MakeRepo,
    git,
    run_in,
    taskbelt_bare_repo,
)

from taskbelt import defaults

HOME = defaults.TASKBELT_HOME
README = (HOME / "README.md").read_text(encoding="utf-8")
#: Sections whose commands are taskbelt's own, not a consumer's.
OWN_SECTIONS = ("This repository", "Development")
COMMAND = re.compile(
    r"^(?:[A-Z][A-Z0-9_]*=\S+ )*"
    r"(?:mise run \S|mise trust|uvx nox|git (?:-c \S+ )?submodule|\.taskbelt/|<dir>/"
    r"|(?:uv run )?python -m taskbelt)"
)

#: What the consumer test runs, in this order, exactly as README writes them.
RUN_HERE = (
    "git submodule add <taskbelt-url> .taskbelt",
    "git -c protocol.file.allow=always submodule add /path/to/taskbelt .taskbelt",
    ".taskbelt/tasks/init",
    ".taskbelt/tasks/init --check",
    "<dir>/tasks/init",
    ".taskbelt/tasks/validate-config",
    "mise trust && mise run check",
    "mise run check",
    "mise run validate-config",
    "mise run check -v",
    "TASKBELT_REPORT=report.json mise run check",
    "mise run check --no-cache",
    "mise run lint",
    "mise run format",
    "mise run fix",
    "mise run typecheck",
    "mise run test",
    "mise run pytest",
    "mise run coverage",
    "mise run audit",
    "mise run prepare [check...]",
    "mise run init",
    "mise run doctor",
    "mise run python:sync",
    "mise run hooks",
    "mise run update [ref]",
    "mise run ci:validate",
    "uvx nox -f .taskbelt/noxfile.py -s check",
)
#: Commands run by another test: that test, the text in it that runs them and, for a task,
#: the task's last line, the one call that test makes (building an image twice is that
#: test's job; the task around it is launched like every task run here).
RUN_ELSEWHERE = {
    "mise run container": (
        "end_to_end/test_container_command.py",
        'cli.main(["container"',
        'taskbelt container "$@"',
    ),
    "mise run container:verify": (
        "end_to_end/test_container_command.py",
        '"--verify"',
        'taskbelt container --verify "$@"',
    ),
    "mise run ledger": (
        "end_to_end/test_debt_ledger.py",
        'taskbelt(root, "ledger", env=ENV)',
        'taskbelt ledger "$@"',
    ),
    "mise run ledger -- --prune": (
        "end_to_end/test_debt_ledger.py",
        'taskbelt(root, "ledger", "--prune", env=ENV)',
        'taskbelt ledger "$@"',
    ),
    "mise run ledger -- --import-baselines": (
        "end_to_end/test_debt_ledger.py",
        'taskbelt(root, "ledger", "--import-baselines", env=ENV)',
        'taskbelt ledger "$@"',
    ),
    "mise run audit -- --history": (
        "checks/test_audit_secrets.py",
        'run_rows(project, "audit", "--history", env=env)',
        'taskbelt run audit "$@"',
    ),
    "uvx nox -s hello lint": (
        "end_to_end/test_nox.py",
        'uvx_nox(project.root, "-s", "hello", "lint")',
        "",
    ),
}
#: The git URL of a submodule that is a local path: git clones it only when told to allow it.
LOCAL_CLONE_REFUSED = "git submodule add <taskbelt-url> .taskbelt"


def user_sections() -> str:
    """README without the sections about taskbelt's own repository."""
    parts = README.split("\n## ")
    return "\n## ".join(p for p in parts if not p.startswith(OWN_SECTIONS))


def shown_commands() -> list[str]:
    """The taskbelt commands README shows a user, in the order shown, each once."""
    text = user_sections()
    found = re.findall(r"`([^`\n]+)`", text)
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        found += [line.split("  #", 1)[0].strip() for line in block.splitlines()]
    commands = [c for c in found if COMMAND.match(c) and "<task>" not in c]
    return list(dict.fromkeys(commands))


def task_script(command: str) -> Path:
    """The task file behind ``mise run NAME``: ``a:b`` is ``tasks/a/b``, a folder its ``_default``."""
    name = command.split("mise run ", 1)[1].split(maxsplit=1)[0]
    path = HOME / "tasks" / name.replace(":", "/")
    return path / "_default" if path.is_dir() else path


def test_readme_says_run_no_module_from_a_consumer() -> None:
    """`python -m taskbelt` does not exist in a consumer (taskbelt is not installed there)."""
    shown = [c for c in shown_commands() if "python -m taskbelt" in c]
    assert shown == [], f"README tells a consumer to run {shown}; give the mise task instead"


def test_every_command_shown_is_run_by_a_test() -> None:
    """README's commands are exactly those run here or named with the test that runs them."""
    shown = set(shown_commands())
    assert shown - set(RUN_HERE) - set(RUN_ELSEWHERE) == set(), "shown but never run"
    assert (set(RUN_HERE) | set(RUN_ELSEWHERE)) - shown == set(), "run, but README no longer shows"


@pytest.mark.parametrize("command", sorted(RUN_ELSEWHERE))
def test_commands_run_elsewhere_are_run_there(command: str) -> None:
    """The test named runs the command, and the task is the one-line call that test makes."""
    module, marker, call = RUN_ELSEWHERE[command]
    assert marker in (TASKBELT_ROOT / "tests" / module).read_text(encoding="utf-8")
    if command.startswith("mise run "):
        assert task_script(command).read_text(encoding="utf-8").strip().splitlines()[-1] == call


def test_every_task_named_in_the_docs_exists() -> None:
    """Each `mise run NAME` in README and docs/ is an executable task file of taskbelt."""
    docs = [README] + [p.read_text(encoding="utf-8") for p in sorted((HOME / "docs").glob("*.md"))]
    named = {m for text in docs for m in re.findall(r"mise run ([a-z][a-z:-]*)", text)}
    missing = sorted(n for n in named if not os.access(task_script(f"mise run {n}"), os.X_OK))
    assert missing == []


def test_submodule_from_a_local_path_is_explained() -> None:
    """README gives the `-c protocol.file.allow=always` form next to the plain one."""
    step = user_sections().split(LOCAL_CLONE_REFUSED, 1)[1][:300]
    assert "git -c protocol.file.allow=always submodule add /path/to/taskbelt .taskbelt" in step


def consumer_environment(tmp: Path) -> dict[str, str]:
    """A user's shell: no taskbelt settings, mise's folders of its own, the offline advisories."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TASKBELT_", "MISE_", "PYTEST_", "COVERAGE_"))
        and k not in {"CI", "VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"}
    }
    env.update(
        {
            f"MISE_{d.upper()}_DIR": str(tmp / f"mise-{d}")
            for d in ("data", "state", "cache", "config")
        }
    )
    # No vulnerability service is reachable from these machines: point the audit at the
    # snapshot in tests/data, as CI points taskbelt's own audit at the shared one.
    env["TASKBELT_AUDIT__ADVISORY_DB"] = str(ADVISORY_DB)
    return env


def as_run(command: str, taskbelt_source: Path) -> str:
    """The command with README's placeholders filled in for this consumer."""
    filled = {
        "<taskbelt-url>": taskbelt_source.as_uri(),
        "/path/to/taskbelt": shlex.quote(str(taskbelt_source)),
        "<dir>": ".taskbelt",
        "[check...]": "lint",
        "[ref]": "v0.0.1",
    }
    for placeholder, value in filled.items():
        command = command.replace(placeholder, value)
    return command


@pytest.mark.slow
@pytest.mark.mise
def test_readme_commands_work_in_a_consumer(make_repo: MakeRepo, tmp_path: Path) -> None:
    """From `git submodule add` on, each command README shows works as written in a new repo."""
    source = taskbelt_bare_repo(tmp_path)
    git(source, "tag", "v0.0.1")
    caller = (HOME / "docs" / "ci.md").read_text(encoding="utf-8")
    workflow = caller.split("```yaml\n", 1)[1].split("```", 1)[0]
    project = make_repo({**CLEAN_SRC, ".github/workflows/ci.yml": workflow})
    env = consumer_environment(tmp_path)
    said: dict[str, str] = {}
    for command in RUN_HERE:
        done = run_in(project.root, ["bash", "-c", as_run(command, source)], env, timeout=900)
        said[command] = done.stdout + done.stderr
        if command == LOCAL_CLONE_REFUSED:
            assert done.returncode != 0, "git now clones a local path without being told to"
            assert "transport 'file' not allowed" in said[command]
            continue
        assert done.returncode == 0, f"{command}\n{said[command]}"
    assert "taskbelt: passed (6 checks" in said["mise trust && mise run check"]
    assert "[tool.taskbelt] is valid" in said["mise run validate-config"]
    assert "is valid" in said[".taskbelt/tasks/validate-config"]
    report = json.loads((project.root / "report.json").read_text(encoding="utf-8"))
    assert report["status"] == "passed"
    assert "wired:" in said[".taskbelt/tasks/init --check"]
    assert (project.root / ".git" / "hooks" / "pre-commit").is_file()
    assert "Session check was successful" in said["uvx nox -f .taskbelt/noxfile.py -s check"]
    assert not (project.root / ".taskbelt" / defaults.STATE_DIR_NAME).exists()
