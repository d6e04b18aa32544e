"""bandit's threshold and the repository's own bandit configuration.

By default a finding fails the audit at medium severity and above, as most
projects run bandit; those below are listed as notes. The repository's
``[tool.bandit]`` and ``.bandit`` decide which checks run where: the slow
tests hold taskbelt's findings against the pinned bandit run the way the
repository runs it.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import pytest
from conftest import CLEAN_SRC, MakeRepo, ToolVenv, write_files

from taskbelt import defaults
from taskbelt.checks.audit import bandit, banditconfig
from taskbelt.checks.base import CheckContext
from taskbelt.repository.project import Project
from taskbelt.results import Status
from taskbelt.settings.model import load_settings

PYPROJECT = '[project]\nname = "demo"\nversion = "0"\n'

#: Only low-severity findings: B404 (import subprocess), B101 (assert), B110 (pass in except).
LOW_ONLY = {
    **CLEAN_SRC,
    "src/demo/low.py": '''
        """Findings bandit ranks low."""
        import subprocess


        def check(value: int) -> int:
            """Assert, and swallow an error."""
            assert value > 0
            try:
                value = int(str(value))
            except Exception:
                pass
            return value
        ''',
}
#: A high (B602, shell=True) and a medium (B108, temp path) finding, in the
#: package and in a legacy folder.
MIXED = {
    **CLEAN_SRC,
    "src/demo/shell.py": '''
        """A shell call and a temp path."""
        import subprocess

        SCRATCH = "/tmp/demo"


        def run(cmd: str) -> int:
            """Run a shell command."""
            return subprocess.call(cmd, shell=True)
        ''',
    "src/demo/legacy/__init__.py": '''
        """Old code."""
        import subprocess


        def run(cmd: str) -> int:
            """Run a shell command."""
            return subprocess.call(cmd, shell=True)
        ''',
}


def ctx_for(project: Project, tool_venv: ToolVenv) -> CheckContext:
    return CheckContext(project=project, tools_bin=tool_venv("audit") / "bin")


def with_settings(project: Project, audit: dict[str, str]) -> Project:
    return dataclasses.replace(project, settings=load_settings({"audit": audit}))


def places(findings: list[dict[str, object]]) -> set[tuple[object, object, object]]:
    return {(f["test_id"], f["file"], f["line"]) for f in findings}


def own_run(project: Project, tool_venv: ToolVenv, *options: str) -> set[tuple[str, str, int]]:
    """What the pinned bandit itself reports, run in the repository with ``options``."""
    done = subprocess.run(
        [str(tool_venv("audit") / "bin" / "bandit"), *options, "-f", "json", "-q"],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    results = json.loads(done.stdout)["results"]
    return {(r["test_id"], r["filename"], r["line_number"]) for r in results}


# -- the threshold -----------------------------------------------------------


@pytest.mark.slow
def test_low_severity_findings_are_notes_by_default(
    make_repo: MakeRepo, tool_venv: ToolVenv
) -> None:
    project = make_repo(LOW_ONLY)
    result = bandit.scan(ctx_for(project, tool_venv))
    assert result.status is Status.PASSED
    assert (
        result.summary == "bandit clean (3 notes below medium severity: B101 x1, B110 x1, B404 x1)"
    )
    assert result.details["findings"] == []
    assert {f["test_id"] for f in result.details["notes"]} == {"B101", "B110", "B404"}
    assert result.details["threshold"] == {"severity": "medium", "confidence": "low"}
    assert "notes, below medium severity (not counted):" in result.output
    assert "src/demo/low.py:7:4: B101" in result.output
    log = json.loads((project.reports_dir / "bandit.sarif").read_text(encoding="utf-8"))
    assert {r["level"] for r in log["runs"][0]["results"]} == {"note"}


@pytest.mark.slow
def test_severity_low_makes_them_fail_again(make_repo: MakeRepo, tool_venv: ToolVenv) -> None:
    project = with_settings(make_repo(LOW_ONLY), {"severity": "low"})
    result = bandit.scan(ctx_for(project, tool_venv))
    assert result.status is Status.FAILED
    assert result.summary.startswith("bandit: 3 findings (B404 src/demo/low.py:2, ")
    assert result.details["notes"] == []


@pytest.mark.slow
def test_higher_findings_fail_and_the_low_ones_are_still_notes(
    make_repo: MakeRepo, tool_venv: ToolVenv
) -> None:
    """MIXED: B602 high, B108 medium fail; B404 low is a note; confidence too is a threshold."""
    project = make_repo(MIXED)
    result = bandit.scan(ctx_for(project, tool_venv))
    assert result.status is Status.FAILED
    assert {f["test_id"] for f in result.details["findings"]} == {"B602", "B108"}
    assert result.summary.endswith("; 2 notes below medium severity: B404 x2")
    # B108 is medium confidence: under a "high" confidence threshold it is a note
    strict = with_settings(project, {"confidence": "high"})
    result = bandit.scan(ctx_for(strict, tool_venv))
    assert {f["test_id"] for f in result.details["findings"]} == {"B602"}
    assert "notes below medium severity, high confidence: B108 x1, B404 x2" in result.summary


# -- the repository's own configuration ---------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("files", "own"),
    [
        (
            {".bandit": "[bandit]\nskips = B108,B404\nexclude = src/demo/legacy\n"},
            ("--ini", ".bandit", "-r", "src"),
        ),
        ({".bandit": "[bandit]\ntests = B602\n"}, ("--ini", ".bandit", "-r", "src")),
        ({".bandit": "skips: ['B602']\n"}, ("-c", ".bandit", "-r", "src")),
        (
            {
                "pyproject.toml": PYPROJECT
                + '\n[tool.bandit]\nskips = ["B404"]\nexclude_dirs = ["src/demo/legacy"]\n'
            },
            ("-c", "pyproject.toml", "-r", "src"),
        ),
        (
            {"pyproject.toml": PYPROJECT + '\n[tool.bandit]\ntests = ["B108", "B404"]\n'},
            ("-c", "pyproject.toml", "-r", "src"),
        ),
    ],
    ids=[
        ".bandit skips and exclude",
        ".bandit tests",
        ".bandit in YAML",
        "[tool.bandit] skips and exclude_dirs",
        "[tool.bandit] tests",
    ],
)
def test_the_repository_s_bandit_configuration_decides_what_is_checked(
    make_repo: MakeRepo, tool_venv: ToolVenv, files: dict[str, str], own: tuple[str, ...]
) -> None:
    """taskbelt's findings and notes are what bandit reports, run as the repository runs it."""
    project = make_repo(MIXED)
    write_files(project.root, files)
    project = Project.load(project.root)
    result = bandit.scan(ctx_for(project, tool_venv))
    reported = places(result.details["findings"]) | places(result.details["notes"])
    assert reported == own_run(project, tool_venv, *own)
    everything = own_run(project, tool_venv, "-r", "src")
    assert reported < everything  # the configuration left something out


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({}, (defaults.BANDIT_CONFIG, None, "taskbelt's config/bandit.toml")),
        ({"pyproject.toml": PYPROJECT + "[tool.bandit]\n"}, ("pyproject.toml", None, "[tool")),
        ({".bandit": "[bandit]\nskips = B101\n"}, (defaults.BANDIT_CONFIG, ".bandit", ".bandit (")),
        ({".bandit": "skips: [B101]\n"}, (".bandit", None, ".bandit (YAML)")),
        (
            {".bandit": "[bandit]\nconfigfile = b.yaml\n"},
            (None, ".bandit", "its configfile b.yaml"),
        ),
        (
            {"pyproject.toml": PYPROJECT + "[tool.bandit]\n", ".bandit": "[bandit]\n"},
            ("pyproject.toml", ".bandit", "[tool.bandit] in pyproject.toml, .bandit ("),
        ),
    ],
    ids=["none", "[tool.bandit]", ".bandit INI", ".bandit YAML", ".bandit naming one", "both"],
)
def test_which_configuration_bandit_is_given(
    make_repo: MakeRepo,
    files: dict[str, str],
    expected: tuple[Path | str | None, str | None, str],
) -> None:
    project = make_repo(commit=False)
    write_files(project.root, files)
    chosen = banditconfig.choose(Project.load(project.root))
    configfile, ini, source = expected
    root = project.root
    assert chosen.configfile == (root / configfile if isinstance(configfile, str) else configfile)
    assert chosen.ini == (root / ini if ini else None)
    assert source in chosen.source


