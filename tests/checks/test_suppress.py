"""bandit findings the repository already judged: ``# nosec``, ``# noqa: S108`` and ruff's comments.

The slow tests run the pinned bandit and ruff on throwaway repositories and
hold taskbelt's verdict against theirs: what bandit itself drops for a
``# nosec`` and what ruff itself drops for a ``# noqa`` are what taskbelt
lists as suppressed, and nothing else is.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
import pytest
from conftest import CLEAN_SRC, DATA, MakeRepo, ToolVenv

from taskbelt.checks.audit import bandit, bandit_issue, judged, suppress
from taskbelt.checks.base import CheckContext
from taskbelt.errors import ToolError
from taskbelt.repository.project import Project
from taskbelt.results import Status

SARIF_SCHEMA = json.loads((DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
NO_TESTS = suppress.BanditTests(frozenset({"B108", "B602", "B603"}), {})

#: Temporary paths (bandit B108, ruff S108): each line a different way of
#: suppressing the finding, or of failing to.
TEMP_FILES = '''\
"""Temporary files."""
# ruff: ignore[assert]

A = "/tmp/a"  # noqa: S108
B = "/tmp/b"  # noqa
C = "/tmp/c"  # noqa: E501
D = "/tmp/d"  # noqa:S101,S108
E = "/tmp/e"  # ruff: ignore[hardcoded-temp-file]
F = "/tmp/f"  # ruff: ignore[S108]
# ruff: ignore[hardcoded-temp-file]
G = "/tmp/g"
H = "/tmp/h"
I = """/tmp/i
"""  # noqa: S108
# ruff: disable[S108]
J = "/tmp/j"
K = "/tmp/k"
# ruff: enable[S108]
L = "/tmp/l"  # type: ignore  # noqa: S108
M = "/tmp/m"  # noqa: S1
'''
#: (line, suppressed by) for every B108 in TEMP_FILES; None: counted.
TEMP_VERDICTS = {
    4: "# noqa: S108",
    5: "# noqa",
    6: None,
    7: "# noqa:S101,S108",
    8: "# ruff: ignore[hardcoded-temp-file]",
    9: "# ruff: ignore[S108]",
    11: "# ruff: ignore[hardcoded-temp-file]",
    12: None,
    13: "# noqa: S108",
    16: "# ruff: disable[S108]",
    17: "# ruff: disable[S108]",
    19: "# noqa: S108",
    20: None,
}


def ctx_for(project: Project, tool_venv: ToolVenv) -> CheckContext:
    """The audit's tools: bandit, and ruff after it on PATH (as the audit check has them)."""
    return CheckContext(
        project=project,
        tools_bin=tool_venv("audit") / "bin",
        more_bins=(tool_venv("lint") / "bin",),
    )


# -- reading the comments: no tools -------------------------------------------


def test_each_way_of_suppressing_a_temp_path_covers_its_finding_only() -> None:
    comments = suppress.read(TEMP_FILES)
    found = {
        line: suppress.judged(comments, line, (line,), "B108", lambda: NO_TESTS)
        for line in TEMP_VERDICTS
    }
    assert found == TEMP_VERDICTS


@pytest.mark.parametrize(
    ("source", "test", "expected"),
    [
        ("x = 1  # ruff: noqa\n", "B108", "# ruff: noqa"),
        ("# ruff: noqa: S101\nassert x\n", "B101", "# ruff: noqa: S101"),
        ("# ruff: noqa: S101\nx = '/tmp/x'\n", "B108", None),
        ("# flake8: noqa\nx = '/tmp/x'\n", "B108", "# flake8: noqa"),
        ("# flake8: noqa: S108\nx = '/tmp/x'\n", "B108", None),
        ("# ruff: file-ignore[assert]\nassert x\n", "B101", "# ruff: file-ignore[assert]"),
        ("x = '# noqa'\n", "B108", None),
    ],
    ids=[
        "file noqa",
        "file noqa with the code",
        "file noqa with another code",
        "flake8 file noqa",
        "flake8 file noqa with codes (flake8 ignores it)",
        "file-ignore by name",
        "noqa inside a string",
    ],
)
def test_whole_file_comments(source: str, test: str, expected: str | None) -> None:
    line = source.count("\n")
    assert suppress.judged(suppress.read(source), line, (line,), test, lambda: NO_TESTS) == expected


def test_nosec_is_read_as_bandit_reads_it() -> None:
    """bandit's own quirks included: `B602,B603` without a space names B603 only."""
    tests = suppress.BanditTests(
        frozenset({"B602", "B603"}), {"subprocess_popen_with_shell_equals_true": "B602"}
    )
    source = (
        "a()  # nosec\n"
        "b()  # nosec B602\n"
        "c()  # nosec: subprocess_popen_with_shell_equals_true\n"
        "d()  # nosec B602,B603\n"
        "e()  # nosec because it is fine\n"
        "f()  # nosec B603\n"
    )
    comments = suppress.read(source)
    verdicts = [suppress.judged(comments, n, (n,), "B602", lambda: tests) for n in range(1, 7)]
    assert verdicts == ["# nosec", "# nosec B602", "# nosec B602", None, "# nosec", None]


