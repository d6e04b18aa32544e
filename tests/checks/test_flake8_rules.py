"""A repository that declares flake8 rules is linted by them, translated to ruff.

The slow tests hold the translation to flake8 itself: the same throwaway
repository is checked by the real flake8 (with the plugins it declares,
installed in taskbelt's dev environment) and by taskbelt's lint check with
the real ruff, and the findings must be the same, file, line and code.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import write_files
from flake8.style_guide import Decision, DecisionEngine

from taskbelt.checks.base import CheckContext
from taskbelt.checks.lint import check as lint
from taskbelt.checks.lint.flake8_rules import DEFAULT_IGNORE, Decisions
from taskbelt.errors import ConfigError
from taskbelt.repository.flake8_config import Declared
from taskbelt.repository.project import Project
from taskbelt.results import Status

#: The plugins taskbelt's dev environment installs beside flake8.
PLUGINS = '[dependency-groups]\ndev = ["flake8", "flake8-bugbear", "flake8-docstrings"]\n'
PYPROJECT = f"""
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.9"

[tool.taskbelt]
python = ["3.12"]

{PLUGINS}"""

#: Code with findings of pycodestyle (logical and physical lines), pyflakes,
#: mccabe, bugbear and pydocstyle.
MESSY = """\
import os, sys
def f(a,b = 1):
    x=1
    y = x+1
    l = [1,2 ,3]
    if x == None :
        pass
    try:
        import json
    except:
        pass
    return  a
class C :
  def m(self):
      return 1
def g():  # a long comment line that goes on and on and on and on and on and on and on and on
    z = lambda: 0
    d = {'a':1}
    print(d [ 'a' ])
    return z
def h(items=[]):
    for i in range(10): pass
    if items:
        if len(items) > 1:
            if len(items) > 2:
                return 3
    return items
x = 1;y = 2
"""
MESSY_FILES = {"pkg/__init__.py": "", "pkg/mod.py": MESSY, "tests/test_a.py": "import os\n"}
CLEAN = {
    "pkg/__init__.py": '"""A package flake8 finds nothing in."""\n',
    "pkg/core.py": (
        '"""Core."""\n\n\ndef add(a, b):\n    """Add."""\n    assert a is not None\n'
        "    return a + b  # a comment that takes this line past 79 characters, under 100\n"
    ),
    "tests/test_core.py": (
        '"""Tests."""\nimport os\n\nfrom pkg.core import add\n\n\n'
        'def test_add():\n    """Add adds."""\n    assert add(1, 2) == 3\n'
    ),
}


def findings_of_flake8(root: Path) -> set[tuple[str, int, str]]:
    done = subprocess.run(
        [sys.executable, "-m", "flake8", "--format=%(path)s|%(row)d|%(code)s", "."],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    found = set()
    for line in done.stdout.splitlines():
        path, row, code = line.split("|")
        found.add((path.removeprefix("./"), int(row), code))
    return found


def lint_repo(root: Path, lint_bin: Path) -> tuple[str, set[tuple[str, int, str]]]:
    result = lint.run(CheckContext(project=Project.load(root), tools_bin=lint_bin))
    assert result.status in (Status.PASSED, Status.FAILED), result.summary + result.output
    found = {(f["path"], f["line"], f["code"]) for f in result.details.get("findings", [])}
    return result.summary, found


@pytest.mark.slow
@pytest.mark.parametrize(
    ("files", "expected_unchecked"),
    [
        pytest.param(
            {".flake8": "[flake8]\nmax-line-length = 100\nextend-ignore = E203, W503\n"
             "per-file-ignores =\n    tests/*: F401\n    pkg/__init__.py: D104\n"},
            ("E122, E124, E125, E127, E128, E129, E131 (pycodestyle)", "B036, B037"),
            id="dot-flake8-defaults-plus-plugins",
        ),
        pytest.param(
            {"setup.cfg": "[flake8]\nselect = E,F,W,C90,B,B950\nignore = E501,E1\n"
             "max_complexity = 4\n"},
            ("E704, W503, W504 (pycodestyle)", "B049, B950 (flake8-bugbear)"),
            id="setup-cfg-select-ignore-complexity",
        ),
        pytest.param(
            {"setup.cfg": "[metadata]\nname = demo\n",
             "tox.ini": "[flake8]\nextend-select = B950\ndocstring-convention = google\n"
             "extend-ignore = E2\nmax-line-length = 88\n"},
            ("B049, B950 (flake8-bugbear)",),
            id="tox-ini-google-convention",
        ),
    ],
)  # fmt: skip
def test_lint_reports_what_flake8_reports(
    tmp_path: Path,
    tool_venv: object,
    files: dict[str, str],
    expected_unchecked: tuple[str, ...],
) -> None:
    write_files(tmp_path, {"pyproject.toml": PYPROJECT, **MESSY_FILES, **files})
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    expected = findings_of_flake8(tmp_path)
    # ruff has no bugbear B950 (line too long by bugbear's measure): named, never silent;
    # and it reports a bare `except:` as E722 alone, never as bugbear's B001 as well
    expected = {finding for finding in expected if finding[2] not in {"B950", "B001"}}
    assert len(expected) > 20  # the comparison has something to compare
    summary, found = lint_repo(tmp_path, tool_venv("lint") / "bin")  # type: ignore[operator]
    assert found == expected
    _, _, unchecked = summary.partition("; not checked, ruff has no equivalent: ")
    assert all(part in unchecked for part in expected_unchecked), summary


#: flake8 selects pep8-naming's N and flake8-no-pep420's INP codes, neither installed.
TOX_FLAKE8 = """
[flake8]
select = C,E,F,W,B,I,N
[testenv:lint]
skip_install = true
deps =
    flake8
    flake8-import-order