# -- taskbelt's default configuration ------------------------------------------

SHELL_CALL = '''
    """A shell call."""
    import subprocess


    def run(cmd: str) -> int:
        """Run a shell command."""
        return subprocess.call(cmd, shell=True)
    '''
ASSERTING_TEST = """
    def test_it() -> None:
        assert 1 + 1 == 2
    """


@pytest.mark.slow
def test_the_default_leaves_out_test_folders_and_files_not_names_that_contain_test(
    make_repo: MakeRepo, tool_venv: ToolVenv
) -> None:
    """bandit matches an ``exclude_dirs`` entry as a substring of the path: the
    default must not leave out ``pytest_thing/``, ``attestation.py`` or
    ``builder.py`` (seen: pytest-mock's whole package unscanned, an error)."""
    files = {
        "src/pytest_thing/__init__.py": '"""A pytest plugin."""\n',
        "src/pytest_thing/shell.py": SHELL_CALL,
        "src/pytest_thing/attestation.py": SHELL_CALL,
        "src/pytest_thing/builder.py": SHELL_CALL,
        "src/pytest_thing/tests/__init__.py": "",
        "src/pytest_thing/tests/test_inside.py": ASSERTING_TEST,
        "src/pytest_thing/test_beside.py": ASSERTING_TEST,
        "src/pytest_thing/conftest.py": "assert True\n",
        "src/pytest_thing/build/gen.py": "assert True\n",
    }
    pyproject = '[project]\nname = "pytest-thing"\nversion = "0"\n'
    project = make_repo(files, pyproject=pyproject)
    result = bandit.scan(ctx_for(project, tool_venv))
    scanned = {f["file"] for f in result.details["findings"]} | {
        f["file"] for f in result.details["notes"]
    }
    assert scanned == {
        "src/pytest_thing/shell.py",
        "src/pytest_thing/attestation.py",
        "src/pytest_thing/builder.py",
    }
    assert result.status is Status.FAILED
    assert result.summary.startswith("bandit: 3 findings (B602 ")
    # what bandit itself reports under taskbelt's default file
    own = own_run(project, tool_venv, "-c", str(defaults.BANDIT_CONFIG), "-r", "src")
    assert places(result.details["findings"]) | places(result.details["notes"]) == own
