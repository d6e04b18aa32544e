"""The test run and coverage: the real pytest and coverage in the project's environment, the gate and its figure."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CLEAN_PYPROJECT, CLEAN_SRC, MakeRepo, ToolVenv, ctx_for, git, write_files

from taskbelt.checks import coverage, coverage_paths
from taskbelt.checks.base import CheckContext
from taskbelt.checks.pytest import check as pytest_cov
from taskbelt.checks.pytest.check import coverage_dir
from taskbelt.output.report import github
from taskbelt.repository.project import Project
from taskbelt.results import RunSummary, Status
from taskbelt.tools.interpreters import Interpreter

pytestmark = pytest.mark.slow


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

    def test_a_critical_path_fails_while_the_total_passes(
        self, make_repo: MakeRepo, run_ctx: RunCtx
    ) -> None:
        """``[tool.taskbelt.coverage] paths``: the core's own figure is gated, not only the total."""
        big = "".join(f"VALUE_{i} = {i}\n" for i in range(60))
        core = (
            "def route(kind: str) -> str:\n"
            "    if kind == 'a':\n        return 'A'\n"
            "    if kind == 'b':\n        return 'B'\n"
            "    return 'other'\n"
        )
        files = {
            **CLEAN_SRC,
            "src/demo/big.py": big,
            "src/demo/core/__init__.py": "",
            "src/demo/core/route.py": core,
            "tests/test_more.py": (
                "from demo import big\nfrom demo.core.route import route\n\n\n"
                "def test_route() -> None:\n    assert route('a') == 'A'\n    assert big.VALUE_1 == 1\n"
            ),
        }
        pyproject = (
            CLEAN_PYPROJECT + '\n[tool.taskbelt.coverage]\npaths = { "src/demo/core/*" = 95 }\n'
        )
        project = make_repo(files, pyproject=pyproject)
        ctx = run_ctx(project)
        assert pytest_cov.run(ctx).status is Status.PASSED
        gate = coverage.run(ctx)
        assert gate.status is Status.FAILED, gate.summary
        total = gate.details["percent"]
        assert total >= 90, "the total passes"
        assert gate.summary == (
            f"{total:.2f}% covered (gate 90%, combined over 3.12); src/demo/core/* 50.00%, "
            "95% required (least covered: src/demo/core/route.py 50.00%, "
            "src/demo/core/__init__.py 100.00%)"
        )
        assert gate.details["paths"][0]["passed"] is False

    def test_the_changed_lines_gate_fails_while_the_total_passes(
        self, make_repo: MakeRepo, run_ctx: RunCtx, tool_venv: ToolVenv
    ) -> None:
        """``diff-fail-under``: the lines changed since the merge base, judged by diff-cover."""
        big = "".join(f"VALUE_{i} = {i}\n" for i in range(60))
        files = {**CLEAN_SRC, "src/demo/big.py": big, "tests/test_big.py": "from demo import big\n"}
        project = make_repo(files, pyproject=CLEAN_PYPROJECT + "diff-fail-under = 80\n")
        started = git(project.root, "rev-parse", "HEAD").strip()
        added = "def added(x: int) -> int:\n    if x:\n        return 1\n    return 2\n"
        write_files(
            project.root, {"src/demo/added.py": added, "tests/test_added.py": "import demo.added\n"}
        )
        quiet = {
            k: v
            for k, v in os.environ.items()
            if k not in ("GITHUB_BASE_REF", "CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
        }
        ctx = dataclasses.replace(
            run_ctx(project), base_env=quiet, more_bins=(tool_venv("diff-cover") / "bin",)
        )
        assert pytest_cov.run(ctx).status is Status.PASSED

        # no base branch here: not judged, and said; on a pull request that is an error
        alone = coverage.run(ctx)
        assert alone.status is Status.PASSED, alone.summary
        assert "changed lines not judged: no base branch here" in alone.summary
        asked = coverage.run(
            dataclasses.replace(ctx, base_env={**quiet, "GITHUB_BASE_REF": "main"})
        )
        assert asked.status is Status.ERROR, asked.summary
        assert "fetch-depth: 0" in asked.summary

        git(project.root, "update-ref", "refs/remotes/origin/main", started)
        ctx = dataclasses.replace(ctx, project=Project.load(project.root))
        gate = coverage.run(ctx)
        assert gate.status is Status.FAILED, gate.summary
        total = gate.details["percent"]
        assert total >= 90, "the total passes"
        assert gate.summary.endswith(
            f"; changed lines 25.00% covered, 80% required (4 changed lines against origin/main "
            f"at {started[:12]}); not run: src/demo/added.py:2, 3, 4"
        )
        assert gate.details["diff"]["uncovered"] == {"src/demo/added.py": [2, 3, 4]}
        # GitHub's annotations point at them, one per run of lines
        assert [
            line for line in github.annotation_lines(RunSummary((gate,))) if "added" in line
        ] == [
            "::error file=src/demo/added.py,line=2,title=coverage::changed lines 2-4, not run by "
            "the tests (diff-fail-under)"
        ]

        write_files(
            project.root,
            {
                "tests/test_added.py": (
                    "from demo.added import added\n\n\ndef test_added() -> None:\n"
                    "    assert added(1) + added(0) == 3\n"
                )
            },
        )
        assert pytest_cov.run(ctx).status is Status.PASSED
        covered = coverage.run(ctx)
        assert covered.status is Status.PASSED, covered.summary
        assert (
            "; changed lines 100.00% covered (diff gate 80%, 4 changed lines against"
            in covered.summary
        )

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
        assert not coverage_paths.fails(89.996, 90, 2)
        assert coverage_paths.fails(89.994, 90, 2)
        assert coverage_paths.fails(99.999, 100, 2)
        assert not coverage_paths.fails(100.0, 100, 0)

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

    def test_the_tests_know_their_python_and_the_runs(
        self, make_repo: MakeRepo, run_ctx: RunCtx
    ) -> None:
        """TASKBELT_TEST_PYTHON is the session's version; TASKBELT_TEST_MATRIX the run's Pythons."""
        files = {
            **CLEAN_SRC,
            "tests/test_demo.py": (
                "import os\n\n\ndef test_where() -> None:\n"
                "    print('seen', os.environ['TASKBELT_TEST_PYTHON'], os.environ['TASKBELT_TEST_MATRIX'])\n"
                "    assert os.environ['TASKBELT_TEST_PYTHON'] == os.environ['EXPECT_PYTHON']\n"
                "    assert os.environ['TASKBELT_TEST_MATRIX'] == os.environ['EXPECT_MATRIX']\n"
            ),
        }
        project = make_repo(files)
        ctx = run_ctx(project)
        expect = {**ctx.base_env, "EXPECT_PYTHON": "3.12", "EXPECT_MATRIX": "3.12"}
        alone = pytest_cov.run(dataclasses.replace(ctx, base_env=expect))
        assert alone.status is Status.PASSED, alone.output
        expect = {**expect, "EXPECT_MATRIX": "3.11,3.12"}
        both = pytest_cov.run(dataclasses.replace(ctx, base_env=expect, tested=("3.11", "3.12")))
        assert both.status is Status.PASSED, both.output

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