commands = flake8 pkg
"""
#: A method whose first argument is not ``self`` (pep8-naming's N805), in a
#: folder without ``__init__.py`` (flake8-no-pep420's INP001), and an unused import.
NAMING = "import os\n\n\nclass Shape:\n    def area(this):\n        return 0\n"


@pytest.mark.slow
def test_only_the_plugins_tox_s_flake8_environment_installs_are_translated(
    tmp_path: Path, tool_venv: object
) -> None:
    """Seen: ``select = C,E,F,W,B,I,N`` with flake8-import-order installed gave ruff's N805, INP001.

    flake8 runs only the plugins installed beside it: tox's lint environment
    installs flake8-import-order alone. The reference is that environment's
    flake8, installed here as tox would.
    """
    root = tmp_path / "r"
    write_files(root, {"pyproject.toml": PYPROJECT.replace(PLUGINS, ""), "tox.ini": TOX_FLAKE8})
    write_files(root, {"pkg/shapes.py": NAMING})
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    env = tmp_path / "flake8-env"
    subprocess.run(["uv", "venv", "-q", str(env)], check=True)
    subprocess.run(
        ["uv", "pip", "install", "-q", "--python", str(env / "bin/python"), "flake8",
         "flake8-import-order"],
        check=True,
    )  # fmt: skip
    own = subprocess.run(
        [str(env / "bin/flake8"), "--format=%(path)s|%(row)d|%(code)s", "pkg"],
        cwd=root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    expected = {tuple(line.split("|")) for line in own.stdout.splitlines()}
    assert expected == {("pkg/shapes.py", "1", "F401")}, own.stdout + own.stderr
    summary, found = lint_repo(root, tool_venv("lint") / "bin")  # type: ignore[operator]
    assert found == {("pkg/shapes.py", 1, "F401")}, summary
    assert "flake8-import-order (no ruff rules of the same codes)" in summary


@pytest.mark.slow
def test_a_flake8_clean_repository_passes_and_fails_under_taskbelt_s_rules(
    tmp_path: Path, tool_venv: object
) -> None:
    """Issue 22.4: taskbelt's broad rules judged a flake8-clean repository."""
    write_files(
        tmp_path, {"pyproject.toml": PYPROJECT, ".flake8": "[flake8]\nmax-line-length = 100\n"}
    )
    write_files(tmp_path, {**CLEAN, "tests/test_core.py": CLEAN["tests/test_core.py"]})
    (tmp_path / "tests/test_core.py").write_text(
        CLEAN["tests/test_core.py"].replace("import os\n", ""), encoding="utf-8"
    )
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    assert findings_of_flake8(tmp_path) == set()
    lint_bin = tool_venv("lint") / "bin"  # type: ignore[operator]
    summary, found = lint_repo(tmp_path, lint_bin)
    assert (summary.partition(";")[0], found) == ("no findings", set())
    (tmp_path / ".flake8").unlink()  # the control: nothing declared, taskbelt's defaults
    summary, found = lint_repo(tmp_path, lint_bin)
    assert ("pkg/core.py", 6, "S101") in found, summary


