"""The debt ledger through the CLI, with the real ruff, mypy and bandit on a throwaway repository.

A repository with a few dozen lint findings, type errors and bandit findings
adopts through ``taskbelt ledger`` and then passes; afterwards only what is
new fails, and edits elsewhere in a file keep its known findings known.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from conftest import (
    ADVISORY_DB,
    TASKBELT_ROOT,
    MakeRepo,
    ToolVenv,
    assert_two_line_error,
    taskbelt,
)

pytestmark = pytest.mark.slow

PYPROJECT = """
[project]
name = "legacy"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []

[tool.taskbelt]
python = ["3.12"]

[tool.ruff.lint]
select = ["E", "F", "B", "UP"]
"""

#: Per module: 4 unused imports, 2 `== None`, 1 mutable default (lint: 7);
#: 2 type errors; `shell=True` and `eval` (bandit: 2).
MODULE = '''\
"""Module {n}."""
import os
import sys
import json
import re
import subprocess


def run_{n}(cmd: str, seen: list = []) -> int:
    if cmd == None:
        return "none"
    subprocess.call(cmd, shell=True)
    return len(seen)


def parse_{n}(text: str) -> int:
    value: int = eval(text)
    if value == None:
        return 0
    return value + "1"
'''
FILES = {f"src/legacy/mod{n}.py": MODULE.format(n=n) for n in range(4)}
FILES["src/legacy/__init__.py"] = '"""Legacy."""\n'
FILES["tests/test_legacy.py"] = "def test_nothing() -> None:\n    assert True\n"
CHECKS = ("lint", "typecheck", "audit")
ENV = {"TASKBELT_AUDIT__ADVISORY_DB": str(ADVISORY_DB)}
SARIF_SCHEMA = json.loads((TASKBELT_ROOT / "tests/data/sarif-schema-2.1.0.json").read_text("utf-8"))


def run_checks(root: Path, **env: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    report = root.parent / "report.json"
    done = taskbelt(root, "run", *CHECKS, env={**ENV, "TASKBELT_REPORT": str(report), **env})
    rows = {c["name"]: c for c in json.loads(report.read_text(encoding="utf-8"))["checks"]}
    return done, rows


def states(row: dict[str, Any]) -> list[str]:
    findings = row["details"].get("findings") or row["details"].get("bandit", {}).get("findings")
    return sorted(f["state"] for f in findings or [])


def sarif_results(root: Path, check: str, tool: str) -> list[dict[str, Any]]:
    """The results of ``reports/<check>.sarif``, a valid log of one run of ``tool``."""
    log = json.loads((root / f".taskbelt-cache/reports/{check}.sarif").read_text("utf-8"))
    jsonschema.validate(log, SARIF_SCHEMA)
    assert [run["tool"]["driver"]["name"] for run in log["runs"]] == [tool]
    results: list[dict[str, Any]] = log["runs"][0]["results"]
    assert all(r["partialFingerprints"]["taskbelt/v1"] for r in results)
    return results


def edit(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_adopt_then_only_what_is_new_fails(make_repo: MakeRepo) -> None:
    project = make_repo(FILES, pyproject=PYPROJECT)
    root = project.root
    done, rows = run_checks(root)
    assert done.returncode == 1, done.stdout + done.stderr
    assert rows["lint"]["summary"].startswith("28 findings;"), rows["lint"]["summary"]
    assert rows["typecheck"]["summary"].startswith("8 type errors;")
    assert "bandit: 8 findings" in rows["audit"]["summary"]

    # adopt: the ledger records every finding, and the same run passes
    adopted = taskbelt(root, "ledger", env=ENV)
    assert adopted.returncode == 0, adopted.stdout + adopted.stderr
    assert "taskbelt-ledger.toml: 44 known findings (lint 28, typecheck 8, audit 8)" in (
        adopted.stdout
    )
    ledger = (root / "taskbelt-ledger.toml").read_text(encoding="utf-8")
    assert "shell=True" not in ledger.split("message")[0], "no offending line is stored"
    done, rows = run_checks(root)
    assert done.returncode == 0, done.stdout + done.stderr
    assert rows["lint"]["summary"] == "no new findings, 28 known"
    assert rows["typecheck"]["summary"] == "no new type errors, 8 known"
    assert "bandit clean (8 known in taskbelt-ledger.toml" in rows["audit"]["summary"]
    assert states(rows["lint"]) == ["known"] * 28

    # a new finding fails, and only it is named
    edit(root, "src/legacy/mod2.py", "import re\n", "import re\nimport shutil\n")
    done, rows = run_checks(root)
    assert done.returncode == 1
    lint = rows["lint"]
    assert lint["status"] == "failed"
    assert lint["summary"].startswith(
        "1 new finding, 28 known; first: src/legacy/mod2.py:6:8: F401"
    )
    assert "shutil" in lint["summary"]
    assert [f["message"] for f in lint["details"]["findings"] if f["state"] == "new"] == [
        "`shutil` imported but unused"
    ]
    assert rows["typecheck"]["status"] == rows["audit"]["status"] == "passed"
    assert "mod2.py:6:8: F401" in done.stdout
    assert "mod1.py" not in done.stdout, "a known finding is not shown"
    # SARIF: the same verdicts, with the ledger's fingerprints (code scanning's baseline)
    results = sarif_results(root, "lint", "ruff")
    assert Counter(r["baselineState"] for r in results) == {"unchanged": 28, "new": 1}
    (new,) = [r for r in results if r["baselineState"] == "new"]
    assert (new["ruleId"], new["locations"][0]["physicalLocation"]["region"]["startLine"]) == (
        "F401",
        6,
    )
    edit(root, "src/legacy/mod2.py", "import shutil\n", "")

    # a new type error: the output shows it, not the 8 known ones
    with (root / "src/legacy/mod2.py").open("a", encoding="utf-8") as handle:
        handle.write('\n\ndef label() -> int:\n    return "x"\n')
    done, rows = run_checks(root)
    assert rows["typecheck"]["summary"].startswith(
        "1 new type error, 8 known; first: src/legacy/mod2.py:24:12: return-value"
    )
    assert "mod1.py" not in done.stdout
    results = sarif_results(root, "typecheck", "mypy")
    assert Counter((r["baselineState"], r["level"]) for r in results) == {
        ("unchanged", "error"): 8,
        ("new", "error"): 1,
    }
    edit(root, "src/legacy/mod2.py", '\n\ndef label() -> int:\n    return "x"\n', "")


def test_edits_elsewhere_keep_findings_known_and_copies_are_new(make_repo: MakeRepo) -> None:
    project = make_repo(FILES, pyproject=PYPROJECT)
    root = project.root
    adopted = taskbelt(root, "ledger", env=ENV)
    assert adopted.returncode == 0, adopted.stdout + adopted.stderr

    # lines inserted above known findings, and a function moved within its file: still known
    edit(root, "src/legacy/mod0.py", '"""Module 0."""\n', '"""Module 0.\n\nNow longer.\n"""\n\n')
    text = (root / "src/legacy/mod1.py").read_text(encoding="utf-8")
    head, run, parse = text.split("\n\n\n")
    (root / "src/legacy/mod1.py").write_text(
        "\n\n\n".join([head, parse.rstrip("\n"), run]) + "\n", encoding="utf-8"
    )
    done, rows = run_checks(root)
    assert done.returncode == 0, done.stdout + done.stderr

    # a second copy of a known offending line is new (the count went up)
    edit(
        root,
        "src/legacy/mod3.py",
        "    subprocess.call(cmd, shell=True)\n",
        "    subprocess.call(cmd, shell=True)\n    subprocess.call(cmd, shell=True)\n",
    )
    done, rows = run_checks(root)
    assert done.returncode == 1
    assert rows["audit"]["status"] == "failed"
    assert "bandit: 1 new finding (B602 src/legacy/mod3.py:13)" in rows["audit"]["summary"]
    assert rows["lint"]["status"] == "passed"

    # a fixed finding is said locally, and fails on a CI runner until the ledger is pruned
    edit(root, "src/legacy/mod0.py", "import os\n", "")
    fixed = "1 fixed ledger entry still in taskbelt-ledger.toml (first: src/legacy/mod0.py: F401)"
    done, rows = run_checks(root)
    assert rows["lint"]["status"] == "passed"
    assert rows["lint"]["summary"] == (
        f"no new findings, 27 known; {fixed}: drop it with `mise run ledger -- --prune`"
    )
    done, rows = run_checks(root, CI="true")
    assert rows["lint"]["status"] == "failed"
    assert fixed in rows["lint"]["summary"]
    assert [(f["path"], f["rule"], f["state"]) for f in rows["lint"]["details"]["fixed"]] == [
        ("src/legacy/mod0.py", "F401", "fixed")
    ]
    (gone,) = [r for r in sarif_results(root, "lint", "ruff") if r["baselineState"] == "absent"]
    assert (gone["ruleId"], gone["level"]) == ("F401", "none")

    # the fixed entry goes with --prune, which adds nothing (the copy stays unrecorded)
    pruned = taskbelt(root, "ledger", "--prune", env=ENV)
    assert pruned.returncode == 0, pruned.stdout + pruned.stderr
    assert "taskbelt: taskbelt-ledger.toml: 43 known findings (lint 27, typecheck 8, audit 8)" in (
        pruned.stdout
    )
    assert "taskbelt: dropped 1 fixed" in pruned.stdout
    assert "taskbelt: not recorded: 1 new finding" in pruned.stdout


def test_an_expired_entry_fails_with_its_reason(make_repo: MakeRepo) -> None:
    project = make_repo(
        {**FILES, "src/legacy/mod1.py": "", "src/legacy/mod2.py": "", "src/legacy/mod3.py": ""},
        pyproject=PYPROJECT,
    )
    root = project.root
    assert taskbelt(root, "ledger", env=ENV).returncode == 0
    # -v lists the known findings: after a real run, and in the fast answer of an unchanged one
    for _ in range(2):
        shown = taskbelt(root, "run", "lint", "-v", env=ENV)
        assert shown.returncode == 0, shown.stdout + shown.stderr
        block = shown.stdout.split("--- lint: ", 1)[1]
        assert re.match(
            r"\d+ known findings?, in the debt ledger ---\n  src/legacy/mod0.py:", block
        )
    assert "known finding" not in taskbelt(root, "run", "lint", env=ENV).stdout
    with (root / "taskbelt-ledger.toml").open("a", encoding="utf-8") as handle:
        handle.write(
            '\n[[group]]\ncheck = "typecheck"\nreason = "typed in the 2.0 rewrite"\n'
            "until = 2020-01-31\n"
        )
    done, rows = run_checks(root)
    assert done.returncode == 1
    summary = rows["typecheck"]["summary"]
    assert summary.startswith("2 new type errors, 0 known"), summary
    assert "mod0.py:" in done.stdout
    assert (
        "2 findings new again: their ledger entry expired 2020-01-31 (typed in the 2.0 rewrite)"
        in summary
    )
    assert rows["lint"]["status"] == "passed"


def test_a_broken_ledger_stops_before_any_check(make_repo: MakeRepo) -> None:
    project = make_repo(
        {**FILES, "src/legacy/mod1.py": "", "src/legacy/mod2.py": "", "src/legacy/mod3.py": ""},
        pyproject=PYPROJECT,
    )
    text = 'version = 1\n[[finding]]\ncheck = "lint"\ntool = "flake8"\nrule = "E1"\npath = "a.py"\nfingerprint = "f"\n'
    (project.root / "taskbelt-ledger.toml").write_text(text, encoding="utf-8")
    for args in (("run", "lint"), ("ledger",)):
        done = taskbelt(project.root, *args, env=ENV)
        assert_two_line_error(
            done, "taskbelt-ledger.toml: finding 1 (a.py): lint has no tool 'flake8'"
        )
        assert (project.root / "taskbelt-ledger.toml").read_text(encoding="utf-8") == text


ROUTE = '''"""Routing."""


def route(kind: str) -> str:
    """Where ``kind`` goes."""
    if kind == "a":
        return "A"
    if kind == "b":
        return "B"
    return "other"
'''
BIG = '"""Constants."""\n\n' + "".join(f"VALUE_{i} = {i}\n" for i in range(80))
COVERED = {
    "pyproject.toml": PYPROJECT.replace('name = "legacy"', 'name = "demo"'),
    "src/demo/__init__.py": '"""Demo."""\n',
    "src/demo/big.py": BIG,
    "src/demo/route.py": ROUTE,
    "tests/test_route.py": (
        "from demo import big\nfrom demo.route import route\n\n\n"
        "def test_route() -> None:\n    assert big.VALUE_1 == 1\n"
        "    assert [route(k) for k in 'abc'] == ['A', 'B', 'other']\n"
    ),
}


def test_a_file_below_its_coverage_floor_fails_while_the_total_passes(
    make_repo: MakeRepo,
) -> None:
    project = make_repo(COVERED, pyproject=COVERED["pyproject.toml"])
    root = project.root
    adopted = taskbelt(root, "ledger", env=ENV)
    assert adopted.returncode == 0, adopted.stdout + adopted.stderr
    assert "taskbelt: coverage floors: 3 files" in adopted.stdout
    assert '"src/demo/route.py" = 100' in (root / "taskbelt-ledger.toml").read_text("utf-8")

    # the tests now leave two of route's branches: the total still passes, route does not
    edit(
        root,
        "tests/test_route.py",
        "[route(k) for k in 'abc'] == ['A', 'B', 'other']",
        "route('a') == 'A'",
    )
    report = root.parent / "coverage.json"
    done = taskbelt(root, "run", "test", env={**ENV, "TASKBELT_REPORT": str(report)})
    assert done.returncode == 1, done.stdout + done.stderr
    row = next(
        c for c in json.loads(report.read_text("utf-8"))["checks"] if c["name"] == "coverage"
    )
    assert row["status"] == "failed"
    assert row["details"]["percent"] >= 90, "the total passes"
    assert "; src/demo/route.py 50.00% is below its ledger floor 100%" in row["summary"], row[
        "summary"
    ]


#: Two type errors every checker reports, and how each records its own baseline.
TWO_ERRORS = '"""Typed."""\n\n\ndef count() -> int:\n    return "one"\n\n\ndef name() -> str:\n    return 1\n'
CHECKER_BASELINES = {
    "basedpyright": ("[tool.basedpyright]\n", ".basedpyright/baseline.json"),
    "pyrefly": (
        '[tool.pyrefly]\nproject-includes = ["src"]\nbaseline = "pyrefly-baseline.json"\n',
        "pyrefly-baseline.json",
    ),
    "mypy": ("[tool.mypy]\nstrict = true\n", "mypy-baseline.txt"),
}


def record_baseline(checker: str, root: Path, tool_venv: ToolVenv) -> None:
    """The checker's baseline, written by the checker (or mypy-baseline) itself."""
    if checker == "basedpyright":
        command = [str(tool_venv("typecheck-basedpyright") / "bin/basedpyright"), "--writebaseline"]
        subprocess.run(command, cwd=root, capture_output=True, check=False)
    elif checker == "pyrefly":
        command = [
            str(tool_venv("typecheck-pyrefly") / "bin/pyrefly"),
            "check",
            "--update-baseline",
        ]
        subprocess.run(command, cwd=root, capture_output=True, check=False)
    else:
        mypy = [str(tool_venv("typecheck") / "bin/mypy"), "src"]
        found = subprocess.run(mypy, cwd=root, capture_output=True, check=False)
        sync = [str(tool_venv("mypy-baseline") / "bin/mypy-baseline"), "sync"]
        subprocess.run(sync, cwd=root, input=found.stdout, capture_output=True, check=False)


