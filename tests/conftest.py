"""Shared fixtures: real tool environments and throwaway repositories.

Tools are never mocked. ``tool_venv(group)`` installs taskbelt's pinned tool
group from its hashed lock into a real virtual environment (kept between
test runs under the system temp folder, keyed by the lock's hash, so the
second run is fast); ``make_repo`` writes a small real project into a
temporary folder and ``git init``s it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from referencing import Registry, Resource

from taskbelt import defaults
from taskbelt.checks.base import CheckContext
from taskbelt.environments import create, test_env
from taskbelt.output import masking
from taskbelt.repository.project import Project
from taskbelt.tools import interpreters, pins, venvs

ENVS_ROOT = Path(
    os.environ.get("TASKBELT_TEST_ENVS", Path(tempfile.gettempdir()) / "taskbelt-test-envs")
)
#: This checkout, and the suite's data (tests sit one wing deep: ``tests/<wing>/test_<module>.py``).
TASKBELT_ROOT = Path(__file__).resolve().parents[1]
DATA = TASKBELT_ROOT / "tests" / "data"
#: Every advisory of the packages the tests lock, from the PyPA database (README there):
#: the suite needs nothing outside the repository.
ADVISORY_DB = DATA / "advisory-db"
RUNNER_PYTHON = Path(sys.executable).resolve()


def _tool_venv(group: str) -> Path:
    """Build (once, under a lock: test runs may share ENVS_ROOT) a venv for ``group``."""
    tag = f"py{sys.version_info[0]}{sys.version_info[1]}"
    venv = ENVS_ROOT / f"{group}-{pins.lock_digest(group)}-{tag}"
    ENVS_ROOT.mkdir(parents=True, exist_ok=True)
    with (ENVS_ROOT / f".{venv.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        venvs.create_venv(venv, RUNNER_PYTHON)
        venvs.install_tools(venv, group)
    return venv


@pytest.fixture(scope="session")
def tool_venv() -> Callable[[str], Path]:
    """Return a venv with taskbelt's pinned tool group installed."""
    cache: dict[str, Path] = {}

    def get(group: str) -> Path:
        if group not in cache:
            cache[group] = _tool_venv(group)
        return cache[group]

    return get


@pytest.fixture(scope="session")
def python312() -> interpreters.Interpreter:
    """A real Python 3.12 found on this machine (present on every dev and CI machine)."""
    found = interpreters.find("3.12")
    assert found.path is not None, "Python 3.12 must be installed (pyenv) on this machine"
    return found


def write_files(root: Path, files: dict[str, str]) -> None:
    """Write ``files`` (relative path -> text, dedented) under ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")


def break_executable(path: Path) -> None:
    """Replace the program at ``path`` with one that always fails (exit 3): whoever starts it now gets no answer."""
    path.unlink()
    path.write_text("#!/bin/sh\necho broken >&2\nexit 3\n", encoding="utf-8")
    path.chmod(0o755)


def git(root: Path, *args: str) -> str:
    """Run git in ``root`` with a fixed identity; return stdout."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.invalid",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.invalid",
    }
    return subprocess.run(
        ["git", *args], cwd=root, env=env, check=True, capture_output=True, text=True
    ).stdout


CLEAN_PYPROJECT = """
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = []

[tool.taskbelt]
python = ["3.12"]
"""

CLEAN_SRC = {
    "src/demo/__init__.py": '''
        """Demo package."""


        def add(a: int, b: int) -> int:
            """Add two numbers."""
            return a + b
        ''',
    "tests/test_demo.py": """
        from demo import add


        def test_add() -> None:
            assert add(1, 2) == 3
        """,
}


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[..., Project]:
    """Create a throwaway git repo; defaults to a clean src-layout project."""

    def make(
        files: dict[str, str] | None = None,
        *,
        pyproject: str = CLEAN_PYPROJECT,
        name: str = "repo",
        commit: bool = True,
    ) -> Project:
        root = tmp_path / name
        root.mkdir()
        write_files(root, {"pyproject.toml": pyproject, **(CLEAN_SRC if files is None else files)})
        git(root, "init", "-q", "-b", "main")
        if commit:
            git(root, "add", "-A")
            git(root, "commit", "-q", "-m", "init")
        return Project.load(root)

    return make


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's TASKBELT_* settings out of the tests."""
    for key in list(os.environ):
        if key.startswith("TASKBELT_") and key != "TASKBELT_TEST_ENVS":
            monkeypatch.delenv(key, raising=False)
    masking.install(None)  # a run in this process installs its own; the next test starts clean