@pytest.mark.slow
def test_the_flake8_pre_commit_hook_s_arguments_files_and_plugins(
    tmp_path: Path, tool_venv: object
) -> None:
    """The hook's --max-line-length wins, its exclude holds, its plugins' rules run."""
    hook = """\
repos:
  - repo: https://github.com/PyCQA/flake8
    rev: 7.1.1
    hooks:
      - id: flake8
        args: [--max-line-length=120]
        exclude: ^scripts/
        additional_dependencies: [flake8-bugbear==24.2.6, flake8-import-order]
"""
    long_line = "x = 1  # " + "words " * 17 + "end\n"  # 111 characters: over 100, under 120
    write_files(
        tmp_path,
        {
            "pyproject.toml": PYPROJECT.replace(PLUGINS, ""),
            ".pre-commit-config.yaml": hook,
            "setup.cfg": "[flake8]\nmax-line-length = 100\n",
            "pkg/a.py": long_line + "\n\ndef f(items=[]):\n    return items\n",
            "scripts/b.py": "import os\n",
        },
    )
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    project = Project.load(tmp_path)
    assert project.tools.linter.source == (
        "flake8's rules from setup.cfg [flake8] and pre-commit hook flake8, translated"
    )
    summary, found = lint_repo(tmp_path, tool_venv("lint") / "bin")  # type: ignore[operator]
    assert found == {("pkg/a.py", 4, "B006")}
    assert (
        "; not checked, ruff has no equivalent: flake8-import-order (no ruff rules of the same codes)"
        in summary
    )


@pytest.mark.slow
def test_a_bad_flake8_number_is_an_error_naming_the_key(tmp_path: Path, tool_venv: object) -> None:
    write_files(tmp_path, {"pyproject.toml": PYPROJECT, "pkg/a.py": "x = 1\n"})
    write_files(tmp_path, {"setup.cfg": "[flake8]\nmax-line-length = wide\n"})
    ctx = CheckContext(project=Project.load(tmp_path), tools_bin=tool_venv("lint") / "bin")  # type: ignore[operator]
    # The check raises; the session's guard makes it the row's cause and fix (exit 2).
    with pytest.raises(ConfigError) as caught:
        lint.run(ctx)
    assert (
        caught.value.cause == "setup.cfg [flake8]: max-line-length = 'wide' is not a whole number"
    )
    assert caught.value.fix == "give a whole number, as flake8 itself requires"


class TestWhereFlake8IsRead:
    def test_flake8_s_file_order_then_pyproject(self, tmp_path: Path) -> None:
        write_files(
            tmp_path,
            {
                "pyproject.toml": PYPROJECT + "[tool.flake8]\nmax-line-length = 90\n",
                "setup.cfg": "[metadata]\nname = demo\n",
                ".flake8": "[flake8]\nmax_line_length = 110\n",
                "tox.ini": "[tox]\n",
            },
        )
        declared = Project.load(tmp_path).tools.linter.flake8
        assert declared is not None
        assert (declared.source, declared.number("max-line-length")) == (".flake8 [flake8]", 110)
        (tmp_path / ".flake8").unlink()
        linter = Project.load(tmp_path).tools.linter
        assert linter.source == "flake8's rules from pyproject.toml [tool.flake8], translated"

    def test_a_ruff_configuration_wins_over_flake8(self, tmp_path: Path) -> None:
        write_files(
            tmp_path, {"pyproject.toml": PYPROJECT + "[tool.ruff]\n", ".flake8": "[flake8]\n"}
        )
        linter = Project.load(tmp_path).tools.linter
        assert (linter.source, linter.flake8) == ("rules from pyproject.toml [tool.ruff]", None)

    def test_nothing_declared_is_taskbelt_s_rules(self, tmp_path: Path) -> None:
        write_files(tmp_path, {"pyproject.toml": PYPROJECT, "setup.cfg": "[metadata]\n"})
        assert Project.load(tmp_path).tools.linter.source == "taskbelt's default rules"

    def test_per_file_ignores_in_flake8_s_syntax(self) -> None:
        declared = Declared(
            "x", {"per-file-ignores": "a.py,b/*.py: E1 F4\n  c.py:W, D1"}, frozenset()
        )
        assert declared.per_file_ignores() == [
            ("a.py", ("E1", "F4")), ("b/*.py", ("E1", "F4")), ("c.py", ("W", "D1")),
        ]  # fmt: skip

    def test_unreadable_per_file_ignores_and_numbers_name_the_option(self) -> None:
        with pytest.raises(ConfigError, match="per-file-ignores is not 'patterns: codes'"):
            Declared(
                "setup.cfg [flake8]", {"per-file-ignores": ": E1"}, frozenset()
            ).per_file_ignores()
        with pytest.raises(ConfigError, match="max-complexity = 'x' is not a whole number"):
            Declared("setup.cfg [flake8]", {"max-complexity": "x"}, frozenset()).number(
                "max-complexity"
            )