@pytest.mark.parametrize("checker", sorted(CHECKER_BASELINES))
def test_a_checker_s_own_baseline_imports_into_the_ledger(
    make_repo: MakeRepo, tool_venv: ToolVenv, checker: str
) -> None:
    """``ledger --import-baselines`` records what the baseline lists; then the file can go."""
    settings, name = CHECKER_BASELINES[checker]
    files = {
        "src/typed/__init__.py": TWO_ERRORS,
        "tests/test_typed.py": FILES["tests/test_legacy.py"],
    }
    project = make_repo(files, pyproject=PYPROJECT.replace("legacy", "typed") + settings)
    root = project.root
    record_baseline(checker, root, tool_venv)
    assert (root / name).is_file()
    _, rows = run_checks(root)
    assert rows["typecheck"]["summary"] == f"no type errors; 2 known in {name}"

    imported = taskbelt(root, "ledger", "--import-baselines", env=ENV)
    assert imported.returncode == 0, imported.stdout + imported.stderr
    assert "taskbelt-ledger.toml: 2 known findings (typecheck 2)" in imported.stdout
    assert f"imported the type errors {name} lists: delete it" in imported.stdout
    ledger = (root / "taskbelt-ledger.toml").read_text(encoding="utf-8")
    assert ledger.count(f'tool = "{checker}"') == 2

    (root / name).unlink()
    done, rows = run_checks(root)
    assert rows["typecheck"]["summary"] == "no new type errors, 2 known", done.stdout