def test_bandit_s_test_names_are_asked_for_only_when_a_nosec_names_one() -> None:
    def never() -> suppress.BanditTests:
        raise AssertionError("bandit's tests were asked for")

    comments = suppress.read("a()  # nosec\nb()  # noqa: S602\nc()\n")
    assert [suppress.judged(comments, n, (n,), "B602", never) for n in (1, 2, 3)] == [
        "# nosec",
        "# noqa: S602",
        None,
    ]


# -- the real tools -----------------------------------------------------------


def _ruff_s108_lines(ruff: Path, root: Path, file: str) -> set[int]:
    done = subprocess.run(
        [
            str(ruff),
            "check",
            "--isolated",
            "--preview",
            "--select",
            "S108",
            "--no-cache",
            file,
            "--output-format",
            "json",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return {item["location"]["row"] for item in json.loads(done.stdout)}


@pytest.mark.slow
def test_ruff_s_suppressions_of_s108_are_bandit_s_b108_suppressed(
    make_repo: MakeRepo, tool_venv: ToolVenv
) -> None:
    """taskbelt counts exactly the B108 lines ruff itself reports for S108; the rest are listed."""
    project = make_repo({**CLEAN_SRC, "src/demo/temp.py": TEMP_FILES})
    result = bandit.scan(ctx_for(project, tool_venv))
    counted = {f["line"] for f in result.details["findings"] if f["test_id"] == "B108"}
    ruff_reports = _ruff_s108_lines(
        tool_venv("lint") / "bin" / "ruff", project.root, "src/demo/temp.py"
    )
    assert counted == ruff_reports == {n for n, by in TEMP_VERDICTS.items() if by is None}
    listed = {(f["line"], f["by"]) for f in result.details["suppressed"]}
    assert listed == {(n, by) for n, by in TEMP_VERDICTS.items() if by is not None}
    assert result.status is Status.FAILED
    assert result.summary.startswith("bandit: 3 findings (B108 src/demo/temp.py:6,")


@pytest.mark.slow
def test_nosec_suppresses_exactly_what_bandit_s_own_run_drops(
    make_repo: MakeRepo, tool_venv: ToolVenv
) -> None:
    source = '''\
        """Shell calls."""
        import subprocess  # nosec B404

        subprocess.call("a", shell=True)  # nosec
        subprocess.call("b", shell=True)  # nosec B602
        subprocess.call("c", shell=True)  # nosec: subprocess_popen_with_shell_equals_true
        subprocess.call("d", shell=True)  # nosec B603,B602
        subprocess.call("e", shell=True)  # nosec B603, B602
        subprocess.call("f", shell=True)  # nosec B603
        subprocess.call("g", shell=True)  # nosec - reviewed, safe
        subprocess.call(  # nosec B602
            "h",
            shell=True,
        )
        subprocess.call(
            "i",
            shell=True,  # nosec B602
        )
        subprocess.call("j", shell=True)
        text = "# nosec"; subprocess.call("k", shell=True)
        '''
    project = make_repo({**CLEAN_SRC, "src/demo/shell.py": source})
    bin_dir = tool_venv("audit") / "bin"
    own = subprocess.run(
        [str(bin_dir / "bandit"), "-r", "src", "-f", "json", "-q"],
        cwd=project.root,
        capture_output=True,
        text=True,
        check=False,
    )
    bandit_keeps = {(r["test_id"], r["line_number"]) for r in json.loads(own.stdout)["results"]}
    result = bandit.scan(ctx_for(project, tool_venv))
    counted = {
        (f["test_id"], f["line"])
        for f in [*result.details["findings"], *result.details["notes"]]
        if f["test_id"] != "TB001"
    }
    assert counted == bandit_keeps
    assert ("B602", 19) in counted
    assert ("B602", 4) not in counted
    assert {(f["line"], f["by"]) for f in result.details["suppressed"]} >= {
        (2, "# nosec B404"),
        (4, "# nosec"),
        (6, "# nosec B602"),
    }


@pytest.mark.slow
def test_a_source_that_suppressed_every_finding_passes_and_its_sarif_says_why(
    make_repo: MakeRepo, tool_venv: ToolVenv
) -> None:
    """platformdirs' case: a temp path its ruff comment already judged."""
    source = (
        '"""Runtime folder."""\n'
        "import os\n\n"
        'PATH = f"/tmp/run/user/{os.getuid()}"  # ruff: ignore[hardcoded-temp-file]\n'
    )
    project = make_repo({**CLEAN_SRC, "src/demo/unix.py": source})
    result = bandit.scan(ctx_for(project, tool_venv))
    assert (result.status, result.summary) == (
        Status.PASSED,
        "bandit clean (1 suppressed in the source)",
    )
    assert result.details["findings"] == []
    [listed] = result.details["suppressed"]
    assert (listed["test_id"], listed["line"], listed["by"]) == (
        "B108",
        4,
        "# ruff: ignore[hardcoded-temp-file]",
    )
    log = json.loads((project.reports_dir / "bandit.sarif").read_text(encoding="utf-8"))
    jsonschema.validate(log, SARIF_SCHEMA)
    [sarif_result] = log["runs"][0]["results"]
    assert sarif_result["suppressions"] == [
        {"kind": "inSource", "justification": "# ruff: ignore[hardcoded-temp-file]"}
    ]


#: A repository judging S rules in its ruff settings: everywhere (with a comment, as
#: written in the wild), for one file, and a rule selected again more precisely.
RUFF_JUDGES = """
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.9"

[tool.ruff.lint]
extend-select = ["S602"]
ignore = [
    "S307",  # eval FTW
    "S6",
]
per-file-ignores."src/demo/shell.py" = ["S603", "S404"]
"""
SHELL = (
    '"""Shell."""\nimport subprocess\n\n\n'
    "def run(cmd: str) -> int:\n"
    '    """Run."""\n'
    "    subprocess.run([cmd], check=True)\n"
    "    return eval(cmd)\n"
)
LOOSE = '"""Loose."""\nimport subprocess\n\n\ndef go(cmd: str) -> None:\n    """Go."""\n    subprocess.call(cmd, shell=True)\n'


@pytest.mark.slow
def test_ruff_settings_that_ignore_an_s_rule_suppress_its_bandit_finding(
    make_repo: MakeRepo, tool_venv: ToolVenv
) -> None:
    """``ignore = ["S307"  # eval FTW]`` and ``per-file-ignores``: suppressed, and where.

    ``S6`` is ignored too, but ``extend-select = ["S602"]`` is more precise:
    ruff reports S602, and so B602 counts. Before, every finding counted.
    """
    files = {**CLEAN_SRC, "src/demo/shell.py": SHELL, "src/demo/loose.py": LOOSE}
    project = make_repo(files, pyproject=RUFF_JUDGES)
    result = bandit.scan(ctx_for(project, tool_venv))
    assert result.status is Status.FAILED, result.summary
    counted = {(f["test_id"], f["file"], f["line"]) for f in result.details["findings"]}
    assert counted == {("B602", "src/demo/loose.py", 7)}, result.summary
    by = {(f["test_id"], f["file"], f["line"]): f["by"] for f in result.details["suppressed"]}
    assert by == {
        ("B307", "src/demo/shell.py", 8): "ruff: [tool.ruff.lint] ignore in pyproject.toml (S307)",
        ("B603", "src/demo/shell.py", 7): "ruff: per-file-ignores in pyproject.toml (S603)",
    }, result.details["suppressed"]
    assert "2 suppressed by ruff's settings" in result.summary, result.summary
    log = json.loads((project.reports_dir / "bandit.sarif").read_text(encoding="utf-8"))
    jsonschema.validate(log, SARIF_SCHEMA)
    kinds = {
        r["ruleId"]: r["suppressions"][0]["kind"]
        for r in log["runs"][0]["results"]
        if r.get("suppressions")
    }
    assert kinds == {"B307": "external", "B603": "external"}


@pytest.mark.slow
def test_ruff_s_rule_names_are_those_of_the_pinned_ruff(tool_venv: ToolVenv) -> None:
    done = subprocess.run(
        [str(tool_venv("lint") / "bin" / "ruff"), "rule", "--all", "--output-format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    pinned = {
        r["name"]: r["code"] for r in json.loads(done.stdout) if r["linter"] == "flake8-bandit"
    }
    assert suppress.ruff_codes() == pinned


def test_a_bandit_that_cannot_list_its_tests_is_an_error_not_a_guess(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """A `# nosec B602` cannot be read without bandit's test names: the scan fails closed."""
    project = make_repo({**CLEAN_SRC, "src/demo/shell.py": "x = 1  # nosec B602\n"})
    broken = tmp_path / "bin"
    broken.mkdir()
    (broken / "python").write_text("#!/bin/sh\necho 'No module named bandit' >&2\nexit 1\n")
    (broken / "python").chmod(0o755)
    finding = bandit_issue.Issue("src/demo/shell.py", 1, 0, "B602", "shell", "HIGH", "HIGH", "t")
    comments = {"src/demo/shell.py": suppress.read("x = 1  # nosec B602\n")}
    with pytest.raises(ToolError, match="bandit could not list its tests") as raised:
        judged.suppressed(CheckContext(project=project, tools_bin=broken), [finding], comments)
    assert "No module named bandit" in raised.value.output