CODES = (
    "E101", "E111", "E121", "E123", "E203", "E226", "E241", "E501", "E704", "E711", "E722",
    "W191", "W503", "W504", "W505", "F401", "F841", "C901", "B006", "B950", "D100", "D203",
)  # fmt: skip


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"select": "E,W"},
        {"select": "E501", "ignore": "E"},
        {"select": "E", "ignore": "E5"},
        {"extend-select": "B950", "ignore": "E501,W"},
        {"ignore": "E5", "extend-ignore": "E203", "extend-select": "E501"},
        {"select": "E,F", "extend-ignore": "E2,F4", "ignore": "W"},
        {"extend-ignore": "E1,E12"},
    ],
)
def test_decisions_are_flake8_s(options: dict[str, str]) -> None:
    """The decision of every code, as flake8's own DecisionEngine takes it."""
    default_select = ("C90", "F", "E", "W", "B", "D")
    declared = Declared("x", options, frozenset())

    def codes(option: str) -> list[str] | None:
        found = declared.codes(option)
        return None if found is None else list(found)

    engine = DecisionEngine(
        argparse.Namespace(
            select=codes("select"),
            extend_select=codes("extend-select"),
            ignore=codes("ignore"),
            extend_ignore=codes("extend-ignore"),
            extended_default_select=list(default_select),
            extended_default_ignore=[],
        )
    )
    ours = Decisions.of(declared, default_select)
    assert {code: ours.reports(code) for code in CODES} == {
        code: engine.decision_for(code) is Decision.Selected for code in CODES
    }
    assert DEFAULT_IGNORE == ("E121", "E123", "E126", "E226", "E24", "E704", "W503", "W504")


def test_a_backslash_ending_an_exclude_line_is_no_pattern() -> None:
    """Seen (travertino): ``exclude = a,\\`` lines; kept as a pattern, ruff crashed on ``\\``."""
    declared = Declared(
        "tox.ini [flake8]", {"exclude": "\n.git,\\\n  build,\\\n  docs"}, frozenset()
    )
    assert declared.words("exclude") == (".git", "build", "docs")


@pytest.mark.slow
def test_a_file_flake8_skips_for_its_noqa_line_is_skipped_by_ruff_too(
    tmp_path: Path, tool_venv: object
) -> None:
    """Seen (travertino): ``# flake8: NOQA: F405`` skips the whole file in flake8; ruff read
    it as exempting F405 alone and reported F403 and E741 there. A ``# flake8: noqa`` after
    code skips nothing, in flake8 as here."""
    write_files(
        tmp_path,
        {
            "pyproject.toml": PYPROJECT,
            ".flake8": "[flake8]\nextend-ignore = D\n",
            "pkg/colors.py": "# flake8: NOQA: F405\nfrom os import *\n\nl = 1\n",
            "pkg/other.py": "import sys  # flake8: noqa\n\nl = 1\n",
        },
    )
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    expected = findings_of_flake8(tmp_path)
    assert expected == {("pkg/other.py", 1, "F401"), ("pkg/other.py", 3, "E741")}
    _, found = lint_repo(tmp_path, tool_venv("lint") / "bin")  # type: ignore[operator]
    assert found == expected
