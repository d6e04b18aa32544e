"""Each check runs the real tool on a real throwaway repository."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CLEAN_PYPROJECT, CLEAN_SRC, git

from taskbelt import proc
from taskbelt.checks import coverage, formatting
from taskbelt.checks.base import CheckContext
from taskbelt.checks.fix import fix_repo
from taskbelt.checks.lint import check as lint
from taskbelt.checks.pytest import check as pytest_cov
from taskbelt.checks.pytest.check import coverage_dir
from taskbelt.checks.typecheck import check as typecheck
from taskbelt.environments import create, test_env
from taskbelt.errors import ToolError
from taskbelt.repository.project import Project
from taskbelt.repository.tool_versions import taskbelt_pins
from taskbelt.results import Status
from taskbelt.tools import venvs
from taskbelt.tools.interpreters import Interpreter

MakeRepo = Callable[..., Project]
ToolVenv = Callable[[str], Path]

pytestmark = pytest.mark.slow


def snapshot(root: Path) -> dict[str, str]:
    """Hashes of every file outside the state folder and .git."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".taskbelt-cache" not in p.parts and ".git" not in p.parts
    }


def ctx_for(project: Project, venv: Path, **kw: object) -> CheckContext:
    return CheckContext(project=project, tools_bin=venv / "bin", **kw)  # type: ignore[arg-type]