#: Tools whose every run takes seconds: a test that starts one is marked ``slow``.
#: (uv and skopeo answer a bad request at once, and taskbelt's own errors come
#: before any tool, so those are not listed; a test that runs taskbelt's checks
#: through ``python -m taskbelt`` is marked by hand.)
REAL_TOOLS = frozenset(
    {
        *("ruff", "black", "mypy", "pytest", "pip-audit", "bandit", "mise", "nox", "uvx"),
        "diff-cover",
        *("buildah", "podman", "umoci", "mmdebstrap"),
        *("gitlab-ci-local", "check-jsonschema", "zizmor", "shellcheck"),
    }
)


@pytest.fixture(autouse=True)
def _fast_tests_stay_fast(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """A test not marked ``slow`` that starts a real tool fails, naming the tool.

    ``pytest -m "not slow"`` is the developer's loop of seconds; this keeps it so.
    Only processes the test itself starts are seen (through subprocess.Popen).
    """
    if request.node.get_closest_marker("slow") is not None:
        return
    popen_init = subprocess.Popen.__init__

    def guarded(self: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> None:
        first = args if isinstance(args, str | os.PathLike) else next(iter(args), "")
        tool = Path(first).name
        if tool in REAL_TOOLS:
            pytest.fail(f"{request.node.nodeid} runs {tool}: mark it @pytest.mark.slow")
        popen_init(self, args, *rest, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "__init__", guarded)


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split("."))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Spread the slow tests over the Pythons of a taskbelt run: each runs on one.

    A slow test drives real tools in their own environments: what it checks
    does not depend on the interpreter that runs pytest (the fast layer,
    which does, runs on every Python). Under ``mise run test`` taskbelt says
    which Pythons this run tests (``TASKBELT_TEST_MATRIX``) and which one this is
    (``TASKBELT_TEST_PYTHON``); each slow test runs on the Python its node id
    hashes to, so the run covers every test once and the matrix costs the
    slow layer's time once instead of once per Python. Outside such a run
    (``pytest`` by hand, one Python) every test runs. Deselected, not skipped:
    the summary says how many ran on the other Pythons.
    """
    matrix = sorted(
        filter(None, os.environ.get("TASKBELT_TEST_MATRIX", "").split(",")), key=_version
    )
    this = os.environ.get("TASKBELT_TEST_PYTHON", "")
    if len(matrix) < 2 or this not in matrix:
        return
    mine = matrix.index(this)
    elsewhere = [
        item
        for item in items
        if item.get_closest_marker("slow") is not None
        and zlib.crc32(item.nodeid.encode()) % len(matrix) != mine
    ]
    if elsewhere:
        gone = set(elsewhere)
        items[:] = [item for item in items if item not in gone]
        config.hook.pytest_deselected(items=elsewhere)
        others = ", ".join(v for v in matrix if v != this)
        config.stash[_SPREAD] = (
            f"{len(elsewhere)} slow tests left to Python {others} of this run "
            "(each slow test runs on one Python of the matrix)"
        )


_SPREAD = pytest.StashKey[str]()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Say where the slow tests this Python left out ran."""
    if _SPREAD in config.stash:
        terminalreporter.write_line(f"taskbelt matrix: {config.stash[_SPREAD]}")


def run_in(
    root: Path, argv: Sequence[str], env: Mapping[str, str], timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` in ``root`` with exactly ``env``; output captured as text, never raising."""
    return subprocess.run(
        list(argv),
        cwd=root,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def taskbelt(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the CLI in ``root`` like a user would."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TASKBELT_")}
    environ.pop("CI", None)
    environ.update(env or {})
    return run_in(root, [sys.executable, "-m", "taskbelt", *args], environ)


def run_rows(
    project: Project, *args: str, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """``taskbelt run ARGS`` in the repo: the process and its report's rows by name."""
    report = project.root.parent / f"{project.root.name}-report.json"
    report.unlink(missing_ok=True)
    done = taskbelt(project.root, "run", *args, env={"TASKBELT_REPORT": str(report), **(env or {})})
    assert report.is_file(), done.stdout + done.stderr
    checks = json.loads(report.read_text(encoding="utf-8"))["checks"]
    return done, {c["name"]: c for c in checks}


def assert_two_line_error(done: subprocess.CompletedProcess[str], cause: str) -> None:
    """Exit 2, a cause line and a fix line, no traceback."""
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2, done.stderr
    assert lines[0].startswith("taskbelt: error: ")
    assert cause in lines[0]
    assert lines[1].startswith("taskbelt: fix: ")
    assert "Traceback" not in done.stderr + done.stdout


def gone(pid: int, within: float = 10.0) -> bool:
    """True once ``pid`` is dead or a zombie.

    Killed, a process still shows in /proc for a moment while the kernel
    tears it down (under load, `R` right after SIGKILL); the wait is bounded.
    """
    end = time.monotonic() + within
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, IndexError):
            return True
        if state in {"Z", "X"}:
            return True
        if time.monotonic() > end:
            return False
        time.sleep(0.05)


def shell_environ() -> dict[str, str]:
    """This environment as a user's shell has it: no taskbelt settings, no CI, no venv of the suite's own."""
    drop = ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "CI")
    return {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("TASKBELT_")}


def uvx_nox(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``uvx nox ARGS`` in ``root``, started the way a shell starts it (PWD set)."""
    environ = {**shell_environ(), "PWD": str(root), **(env or {})}
    return run_in(root, ["uvx", "nox", *args], environ, timeout=900)


def mise(
    root: Path,
    *args: str,
    tmp: Path,
    path: str | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run mise in ``root`` with every mise folder inside ``tmp`` (``path`` as PATH, ``env`` added)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("TASKBELT_", "MISE_"))}
    environ.pop("CI", None)
    environ.update(
        {
            "MISE_DATA_DIR": str(tmp / "mise-data"),
            "MISE_STATE_DIR": str(tmp / "mise-state"),
            "MISE_CACHE_DIR": str(tmp / "mise-cache"),
            "MISE_CONFIG_DIR": str(tmp / "mise-config"),
            "MISE_TRUSTED_CONFIG_PATHS": str(root),
            "MISE_YES": "1",
        }
    )
    if path is not None:
        environ["PATH"] = path
    environ.update(env or {})
    return run_in(root, ["mise", *args], environ)


def include_taskbelt(project: Project) -> None:
    """Point the repository's mise.toml at taskbelt's tasks (as `mise run init` does)."""
    (project.root / "mise.toml").write_text(
        f'[task_config]\nincludes = ["{defaults.TASKBELT_HOME / "tasks"}"]\n'
    )


def taskbelt_checkout(work: Path) -> Path:
    """A git repository at ``work`` holding taskbelt's current files (tracked and new), committed."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=defaults.TASKBELT_HOME,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        source = defaults.TASKBELT_HOME / rel
        if source.is_file():
            target = work / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git(work, "init", "-q", "-b", "main")
    git(work, "add", "-A")
    git(work, "commit", "-qm", "taskbelt")
    return work


def taskbelt_bare_repo(tmp: Path) -> Path:
    """A bare git repo holding taskbelt's current files (tracked and new)."""
    work = taskbelt_checkout(tmp / "taskbelt-src")
    bare = tmp / "taskbelt.git"
    git(tmp, "clone", "-q", "--bare", str(work), str(bare))
    return bare


# -- the CI harnesses' repositories -------------------------------------------

#: The demo project, on Python >= 3.11 (as the runner images have it), gated at 80 %.
CI_PYPROJECT = (
    CLEAN_PYPROJECT.replace('requires-python = ">=3.9"', 'requires-python = ">=3.11"')
    + "fail-under = 80\n"
)
CI_CLEAN = {"pyproject.toml": CI_PYPROJECT, **CLEAN_SRC}

CI_TYPE_ERROR = {
    **CI_CLEAN,
    "src/demo/bad.py": """
        def broken() -> int:
            return "not an int"
        """,
}


def ci_machine_env() -> dict[str, str]:
    """This machine's environment, less what would leak into the fake runner."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GITHUB_", "RUNNER_", "TASKBELT_", "MISE_", "PYTEST_", "COVERAGE_"))
        and k not in {"VIRTUAL_ENV", "CI"}
    }
    env["TASKBELT_AUDIT__ADVISORY_DB"] = str(ADVISORY_DB)
    env["UV_PYTHON_DOWNLOADS"] = "never"
    # Like a GitHub runner image, the fake runner has Python 3.12 itself on PATH (here
    # pyenv's shims would hide it from `uv python find`).
    found = interpreters.find("3.12").path
    if found is not None:
        env["PATH"] = os.pathsep.join([str(found.parent), env.get("PATH", "")])
    return env


# Shared helpers: the fixtures' types, and the checks' contexts, snapshots, environments.
MakeRepo = Callable[..., Project]


ToolVenv = Callable[[str], Path]


def snapshot(root: Path) -> dict[str, str]:
    """Hashes of every file outside the state folder and .git."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".taskbelt-cache" not in p.parts and ".git" not in p.parts
    }


def ctx_for(project: Project, venv: Path, **kw: object) -> CheckContext:
    return CheckContext(project=project, tools_bin=venv / "bin", **kw)  # type: ignore[arg-type]


def ruff_hooks(rev: str, hooks: str) -> str:
    """A .pre-commit-config.yaml with ruff's hook repository at ``rev`` and ``hooks``."""
    return (
        "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n"
        f"    rev: {rev}\n    hooks:\n{hooks}"
    )


@pytest.fixture(scope="module")
def project_env(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[Project, interpreters.Interpreter], Path]:
    """Build an environment with the project and taskbelt's test tools."""

    def build(project: Project, interpreter: interpreters.Interpreter) -> Path:
        assert interpreter.path is not None
        venv = tmp_path_factory.mktemp("env") / "venv"
        venvs.create_venv(venv, interpreter.path)
        create.install_project(venv, project)
        test_env.prepare(venv, project, os.environ)
        return venv

    return build


LOCKED_PYPROJECT = """
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = [{deps}]

[dependency-groups]
dev = [{dev}]
"""


def locked_repo(root: Path, deps: str, dev: str = "", *, lock: bool = True) -> Project:
    """A committed src-layout repo; ``uv lock`` run in it unless ``lock`` is False."""
    root.mkdir(parents=True)
    write_files(root, {"pyproject.toml": LOCKED_PYPROJECT.format(deps=deps, dev=dev), **CLEAN_SRC})
    if lock:
        subprocess.run(["uv", "lock", "--quiet"], cwd=root, check=True, timeout=300)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return Project.load(root)


def validate_cyclonedx(document: dict[str, Any]) -> None:
    """Validate ``document`` against CycloneDX 1.5 (and the SPDX and JSF schemas it refers to)."""
    resources = {}
    for name in ("bom-1.5", "spdx", "jsf-0.82"):
        text = (DATA / "cyclonedx" / f"{name}.SNAPSHOT.schema.json").read_text(encoding="utf-8")
        uri = f"http://cyclonedx.org/schema/{name}.SNAPSHOT.schema.json"
        resources[uri] = Resource.from_contents(json.loads(text))
    schema = resources["http://cyclonedx.org/schema/bom-1.5.SNAPSHOT.schema.json"].contents
    registry: Registry[Any] = Registry().with_resources(resources.items())
    jsonschema.Draft7Validator(schema, registry=registry).validate(document)