class TestLint:
    def test_clean(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        """A clean repo has no findings."""
        result = lint.run(ctx_for(make_repo(), tool_venv("lint")))
        assert result.status is Status.PASSED, result.output

    def test_unused_import(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        """An unused import fails with file, line and rule, and the repo is untouched."""
        project = make_repo({**CLEAN_SRC, "src/demo/extra.py": "import os\n"})
        before = snapshot(project.root)
        result = lint.run(ctx_for(project, tool_venv("lint")))
        assert result.status is Status.FAILED
        assert "src/demo/extra.py:1:8: F401" in result.summary
        assert result.details["findings"][0]["code"] == "F401"
        assert snapshot(project.root) == before

    def test_repo_config_is_honoured(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        """A repo's own [tool.ruff] replaces taskbelt's rules (here: E401 ignored)."""
        pyproject = CLEAN_PYPROJECT + "[tool.ruff.lint]\nselect = ['E']\nignore = ['E401']\n"
        project = make_repo(
            {**CLEAN_SRC, "src/demo/extra.py": "import os, sys\n"}, pyproject=pyproject
        )
        result = lint.run(ctx_for(project, tool_venv("lint")))
        assert result.status is Status.PASSED, result.output

    def test_broken_config_is_error_with_stderr(
        self, make_repo: MakeRepo, tool_venv: ToolVenv
    ) -> None:
        """ruff refusing its configuration is an error, not a failure, and shows why."""
        pyproject = CLEAN_PYPROJECT + "[tool.ruff]\nline-length = 'long'\n"
        result = lint.run(ctx_for(make_repo(pyproject=pyproject), tool_venv("lint")))
        assert result.status is Status.ERROR
        assert "ruff crashed (exit 2)" in result.summary
        assert "line-length" in result.output


def ruff_hooks(rev: str, hooks: str) -> str:
    """A .pre-commit-config.yaml with ruff's hook repository at ``rev`` and ``hooks``."""
    return (
        "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n"
        f"    rev: {rev}\n    hooks:\n{hooks}"
    )


#: platformdirs' case: ruff pinned at 0.16.3 in pre-commit, every rule selected
#: with preview on. ruff 0.17 added ``pytest-fixture-autouse``; 0.16.3 has no such rule.
ALL_RULES_PYPROJECT = CLEAN_PYPROJECT + (
    '[tool.ruff.lint]\npreview = true\nselect = ["ALL"]\n'
    'ignore = ["missing-copyright-notice", "implicit-namespace-package"]\n'
)
AUTOUSE_FILES = {
    "src/demo/__init__.py": '"""Demo."""\n',
    "tests/test_a.py": (
        '"""Tests."""\n\nimport pytest\n\n\n@pytest.fixture(autouse=True)\n'
        'def _setup() -> None:\n    """Set up."""\n\n\ndef test_one() -> None:\n    """One."""\n'
    ),
    ".pre-commit-config.yaml": (ruff_hooks('"v0.16.3"', "      - id: ruff-check\n")),
}


class TestToolVersions:
    def test_the_repository_s_pinned_ruff_judges_its_rules(
        self, make_repo: MakeRepo, caplog: pytest.LogCaptureFixture
    ) -> None:
        """The pre-commit rev's ruff runs, in an environment of its own, and -v says so."""
        project = make_repo(AUTOUSE_FILES, pyproject=ALL_RULES_PYPROJECT)
        venv = create.tool_env(project, "lint")
        version = proc.run([str(venv / "bin/ruff"), "--version"]).stdout
        assert version.strip() == "ruff 0.16.3"
        caplog.set_level("INFO", logger="taskbelt")
        result = lint.run(ctx_for(project, venv))
        assert result.status is Status.PASSED, result.output
        assert (
            "lint: ruff 0.16.3 (rules from pyproject.toml [tool.ruff]); version from "
            ".pre-commit-config.yaml rev v0.16.3 of astral-sh/ruff-pre-commit" in caplog.text
        )

    def test_a_ruff_from_before_output_format_judges_as_it_does_itself(
        self, make_repo: MakeRepo
    ) -> None:
        """ambient-package-update's case (2023): ruff's hook from its former URL at v0.0.285.

        That ruff knows ``--format``, not ``--output-format``: the row was
        "ruff crashed (exit 2)". Its own run, the same ruff on the same files,
        is the reference.
        """
        hooks = (
            "repos:\n  - repo: https://github.com/charliermarsh/ruff-pre-commit\n"
            "    rev: 'v0.0.285'\n    hooks:\n      - id: ruff\n"
            "        args: [ --fix, --exit-non-zero-on-fix ]\n"
        )
        files = {
            **CLEAN_SRC,
            "src/demo/unused.py": '"""Unused import."""\nimport os\n',
            ".pre-commit-config.yaml": hooks,
        }
        project = make_repo(files)
        venv = create.tool_env(project, "lint")
        ruff = str(venv / "bin/ruff")
        assert proc.run([ruff, "--version"]).stdout.strip() == "ruff 0.0.285"
        own = proc.run([ruff, "check", "src/demo/unused.py"], cwd=project.root, ok=None)
        assert own.returncode == 1
        assert "F401" in own.stdout
        result = lint.run(ctx_for(project, venv))
        assert result.status is Status.FAILED, result.output
        assert result.summary.startswith("1 finding; first: src/demo/unused.py:2:8: F401 ")

    def test_tool_versions_taskbelt_runs_the_shared_pin(self, make_repo: MakeRepo) -> None:
        """The same repository under taskbelt's ruff gets the newer rule, named as ruff names it."""
        pyproject = ALL_RULES_PYPROJECT.replace(
            "[tool.taskbelt]\n", "[tool.taskbelt]\ntool-versions = 'taskbelt'\n"
        )
        project = make_repo(AUTOUSE_FILES, pyproject=pyproject)
        venv = create.tool_env(project, "lint")
        assert venv.name == "tools-lint"
        result = lint.run(ctx_for(project, venv))
        assert result.status is Status.FAILED
        assert result.summary == (
            "1 finding; first: tests/test_a.py:6:17: pytest-fixture-autouse Avoid using "
            "`autouse=True` in `pytest.fixture` decorators"
        )


class TestHookScope:
    """platformdirs' case: ruff run as `ruff check .` lints pyproject.toml; its hook never does."""

    def repo(self, make_repo: MakeRepo, hook: str) -> Project:
        pyproject = ALL_RULES_PYPROJECT.replace(
            '"missing-copyright-notice", "implicit-namespace-package"', '"CPY001", "INP001"'
        )  # rule codes where ruff 0.17 wants names: a finding in pyproject.toml itself
        ruff = taskbelt_pins()["ruff"]  # the hook at taskbelt's version: no second environment
        config = ruff_hooks(f"v{ruff}", hook)
        return make_repo({**AUTOUSE_FILES, ".pre-commit-config.yaml": config}, pyproject=pyproject)

    def test_the_hook_s_files_and_arguments(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        """Python files only, minus the hook's exclude; its --fix never applied in check mode."""
        hook = "      - id: ruff-check\n        args: [--fix, --exit-non-zero-on-fix]\n"
        project = self.repo(make_repo, hook + "        exclude: ^tests/\n")
        before = snapshot(project.root)
        result = lint.run(ctx_for(project, tool_venv("lint")))
        assert result.status is Status.PASSED, result.output
        assert snapshot(project.root) == before

    def test_the_same_repository_without_the_scope_fails_where_ruff_check_dot_would(
        self, make_repo: MakeRepo, tool_venv: ToolVenv
    ) -> None:
        """The control: with a hook of no exclude, the test file's finding is reported; never pyproject's."""
        project = self.repo(make_repo, "      - id: ruff-check\n")
        result = lint.run(ctx_for(project, tool_venv("lint")))
        assert result.status is Status.FAILED
        paths = {f["path"] for f in result.details["findings"]}
        assert paths == {"tests/test_a.py"}
        (project.root / ".pre-commit-config.yaml").unlink()
        project = Project.load(project.root)
        result = lint.run(ctx_for(project, tool_venv("lint")))
        assert {f["path"] for f in result.details["findings"]} == {
            "pyproject.toml",
            "tests/test_a.py",
        }

    def test_an_old_ruff_pinned_by_a_frozen_hook_formats(self, make_repo: MakeRepo) -> None:
        """itsdangerous' case: ruff 0.11.11 (a frozen commit rev), whose format has no --extend-exclude."""
        config = ruff_hooks(
            "76e47323a83cd9795e4ff9a1de1c0d2eef610f17  # frozen: v0.11.11",
            "      - id: ruff\n      - id: ruff-format\n",
        )
        project = make_repo({**CLEAN_SRC, ".pre-commit-config.yaml": config})
        venv = create.tool_env(project, "format")
        assert venv.name == "tools-format-ruff0.11.11"
        result = formatting.run(ctx_for(project, venv))
        assert result.status is Status.PASSED, result.output
        assert (
            result.summary == "ruff 0.11.11 (.pre-commit-config.yaml hook ruff-format): formatted"
        )

    def test_a_hook_given_no_file_passes_without_running(
        self, make_repo: MakeRepo, tool_venv: ToolVenv
    ) -> None:
        project = self.repo(make_repo, "      - id: ruff-format\n        files: ^nothing/\n")
        result = formatting.run(ctx_for(project, tool_venv("format")))
        assert result.status is Status.PASSED
        assert result.summary.endswith("no files: the repository's pre-commit hook is given none")


class TestFormat:
    def test_badly_formatted(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        """black --check names the file and writes nothing."""
        project = make_repo({**CLEAN_SRC, "src/demo/ugly.py": "x  =  {'a':1}\n"})
        before = snapshot(project.root)
        result = formatting.run(ctx_for(project, tool_venv("format")))
        assert result.status is Status.FAILED
        black = f"black {taskbelt_pins()['black']}"
        assert result.summary.startswith(
            f"{black} (taskbelt's default: nothing in the repository names a formatter): "
            "1 file would be reformatted"
        )
        assert "would be reformatted: src/demo/ugly.py" in result.summary
        assert str(project.root) not in result.summary
        assert snapshot(project.root) == before

    def test_ruff_format_when_configured(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        """A repo that configures [tool.ruff.format] is checked by ruff format."""
        pyproject = CLEAN_PYPROJECT + "[tool.ruff.format]\nquote-style = 'single'\n"
        project = make_repo({**CLEAN_SRC, "src/demo/q.py": 'x = "a"\n'}, pyproject=pyproject)
        result = formatting.run(ctx_for(project, tool_venv("format")))
        assert result.status is Status.FAILED
        assert result.summary.startswith(
            f"ruff {taskbelt_pins()['ruff']} (pyproject.toml [tool.ruff.format]): "
            "1 file would be reformatted: src/demo/q.py"
        )

    def test_a_black_hook_from_black_s_former_url_formats_the_python_files_only(
        self, make_repo: MakeRepo
    ) -> None:
        """Seen: ``github.com/ambv/black`` was given every tracked file: "black crashed (exit 123)".

        Black at the hook's pin leaves the repository's Python files unchanged,
        and taskbelt says so: its rst, toml and txt files are not black's.
        """
        black = taskbelt_pins()["black"]
        hooks = f"repos:\n  - repo: https://github.com/ambv/black\n    rev: {black}\n    hooks:\n      - id: black\n"
        files = {
            **CLEAN_SRC,
            ".pre-commit-config.yaml": hooks,
            "docs/index.rst": "Title\n=====\n\n.. code:: python\n\n   x  =  1\n",
            "requirements.txt": "click\n",
        }
        project = make_repo(files)
        result = formatting.run(ctx_for(project, create.tool_env(project, "format")))
        assert result.status is Status.PASSED, result.summary + result.output
        assert result.summary == f"black {black} (.pre-commit-config.yaml hook black): formatted"

    def test_the_formatter_the_pre_commit_hooks_run(self, make_repo: MakeRepo) -> None:
        """itsdangerous's and pluggy's case: pre-commit runs ruff-format, so black never judges.

        ``# type:ignore`` is ruff-formatted; black would rewrite it to ``# type: ignore``.
        """
        code = "x = 1  # type:ignore\n"
        hooks = ruff_hooks("v0.16.3", "      - id: ruff-format\n")
        project = make_repo({**CLEAN_SRC, "src/demo/t.py": code, ".pre-commit-config.yaml": hooks})
        ctx = ctx_for(project, create.tool_env(project, "format"))  # the hook's ruff, 0.16.3
        result = formatting.run(ctx)
        assert result.status is Status.PASSED, result.output
        assert result.summary == "ruff 0.16.3 (.pre-commit-config.yaml hook ruff-format): formatted"
        assert fix_repo(ctx).status is Status.PASSED
        assert (project.root / "src/demo/t.py").read_text() == code

    def test_fix_writes(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        """fix applies ruff fixes and the formatter; the check then passes."""
        project = make_repo({**CLEAN_SRC, "src/demo/ugly.py": "import os\nx  =  {'a':1}\n"})
        ctx = ctx_for(project, tool_venv("format"))
        assert fix_repo(ctx).status is Status.PASSED
        assert (project.root / "src/demo/ugly.py").read_text() == 'x = {"a": 1}\n'
        assert formatting.run(ctx).status is Status.PASSED


@pytest.fixture(scope="module")
def project_env(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Project, Interpreter], Path]:
    """Build an environment with the project and taskbelt's test tools."""

    def build(project: Project, interpreter: Interpreter) -> Path:
        assert interpreter.path is not None
        venv = tmp_path_factory.mktemp("env") / "venv"
        venvs.create_venv(venv, interpreter.path)
        create.install_project(venv, project)
        test_env.prepare(venv, project, os.environ)
        return venv

    return build


RunCtx = Callable[[Project], CheckContext]


@pytest.fixture
def run_ctx(
    tool_venv: ToolVenv, project_env: Callable[..., Path], python312: Interpreter
) -> RunCtx:
    """A test-run context for a project: its 3.12 environment, coverage's tools."""

    def build(project: Project) -> CheckContext:
        env = project_env(project, python312)
        return ctx_for(
            project, tool_venv("coverage"), interpreter=python312, project_python=env / "bin/python"
        )

    return build


class TestTypecheck:
    def test_type_error(
        self,
        make_repo: MakeRepo,
        tool_venv: ToolVenv,
        project_env: Callable[..., Path],
        python312: Interpreter,
    ) -> None:
        """A wrong return type fails with path:line and the error code."""
        files = {**CLEAN_SRC, "src/demo/bad.py": "def f() -> int:\n    return 'x'\n"}
        project = make_repo(files)
        env = project_env(project, python312)
        result = typecheck.run(
            ctx_for(project, tool_venv("typecheck"), project_python=env / "bin/python")
        )
        assert result.status is Status.FAILED
        assert result.details["findings"][0]["path"] == "src/demo/bad.py"
        assert result.details["findings"][0]["line"] == 2
        assert result.details["findings"][0]["code"] == "return-value"


class TestPytestAndCoverage:
    def test_pass_then_gate(
        self,
        make_repo: MakeRepo,
        run_ctx: RunCtx,
    ) -> None:
        """Tests pass, and coverage under the gate fails showing measured vs required."""
        files = {
            **CLEAN_SRC,
            "src/demo/more.py": "def unused(x: int) -> int:\n    if x:\n        return 1\n    return 2\n",
        }
        project = make_repo(files)
        ctx = run_ctx(project)
        result = pytest_cov.run(ctx)
        assert result.status is Status.PASSED, result.output
        assert result.summary == "1 passed, 0 failed, 0 skipped"
        assert (project.reports_dir / "junit-3.12.xml").is_file()
        gate = coverage.run(ctx)
        assert gate.status is Status.FAILED
        assert "% covered, 90% required" in gate.summary
        assert gate.details["percent"] < 90
        assert "src/demo/more.py" in gate.output, "the table names the file that lacks coverage"
        assert (project.reports_dir / "coverage.xml").is_file()
        assert not (project.reports_dir / "htmlcov").exists(), "HTML is opt-in"

    def test_one_precision_on_pass_and_fail(self, make_repo: MakeRepo, run_ctx: RunCtx) -> None:
        """Two decimals by default, on a pass and a fail; coverage's ``precision`` where set.

        Seen: "97.3%" on a pass and "97.75%" on a fail of the same repository.
        """
        files = {
            **CLEAN_SRC,
            "src/demo/more.py": "def unused(x: int) -> int:\n    if x:\n        return 1\n    return 2\n",
        }
        summaries = []
        for name, gate, report in (
            ("pass", 30, ""),
            ("fail", 40, ""),
            ("pass-1", 30, "\n[tool.coverage.report]\nprecision = 1\n"),
            ("fail-1", 40, "\n[tool.coverage.report]\nprecision = 1\n"),
        ):
            pyproject = CLEAN_PYPROJECT + f"fail-under = {gate}\n" + report
            ctx = run_ctx(make_repo(files, pyproject=pyproject, name=name))
            assert pytest_cov.run(ctx).status is Status.PASSED
            summaries.append(coverage.run(ctx).summary.split(" (")[0])
        assert summaries == [
            "33.33% covered",
            "33.33% covered, 40% required",
            "33.3% covered",
            "33.3% covered, 40% required",
        ]

    def test_the_figure_shown_is_the_figure_judged(self) -> None:
        """coverage's own rule: 89.996 % shows as 90.00 % and meets 90; only 100 meets 100."""
        assert not coverage._fails(89.996, 90, 2)
        assert coverage._fails(89.994, 90, 2)
        assert coverage._fails(99.999, 100, 2)
        assert not coverage._fails(100.0, 100, 0)

    def test_jobs_started_ahead(
        self,
        make_repo: MakeRepo,
        run_ctx: RunCtx,
    ) -> None:
        """Report processes started before the data exists give the same verdict;
        unfed ones end cleanly on cancel, writing nothing."""
        project = make_repo()
        ctx = run_ctx(project)
        idle = coverage.start_jobs(ctx)
        assert len(idle.started) == 2, "the gate and the coverage-reports files"
        idle.cancel()
        assert [job.popen.returncode for job in idle.started] == [0, 0]
        assert not (project.reports_dir / "coverage.xml").exists()

        assert pytest_cov.run(ctx).status is Status.PASSED
        ahead = coverage.start_jobs(ctx)
        early = coverage.run(ctx, jobs=ahead)
        late = coverage.run(ctx)
        assert early.status is late.status is Status.PASSED, early.output
        assert early.details["percent"] == late.details["percent"] > 0
        assert all(job.popen.returncode == 0 for job in ahead.started)
        assert (project.reports_dir / "coverage.xml").is_file()

    def test_coverage_reports_setting(
        self,
        make_repo: MakeRepo,
        run_ctx: RunCtx,
    ) -> None:
        """coverage-reports = ["html", "json"] writes both, removes a stale coverage.xml.

        The gate's figure (from coverage's in-memory combine) is coverage's own
        JSON total.
        """
        project = make_repo(pyproject=CLEAN_PYPROJECT + 'coverage-reports = ["html", "json"]\n')
        ctx = run_ctx(project)
        assert pytest_cov.run(ctx).status is Status.PASSED
        project.reports_dir.mkdir(parents=True, exist_ok=True)
        (project.reports_dir / "coverage.xml").write_text("<stale/>")
        gate = coverage.run(ctx)
        assert gate.status is Status.PASSED, gate.output
        assert (project.reports_dir / "htmlcov" / "index.html").is_file()
        assert not (project.reports_dir / "coverage.xml").exists()
        totals = json.loads((project.reports_dir / "coverage.json").read_text())["totals"]
        assert gate.details["percent"] == round(totals["percent_covered"], 2)
        assert not list(coverage_dir(ctx).glob(".combined*")), "combined in memory, not on disk"

    def test_sysmon_gives_the_tracer_numbers(
        self,
        make_repo: MakeRepo,
        tool_venv: ToolVenv,
        project_env: Callable[..., Path],
        python312: Interpreter,
    ) -> None:
        """On 3.12 taskbelt measures with sys.monitoring; the figure equals the C tracer's.

        A user's own COVERAGE_CORE wins, which is how the tracer run is made here.
        """
        files = {
            **CLEAN_SRC,
            "src/demo/more.py": (
                "def part(x: int) -> int:\n    if x:\n        return 1\n    return 2\n\n\n"
                "def never() -> int:\n    return 3\n"
            ),
            "tests/test_more.py": "from demo.more import part\n\n\ndef test_part() -> None:\n"
            "    assert part(1) == 1\n",
        }
        project = make_repo(files)
        env = project_env(project, python312)
        figures = {}
        for core in ("", "ctrace"):
            base = {k: v for k, v in os.environ.items() if k != "COVERAGE_CORE"}
            if core:
                base["COVERAGE_CORE"] = core
            ctx = CheckContext(
                project,
                tool_venv("coverage") / "bin",
                interpreter=python312,
                project_python=env / "bin/python",
                base_env=base,
            )
            assert pytest_cov.coverage_core(ctx, "3.12") == (
                {} if core else {"COVERAGE_CORE": "sysmon"}
            )
            assert pytest_cov.run(ctx).status is Status.PASSED
            figures[core or "sysmon"] = coverage.run(ctx).details["percent"]
        assert figures["sysmon"] == figures["ctrace"]
        assert 0 < figures["sysmon"] < 100

    def test_imports_as_python_m_pytest(
        self,
        make_repo: MakeRepo,
        run_ctx: RunCtx,
    ) -> None:
        """Tests see what `python -m pytest` gives them: the repo root on sys.path.

        taskbelt starts pytest through jobs/pytest_main.py (to skip the final
        garbage collection); a test importing a module that sits at the repo
        root, and one looking at sys.argv[0], pass as they do under -m.
        """
        files = {
            **CLEAN_SRC,
            "helpers_at_root.py": "VALUE = 7\n",
            "tests/test_demo.py": (
                "import os\nimport sys\n\nfrom helpers_at_root import VALUE\n\n\n"
                "def test_root_import() -> None:\n    assert VALUE == 7\n"
                "    assert os.getcwd() in sys.path\n\n\n"
                "def test_argv0() -> None:\n"
                "    assert sys.argv[0].endswith(os.path.join('pytest', '__main__.py'))\n"
            ),
        }
        project = make_repo(files)
        ctx = run_ctx(project)
        assert pytest_cov.argv(ctx, "3.12")[1] == str(pytest_cov.PYTEST_MAIN)
        result = pytest_cov.run(ctx)
        assert result.status is Status.PASSED, result.output
        assert result.summary == "2 passed, 0 failed, 0 skipped"

    def test_bytecode_kept_in_the_state_folder(
        self,
        make_repo: MakeRepo,
        tool_venv: ToolVenv,
        project_env: Callable[..., Path],
        python312: Interpreter,
        tmp_path: Path,
    ) -> None:
        """Under PYTHONDONTWRITEBYTECODE the test run still keeps its bytecode, in
        .taskbelt-cache, never next to the sources; a user's prefix and
        bytecode-cache = false are honoured."""
        project = make_repo()
        env = project_env(project, python312)
        pycache = project.state_dir / "cache" / "pycache"
        outer = {k: v for k, v in os.environ.items() if k != "PYTHONPYCACHEPREFIX"}

        def run(base: dict[str, str], repo: Project = project, venv: Path = env) -> None:
            ctx = CheckContext(
                repo,
                tool_venv("coverage") / "bin",
                interpreter=python312,
                project_python=venv / "bin/python",
                # Without the prefix of the run around this suite, if any.
                base_env={**outer, "PYTHONDONTWRITEBYTECODE": "1", **base},
            )
            result = pytest_cov.run(ctx)
            assert result.status is Status.PASSED, result.output
            assert result.summary == "1 passed, 0 failed, 0 skipped"

        run({})
        kept = sorted(p.name for p in pycache.rglob("*.pyc"))
        assert any(n.startswith("test_demo.cpython-312-pytest-") for n in kept), kept
        assert any(n.startswith("__init__.cpython-312") for n in kept), "the sources' bytecode"
        tree = [p for p in project.root.rglob("__pycache__") if ".taskbelt-cache" not in p.parts]
        assert tree == [], "nothing written next to the sources"
        run({})  # the second run reads what the first kept, with the same verdict

        theirs = tmp_path / "their-prefix"
        shutil.rmtree(pycache)
        run({"PYTHONPYCACHEPREFIX": str(theirs)})
        assert not pycache.exists()
        assert not list(theirs.rglob("*.pyc")), "their PYTHONDONTWRITEBYTECODE stands too"

        plain = CheckContext(project, base_env={"PATH": os.environ["PATH"]})
        assert pytest_cov.bytecode_env(plain) == {}, "no PYTHONDONTWRITEBYTECODE: env as it is"

        off = make_repo(pyproject=CLEAN_PYPROJECT + "bytecode-cache = false\n", name="off")
        run({}, off, project_env(off, python312))
        assert not (off.state_dir / "cache" / "pycache").exists()
        assert not [p for p in off.root.rglob("*.pyc") if ".taskbelt-cache" not in p.parts]

    def test_no_sysmon_where_branches_are_measured(self, make_repo: MakeRepo) -> None:
        """Branch coverage (coverage config or pytest-cov option) keeps the default core, as does 3.11."""
        plain = make_repo()
        ctx = CheckContext(plain, base_env={})
        assert pytest_cov.coverage_core(ctx, "3.13") == {"COVERAGE_CORE": "sysmon"}
        assert pytest_cov.coverage_core(ctx, "3.11") == {}
        branchy = make_repo(
            pyproject=CLEAN_PYPROJECT + "[tool.coverage.run]\nbranch = true\n", name="branchy"
        )
        assert pytest_cov.coverage_core(CheckContext(branchy, base_env={}), "3.12") == {}
        rc = make_repo({**CLEAN_SRC, "pytest.ini": "[pytest]\naddopts = --cov-branch\n"}, name="rc")
        assert pytest_cov.coverage_core(CheckContext(rc, base_env={}), "3.12") == {}

    def test_zero_tests_is_a_failure(
        self, make_repo: MakeRepo, project_env: Callable[..., Path], python312: Interpreter
    ) -> None:
        """No tests collected fails and says so."""
        files = {"src/demo/__init__.py": "", "tests/test_nothing.py": "X = 1\n"}
        project = make_repo(files)
        env = project_env(project, python312)
        result = pytest_cov.run(
            ctx_for(project, env, interpreter=python312, project_python=env / "bin/python")
        )
        assert result.status is Status.FAILED
        assert "no tests were collected" in result.summary

    def test_failing_test_named(
        self, make_repo: MakeRepo, project_env: Callable[..., Path], python312: Interpreter
    ) -> None:
        """A failing test is named in the summary."""
        files = {
            **CLEAN_SRC,
            "tests/test_demo.py": "def test_wrong() -> None:\n    assert 1 == 2\n",
        }
        project = make_repo(files)
        env = project_env(project, python312)
        result = pytest_cov.run(
            ctx_for(project, env, interpreter=python312, project_python=env / "bin/python")
        )
        assert result.status is Status.FAILED
        assert "0 passed, 1 failed" in result.summary
        assert "test_wrong" in result.summary

    def test_coverage_without_data_is_error(self, make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
        """No coverage data at all is an error, never a pass."""
        result = coverage.run(ctx_for(make_repo(), tool_venv("coverage")))
        assert result.status is Status.ERROR
        assert "no coverage data" in result.summary


def test_git_tree_untouched_by_checks(make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
    """Check mode leaves git's view of the repo clean (state lives in .taskbelt-cache/)."""
    project = make_repo({**CLEAN_SRC, "src/demo/extra.py": "import os\n"})
    (project.state_dir).mkdir()
    (project.state_dir / ".gitignore").write_text("*\n")
    lint.run(ctx_for(project, tool_venv("lint")))
    formatting.run(ctx_for(project, tool_venv("format")))
    assert git(project.root, "status", "--porcelain") == ""


def test_a_pinned_version_that_cannot_install_is_an_error_naming_the_way_out(
    make_repo: MakeRepo,
) -> None:
    """Fail closed: no ruff 0.0.0 exists, and taskbelt's ruff does not judge in its place."""
    hooks = AUTOUSE_FILES[".pre-commit-config.yaml"].replace("v0.16.3", "v0.0.0")
    project = make_repo({**AUTOUSE_FILES, ".pre-commit-config.yaml": hooks})
    with pytest.raises(ToolError) as info:
        create.tool_env(project, "lint")
    assert "ruff==0.0.0" in info.value.cause
    assert 'tool-versions = "taskbelt"' in info.value.fix
