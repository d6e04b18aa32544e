"""typecheck runs the repository's own type checker, and agrees with it.

Real checkers on throwaway repositories: each case runs taskbelt's
``typecheck`` as a user would and, where the verdict is the point, the
checker itself the way the repository runs it, and compares the two.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from conftest import CLEAN_PYPROJECT, ToolVenv, git, run_rows, write_files

from taskbelt.repository import tool_versions
from taskbelt.repository.project import Project

pytestmark = pytest.mark.slow

#: Unparameterised ``list``: mypy under taskbelt's settings says ``type-arg``; ty accepts it.
GENERIC = '"""Demo."""\n\n\ndef first(items: list) -> object:\n    return items[0]\n'
WRONG_RETURN = '"""Bad."""\n\n\ndef count() -> int:\n    return "one"\n'
#: Two type errors, then one of them fixed and a new one of another rule added, in columns
#: of its own (basedpyright and pyrefly match their baselines by file, rule and columns).
TWO_ERRORS = WRONG_RETURN + "\n\ndef name() -> str:\n    return 1\n"
FIXED_ONE_NEW_ONE = (
    WRONG_RETURN + '\n\ndef other() -> None:\n    value: int = "two"\n    print(value)\n'
)
#: ``reveal_type`` without its import is a ty warning, not an error.
WARNING = '"""Warns."""\n\nreveal_type(1)\n'
TOX_TY = '[env.type]\ncommands = [ [ "ty", "check", "--output-format", "concise"{}, "." ] ]\n'


def repo(root: Path, files: dict[str, str], pyproject: str = CLEAN_PYPROJECT) -> Project:
    write_files(root, {"pyproject.toml": pyproject, **files})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return Project.load(root)


class TestTy:
    def test_a_ty_repository_is_judged_by_ty_not_by_mypy(self, tmp_path: Path) -> None:
        """[tool.ty]: ty's verdict; the same code without it gets mypy's (the control)."""
        files = {"src/demo/__init__.py": GENERIC}
        with_ty = repo(tmp_path / "ty", files, CLEAN_PYPROJECT + "[tool.ty]\n")
        done, rows = run_rows(with_ty, "typecheck")
        assert rows["typecheck"]["status"] == "passed", done.stdout + done.stderr
        assert rows["typecheck"]["details"]["checker"] == "ty"

        control = repo(tmp_path / "mypy", files)
        _, rows = run_rows(control, "typecheck")
        assert rows["typecheck"]["status"] == "failed"
        assert rows["typecheck"]["details"]["findings"][0]["code"] == "type-arg"

    @pytest.mark.parametrize("zero_on_warning", [False, True])
    def test_warnings_fail_only_where_the_repository_s_run_fails_on_them(
        self, tmp_path: Path, tool_venv: ToolVenv, zero_on_warning: bool
    ) -> None:
        """tox's ``ty check`` and taskbelt agree, with ``--exit-zero-on-warning`` and without."""
        flag = ["--exit-zero-on-warning"] if zero_on_warning else []
        tox = TOX_TY.format("".join(f', "{word}"' for word in flag))
        project = repo(
            tmp_path / "r",
            {"src/demo/__init__.py": GENERIC, "src/demo/warns.py": WARNING, "tox.toml": tox},
            CLEAN_PYPROJECT + "[tool.ty]\n",
        )
        _, rows = run_rows(project, "typecheck")
        row = rows["typecheck"]
        own = subprocess.run(
            [str(tool_venv("typecheck-ty") / "bin/ty"), "check", "--output-format", "concise",
             *flag, "."],
            cwd=project.root, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert (row["status"] == "passed") == (own.returncode == 0), own.stdout
        if zero_on_warning:
            assert row["status"] == "passed"
            assert row["summary"] == "no type errors; 1 warning, not failing"
            assert row["details"]["notes"][0]["path"] == "src/demo/warns.py"
        else:
            assert row["status"] == "failed"
            assert [f["code"] for f in row["details"]["findings"]] == ["undefined-reveal"]
            assert row["summary"].startswith(
                "1 warning (ty's run fails on warnings); first: src/demo/"
            )


#: Clean under basedpyright's ``recommended`` mode too.
TYPED = '"""Demo."""\n\n\ndef first(items: list[int]) -> int:\n    return items[0]\n'
#: An expression statement: a pyright warning (``reportUnusedExpression``), not an error.
UNUSED = '"""Warns."""\n\n1 + 1\n'
TOX_COMMAND = "[env.type]\ncommands = [ [ {} ] ]\n"


class TestPyright:
    @pytest.mark.parametrize(
        "case",
        [
            ("pyright", [], "[tool.pyright]\n", False),
            ("pyright", ["--warnings"], "[tool.pyright]\n", True),
            ("basedpyright", [], "[tool.basedpyright]\n", True),
            ("basedpyright", [], "[tool.basedpyright]\nfailOnWarnings = false\n", False),
        ],
        ids=["pyright", "pyright --warnings", "basedpyright", "basedpyright failOnWarnings=false"],
    )
    def test_warnings_fail_only_where_the_repository_s_run_fails_on_them(
        self, tmp_path: Path, tool_venv: ToolVenv, case: tuple[str, list[str], str, bool]
    ) -> None:
        """The repository's tox command and taskbelt agree on the same warning.

        ``case``: the command, its flags, the repository's settings, whether its run fails.
        """
        command, flags, settings, fails = case
        tox = TOX_COMMAND.format(", ".join(f'"{word}"' for word in [command, *flags]))
        project = repo(
            tmp_path / "r",
            {"src/demo/__init__.py": TYPED, "src/demo/warns.py": UNUSED, "tox.toml": tox},
            CLEAN_PYPROJECT + settings,
        )
        _, rows = run_rows(project, "typecheck")
        row = rows["typecheck"]
        own = subprocess.run(
            [str(tool_venv(f"typecheck-{command}") / "bin" / command), *flags],
            cwd=project.root, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert (own.returncode != 0) == fails, own.stdout
        assert row["details"]["checker"] == command
        if fails:
            assert row["status"] == "failed"
            assert row["summary"].startswith(
                f"1 warning ({command}'s run fails on warnings); first: "
                "src/demo/warns.py:3:1: reportUnusedExpression"
            )
        else:
            assert row["status"] == "passed"
            assert row["summary"] == "no type errors; 1 warning, not failing"
            assert row["details"]["notes"][0]["code"] == "reportUnusedExpression"

    @pytest.mark.parametrize(
        "case",
        [
            ("tox.toml", '[env.type]\ncommands = [ [ "pyright", "src" ] ]\n', ["src"], "passed"),
            ("tox.toml", '[env.type]\ncommands = [ [ "pyright" ] ]\n', [], "failed"),
            (
                "noxfile.py",
                "import nox\nPACKAGE = 'src/demo'\n\n\n@nox.session\ndef typing(session):\n"
                "    session.run('pyright', *session.posargs, PACKAGE)\n",
                ["src/demo"],
                "passed",
            ),
        ],
        ids=["tox pyright src", "tox pyright", "nox pyright PACKAGE"],
    )
    def test_the_paths_the_repository_s_command_checks_are_the_ones_checked(
        self, tmp_path: Path, tool_venv: ToolVenv, case: tuple[str, str, list[str], str]
    ) -> None:
        """A type error outside ``src``: found where the repository's command looks there.

        ``case``: the command file, its text, what the repository's own run is
        given (a nox variable is read as its value here), taskbelt's verdict.
        """
        name, text, paths, status = case
        project = repo(
            tmp_path / "r",
            {"src/demo/__init__.py": TYPED, "docs/conf.py": WRONG_RETURN, name: text},
            CLEAN_PYPROJECT + "[tool.pyright]\n",
        )
        done, rows = run_rows(project, "typecheck")
        own = subprocess.run(
            [str(tool_venv("typecheck-pyright") / "bin" / "pyright"), *paths],
            cwd=project.root, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert rows["typecheck"]["status"] == status, done.stdout + done.stderr
        assert (own.returncode == 0) == (status == "passed"), own.stdout


#: pyrefly's ``bad-assignment``, lowered to a warning by the repository's settings below.
ASSIGNS = '"""Warns."""\n\nx: int = "a"\n'
PYREFLY_WARN = '[tool.pyrefly.errors]\nbad-assignment = "warn"\n'


class TestBasedpyrightBaseline:
    def test_the_repository_s_baseline_is_honoured_and_never_written(
        self, tmp_path: Path, tool_venv: ToolVenv
    ) -> None:
        """Errors basedpyright's own baseline lists are known; a fixed one is said, not written.

        basedpyright itself rewrites its baseline when errors go away; taskbelt's
        run leaves the repository's file as it was.
        """
        project = repo(
            tmp_path / "r",
            {"src/demo/__init__.py": TWO_ERRORS},
            CLEAN_PYPROJECT + "[tool.basedpyright]\n",
        )
        basedpyright = tool_venv("typecheck-basedpyright") / "bin" / "basedpyright"
        subprocess.run(
            [str(basedpyright), "--writebaseline"],
            cwd=project.root,
            capture_output=True,
            check=False,
        )
        baseline = project.root / ".basedpyright" / "baseline.json"
        recorded = baseline.read_bytes()
        git(project.root, "add", "-A")
        git(project.root, "commit", "-q", "-m", "baseline")
        _, rows = run_rows(project, "typecheck")
        assert rows["typecheck"]["status"] == "passed", rows["typecheck"]
        assert (
            rows["typecheck"]["summary"] == "no type errors; 2 known in .basedpyright/baseline.json"
        )

        (project.root / "src/demo/__init__.py").write_text(WRONG_RETURN, encoding="utf-8")
        _, rows = run_rows(project, "typecheck")
        assert rows["typecheck"]["summary"] == (
            "no type errors; 1 known in .basedpyright/baseline.json; 1 fixed it still lists: "
            "`basedpyright --writebaseline` drops it"
        )
        assert baseline.read_bytes() == recorded, "the check wrote the repository's baseline"

        # a new error fails (basedpyright matches its baseline by file, rule and columns:
        # one of another rule, as the baseline's stale entry would hide a like one)
        (project.root / "src/demo/__init__.py").write_text(FIXED_ONE_NEW_ONE, encoding="utf-8")
        _, rows = run_rows(project, "typecheck")
        assert rows["typecheck"]["status"] == "failed"
        assert rows["typecheck"]["summary"].startswith(
            "1 type error; first: src/demo/__init__.py:9:18: reportAssignmentType"
        ), rows["typecheck"]["summary"]
        assert baseline.read_bytes() == recorded


class TestMypyBaseline:
    def test_a_mypy_baseline_file_is_honoured_through_mypy_baseline_itself(
        self, tmp_path: Path, tool_venv: ToolVenv
    ) -> None:
        """``mypy | mypy-baseline filter`` and taskbelt agree: known, fixed and new errors."""
        settings = '[tool.mypy-baseline]\nbaseline_path = "types.txt"\n'
        project = repo(
            tmp_path / "r", {"src/demo/__init__.py": TWO_ERRORS}, CLEAN_PYPROJECT + settings
        )
        mypy = str(tool_venv("typecheck") / "bin" / "mypy")
        filter_ = str(tool_venv("mypy-baseline") / "bin" / "mypy-baseline")

        def own(command: str) -> int:
            """The repository's own pipe: mypy's output through mypy-baseline."""
            root = project.root
            found = subprocess.run([mypy, "src"], cwd=root, capture_output=True, check=False)
            piped = [filter_, command]
            return subprocess.run(piped, cwd=root, input=found.stdout, check=False).returncode

        own("sync")
        recorded = (project.root / "types.txt").read_bytes()
        assert recorded.count(b"[return-value]") == 2
        _, rows = run_rows(project, "typecheck")
        assert rows["typecheck"]["status"] == "passed", rows["typecheck"]
        assert rows["typecheck"]["summary"] == "no type errors; 2 known in types.txt"
        assert own("filter") == 0

        (project.root / "src/demo/__init__.py").write_text(FIXED_ONE_NEW_ONE, encoding="utf-8")
        _, rows = run_rows(project, "typecheck")
        assert rows["typecheck"]["status"] == "failed"
        assert rows["typecheck"]["summary"] == (
            "1 type error; first: src/demo/__init__.py:9:18: assignment Incompatible types in "
            'assignment (expression has type "str", variable has type "int"); 1 known in '
            "types.txt; 1 fixed it still lists: `mypy | mypy-baseline sync` drops it"
        )
        assert own("filter") != 0, "the repository's own pipe fails too"
        assert (project.root / "types.txt").read_bytes() == recorded, "the check wrote it"

        (project.root / "types.txt").write_text("not a mypy line\n", encoding="utf-8")
        _, rows = run_rows(project, "typecheck")
        assert rows["typecheck"]["status"] == "error"
        assert rows["typecheck"]["summary"].startswith(
            "mypy-baseline cannot read types.txt: invalid baseline, cannot parse line: not a mypy"
        ), rows["typecheck"]["summary"]


class TestPyreflyBaseline:
    def test_the_repository_s_baseline_is_honoured_counted_and_its_fixed_entries_said(
        self, tmp_path: Path, tool_venv: ToolVenv
    ) -> None:
        """Errors pyrefly's own baseline lists are known; one fixed is said; a new one fails.

        The baseline is made by pyrefly itself (``--update-baseline``) and read where
        the repository's ``[tool.pyrefly] baseline`` says; pyrefly's own run agrees.
        """
        settings = '[tool.pyrefly]\nproject-includes = ["src"]\nbaseline = "types-baseline.json"\n'
        project = repo(
            tmp_path / "r", {"src/demo/__init__.py": TWO_ERRORS}, CLEAN_PYPROJECT + settings
        )
        pyrefly = str(tool_venv("typecheck-pyrefly") / "bin" / "pyrefly")
        subprocess.run([pyrefly, "check", "--update-baseline"], cwd=project.root, check=False)
        baseline = project.root / "types-baseline.json"
        recorded = baseline.read_bytes()
        _, rows = run_rows(project, "typecheck")
        assert rows["typecheck"]["status"] == "passed", rows["typecheck"]
        assert rows["typecheck"]["summary"] == "no type errors; 2 known in types-baseline.json"
        own = subprocess.run([pyrefly, "check"], cwd=project.root, check=False)
        assert own.returncode == 0, "pyrefly's own run passes too"

        # the baseline emptied, no source changed: its errors are new (no cached pass)
        baseline.write_text(json.dumps({"errors": []}), encoding="utf-8")
        _, rows = run_rows(project, "typecheck")
        assert rows["typecheck"]["status"] == "failed", rows["typecheck"]
        assert rows["typecheck"]["summary"].startswith(
            "2 type errors; first: src/demo/__init__.py:5"
        ), rows["typecheck"]["summary"]
        baseline.write_bytes(recorded)

        (project.root / "src/demo/__init__.py").write_text(WRONG_RETURN, encoding="utf-8")
        _, rows = run_rows(project, "typecheck")
        assert rows["typecheck"]["status"] == "passed", rows["typecheck"]
        assert rows["typecheck"]["summary"] == (
            "no type errors; 1 known in types-baseline.json; 1 fixed it still lists: "
            "`pyrefly check --prune-baseline` drops it"
        )

        (project.root / "src/demo/__init__.py").write_text(FIXED_ONE_NEW_ONE, encoding="utf-8")
        _, rows = run_rows(project, "typecheck")
        assert rows["typecheck"]["status"] == "failed"
        assert rows["typecheck"]["summary"].startswith(
            "1 type error; first: src/demo/__init__.py:9:18: bad-assignment"
        ), rows["typecheck"]["summary"]
        assert [f["code"] for f in rows["typecheck"]["details"]["findings"]] == ["bad-assignment"]
        own = subprocess.run([pyrefly, "check"], cwd=project.root, check=False)
        assert own.returncode == 1, "pyrefly's own run fails on it too"
        assert baseline.read_bytes() == recorded, "the check wrote the repository's baseline"


class TestPyrefly:
    @pytest.mark.parametrize(
        ("flags", "fails"),
        [([], False), (["--min-severity", "warn"], True), (["src"], False)],
        ids=["pyrefly check", "pyrefly check --min-severity warn", "pyrefly check src"],
    )
    def test_taskbelt_agrees_with_the_repository_s_own_pyrefly_command(
        self, tmp_path: Path, tool_venv: ToolVenv, flags: list[str], fails: bool
    ) -> None:
        """A warning in ``src`` and an error in ``docs``: the same verdict as tox's command.

        Shown warnings fail pyrefly's run (``--min-severity warn``); a command
        given ``src`` never looks at ``docs``.
        """
        tox = TOX_COMMAND.format(", ".join(f'"{word}"' for word in ["pyrefly", "check", *flags]))
        files = {
            "src/demo/__init__.py": TYPED,
            "src/demo/warns.py": ASSIGNS,
            "docs/conf.py": WRONG_RETURN if flags == ["src"] else TYPED,  # seen only without src
            "tox.toml": tox,
        }
        project = repo(tmp_path / "r", files, CLEAN_PYPROJECT + "[tool.pyrefly]\n" + PYREFLY_WARN)
        done, rows = run_rows(project, "typecheck")
        row = rows["typecheck"]
        own = subprocess.run(
            [str(tool_venv("typecheck-pyrefly") / "bin" / "pyrefly"), "check", *flags],
            cwd=project.root, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert (own.returncode != 0) == fails, own.stdout + own.stderr
        assert row["status"] == ("failed" if fails else "passed"), done.stdout + done.stderr
        if fails:
            assert row["summary"].startswith(
                "1 warning (pyrefly's run fails on every diagnostic it shows); "
                "first: src/demo/warns.py:3:10: bad-assignment"
            )


@pytest.mark.parametrize(
    ("checker", "code"),
    [("ty", "invalid-explicit-return"), ("pyright", "reportReturnType"), ("pyrefly", "bad-return")],
)
def test_each_checker_s_errors_are_findings_with_file_line_and_rule(
    tmp_path: Path, checker: str, code: str
) -> None:
    """The repository's checker judges: unparameterised ``list`` passes each of them
    (mypy's ``type-arg`` control is in TestTy), the wrong return fails with its rule."""
    project = repo(
        tmp_path / "r",
        {"src/demo/__init__.py": GENERIC, "src/demo/bad.py": WRONG_RETURN},
        CLEAN_PYPROJECT + f"[tool.{checker}]\n",
    )
    done, rows = run_rows(project, "typecheck")
    row = rows["typecheck"]
    assert done.returncode == 1, done.stdout + done.stderr
    assert (row["status"], row["details"]["checker"]) == ("failed", checker)
    assert [(f["path"], f["line"], f["code"]) for f in row["details"]["findings"]] == [
        ("src/demo/bad.py", 5, code)
    ]
    assert row["summary"].startswith(f"1 type error; first: src/demo/bad.py:5:12: {code}")


#: mypy does not look inside a function without annotations; pyright does.
UNTYPED = '"""Untyped."""\n\n\ndef add():\n    return 1 + "a"\n'


#: itsdangerous's tox ``typing`` environment, in pyproject.toml: two checkers and
#: pyright's type-completeness score, which is no type check.
PYPROJECT_TOX = """
[tool.tox.env.typing]
dependency_groups = ["typing"]
commands = [
    ["mypy", "src"],
    ["pyright"],
    ["pyright", "--verifytypes", "demo", "--ignoreexternal"],
]
"""


@pytest.mark.parametrize(
    ("tox_toml", "pyproject"),
    [
        ('[env.typing]\ncommands = [ [ "mypy", "src" ], [ "pyright" ] ]\n', ""),
        (None, PYPROJECT_TOX + '[dependency-groups]\ntyping = ["mypy", "pyright"]\n'),
    ],
    ids=["tox.toml", "pyproject.toml [tool.tox]"],
)
def test_a_repository_running_two_checkers_passes_only_when_both_do(
    tmp_path: Path, tool_venv: ToolVenv, tox_toml: str | None, pyproject: str
) -> None:
    """tox runs mypy and pyright: mypy's pass does not hide pyright's error."""
    files = {"src/demo/__init__.py": TYPED, "src/demo/untyped.py": UNTYPED}
    project = repo(
        tmp_path / "r",
        {**files, "tox.toml": tox_toml} if tox_toml else files,
        CLEAN_PYPROJECT + "[tool.mypy]\n[tool.pyright]\n" + pyproject,
    )
    done, rows = run_rows(project, "typecheck")
    row = rows["typecheck"]
    own = {
        tool: subprocess.run(
            [str(tool_venv(group) / "bin" / tool), *args],
            cwd=project.root, capture_output=True, text=True, check=False,
        ).returncode
        for tool, group, args in [("mypy", "typecheck", ["src"]), ("pyright", "typecheck-pyright", [])]
    }  # fmt: skip
    assert own == {"mypy": 0, "pyright": 1}
    assert row["status"] == "failed", done.stdout + done.stderr
    assert row["details"]["checker"] == "mypy, pyright"
    assert row["summary"].startswith(
        "mypy: no type errors; pyright: 1 type error; first: src/demo/untyped.py:5:12: "
        "reportOperatorIssue"
    )
    assert [f["code"] for f in row["details"]["findings"]] == ["reportOperatorIssue"]


def test_pyright_alone_on_a_tox_commands_line_runs_and_judges(
    tmp_path: Path, tool_venv: ToolVenv
) -> None:
    """``pyright`` alone on a line of tox.ini's ``commands`` is a run, not a dependency.

    Read as text it looked like ``deps``, so pyright never ran and nothing
    said so; tox, asked, knows it is a command. The repository's own pyright
    is the reference.
    """
    tox = "[tox]\nenv_list = type\n[testenv:type]\ndeps = pyright\ncommands =\n    pyright\n"
    project = repo(
        tmp_path / "r",
        {"src/demo/__init__.py": TYPED, "src/demo/untyped.py": UNTYPED, "tox.ini": tox},
    )
    done, rows = run_rows(project, "typecheck")
    own = subprocess.run(
        [str(tool_venv("typecheck-pyright") / "bin/pyright")],
        cwd=project.root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert own.returncode == 1, own.stdout
    row = rows["typecheck"]
    assert row["status"] == "failed", done.stdout + done.stderr
    assert row["details"]["checker"] == "pyright"
    assert row["details"]["declared"] == "tox.ini runs pyright"
    assert [f["code"] for f in row["details"]["findings"]] == ["reportOperatorIssue"]


#: Calls an unannotated function: mypy's defaults accept it, taskbelt's own settings do not.
CALLS_UNTYPED = '"""Demo."""\n\n\ndef double(x):\n    return x * 2\n'
#: A type error in a test file, which pre-commit gives the mypy hook with the package.
TEST_ERROR = (
    '"""Tests."""\n\n\ndef test_count() -> None:\n    count: int = "two"\n    assert count\n'
)
TEST_CLEAN = '"""Tests."""\n\n\ndef test_count() -> None:\n    count: int = 2\n    assert count\n'
MIRRORS_MYPY = """repos:
- repo: https://github.com/pre-commit/mirrors-mypy
  rev: v{}
  hooks:
  - id: mypy
"""


@pytest.mark.parametrize(
    ("source", "tests", "verdict"),
    [(CALLS_UNTYPED, TEST_CLEAN, "passed"), (TYPED, TEST_ERROR, "failed")],
    ids=["mypy's defaults, not taskbelt's", "the test files it is given"],
)
def test_a_mypy_pre_commit_hook_is_run_as_pre_commit_runs_it(
    tmp_path: Path, tool_venv: ToolVenv, source: str, tests: str, verdict: str
) -> None:
    """pre-commit/mirrors-mypy, no mypy settings: taskbelt agrees with the hook's own run.

    pre-commit runs ``mypy`` with the hook's default arguments over every
    Python file: the tests too, and with mypy's defaults. taskbelt used to
    check the package alone under its own stricter settings: a false failure
    on the first repository, a wrong pass on the second.
    """
    version = tool_versions.taskbelt_pins()["mypy"]
    project = repo(
        tmp_path / "r",
        {
            "src/demo/__init__.py": source,
            "tests/test_demo.py": tests,
            ".pre-commit-config.yaml": MIRRORS_MYPY.format(version),
        },
    )
    done, rows = run_rows(project, "typecheck")
    row = rows["typecheck"]
    hook_defaults = [
        "--ignore-missing-imports",
        "--scripts-are-modules",
        "--no-warn-unused-ignores",
    ]
    own = subprocess.run(
        [str(tool_venv("typecheck") / "bin/mypy"), *hook_defaults, "src/demo/__init__.py",
         "tests/test_demo.py"],
        cwd=project.root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert (own.returncode == 0) == (verdict == "passed"), own.stdout
    assert row["status"] == verdict, done.stdout + done.stderr
    assert row["details"]["checker"] == "mypy"
    if verdict == "failed":
        finding = row["details"]["findings"][0]
        assert (finding["path"], finding["line"], finding["code"]) == (
            "tests/test_demo.py",
            5,
            "assignment",
        )


#: A wrong argument to PyYAML: seen only with its stubs (types-PyYAML); without
#: them, under ``--ignore-missing-imports``, ``yaml`` is ``Any`` and it passes.
NEEDS_STUBS = (
    '"""Demo."""\n\nimport yaml\n\n\ndef load() -> object:\n    return yaml.safe_load(1)\n'
)


@pytest.mark.parametrize("dependencies", [True, False], ids=["with stubs", "without"])
def test_a_mypy_hook_s_stub_dependencies_are_what_mypy_sees(
    tmp_path: Path, tool_venv: ToolVenv, dependencies: bool
) -> None:
    """pre-commit installs the hook's ``additional_dependencies`` beside mypy: the stubs count.

    The repository's own run is mypy seeing an environment holding those stubs
    (pre-commit's hook environment); taskbelt's agrees, with the stubs and without.
    """
    version = tool_versions.taskbelt_pins()["mypy"]
    extra = "    additional_dependencies: [types-PyYAML]\n" if dependencies else ""
    project = repo(
        tmp_path / "r",
        {
            "src/demo/__init__.py": NEEDS_STUBS,
            ".pre-commit-config.yaml": MIRRORS_MYPY.format(version) + extra,
        },
    )
    done, rows = run_rows(project, "typecheck")
    row = rows["typecheck"]
    hook_env = tmp_path / "hook-env"
    subprocess.run(["uv", "venv", "-q", str(hook_env)], check=True)
    if dependencies:
        subprocess.run(
            [
                "uv",
                "pip",
                "install",
                "-q",
                "--python",
                str(hook_env / "bin/python"),
                "types-PyYAML",
            ],
            check=True,
        )
    own = subprocess.run(
        [str(tool_venv("typecheck") / "bin/mypy"), "--python-executable",
         str(hook_env / "bin/python"), "--ignore-missing-imports", "--scripts-are-modules",
         "--no-warn-unused-ignores", "src/demo/__init__.py"],
        cwd=project.root, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert own.returncode == (1 if dependencies else 0), own.stdout
    assert row["status"] == ("failed" if dependencies else "passed"), done.stdout + done.stderr
    if dependencies:
        assert [(f["path"], f["line"], f["code"]) for f in row["details"]["findings"]] == [
            ("src/demo/__init__.py", 7, "arg-type")
        ]


#: The issue's repository: pre-commit's mypy over the package and tests/ (its
#: test cases excluded), tox's mypy over those test cases alone.
HOOK_OVER_TESTS = MIRRORS_MYPY + "    exclude: ^tests/mypy_test_cases/\n"
TOX_OVER_CASES = "[testenv:mypy]\ndeps = mypy\ncommands = mypy tests/mypy_test_cases {posargs}\n"
CASE_CLEAN = '"""A case."""\n\nx: int = 1\n'
CASE_ERROR = '"""A case."""\n\nx: int = "one"\n'


@pytest.mark.parametrize(
    ("base", "case", "failing"),
    [
        (TEST_ERROR, CASE_CLEAN, ".pre-commit-config.yaml hook mypy"),
        (TEST_CLEAN, CASE_ERROR, "tox.ini runs mypy"),
        (TEST_CLEAN, CASE_CLEAN, None),
    ],
    ids=["error in tests/base.py", "error in a tox test case", "both clean"],
)
def test_every_mypy_run_the_repository_declares_judges(
    tmp_path: Path, tool_venv: ToolVenv, base: str, case: str, failing: str | None
) -> None:
    """A hook's mypy and tox's mypy both run, each over its own files: either one fails the row.

    taskbelt used to take tox's line alone, without its targets, and check the
    package: both planted errors passed. The repository's own two runs are
    the reference.
    """
    version = tool_versions.taskbelt_pins()["mypy"]
    project = repo(
        tmp_path / "r",
        {
            "src/demo/__init__.py": TYPED,
            "tests/base.py": base,
            "tests/mypy_test_cases/case.py": case,
            ".pre-commit-config.yaml": HOOK_OVER_TESTS.format(version),
            "tox.ini": TOX_OVER_CASES,
        },
    )
    done, rows = run_rows(project, "typecheck")
    row = rows["typecheck"]
    mypy = str(tool_venv("typecheck") / "bin/mypy")
    hook = ["--ignore-missing-imports", "--scripts-are-modules", "--no-warn-unused-ignores"]
    own = {
        ".pre-commit-config.yaml hook mypy": [mypy, *hook, "src/demo/__init__.py", "tests/base.py"],
        "tox.ini runs mypy": [mypy, "tests/mypy_test_cases"],
    }
    verdicts = {
        where: subprocess.run(argv, cwd=project.root, capture_output=True, check=False).returncode
        for where, argv in own.items()
    }
    assert verdicts == {where: int(where == failing) for where in own}
    assert row["status"] == ("passed" if failing is None else "failed"), done.stdout + done.stderr
    runs = {run["declared"]: run for run in row["details"]["runs"]}
    assert set(runs) == set(own)
    assert runs["tox.ini runs mypy"]["targets"] == ["tests/mypy_test_cases"]
    assert runs[".pre-commit-config.yaml hook mypy"]["targets"] == [
        "src/demo/__init__.py",
        "tests/base.py",
    ]
    assert {where: run["status"] for where, run in runs.items()} == {
        where: "failed" if where == failing else "passed" for where in own
    }
    if failing is not None:
        assert f"mypy ({failing}): 1 type error" in row["summary"]


def test_mypy_declared_over_typing_tests_alone_does_not_judge_src(
    tmp_path: Path, tool_venv: ToolVenv
) -> None:
    """The reverse wrong fail: nox runs mypy over typing_tests/ only; src/'s errors are not asked for."""
    nox = "import nox\n\n\n@nox.session\ndef typing(session):\n    session.run('mypy', '--strict', 'typing_tests')\n"
    project = repo(
        tmp_path / "r",
        {
            "src/demo/__init__.py": WRONG_RETURN,
            "typing_tests/check.py": '"""Typing test."""\n\nx: int = 1\n',
            "noxfile.py": nox,
        },
    )
    done, rows = run_rows(project, "typecheck", "-v")
    own = subprocess.run(
        [str(tool_venv("typecheck") / "bin/mypy"), "--strict", "typing_tests"],
        cwd=project.root, capture_output=True, check=False,
    )  # fmt: skip
    assert own.returncode == 0
    assert rows["typecheck"]["status"] == "passed", done.stdout + done.stderr
    assert rows["typecheck"]["details"]["targets"] == ["typing_tests"]
    assert "noxfile.py runs mypy" in done.stdout + done.stderr


#: A session parametrized over three checkers, each command picked from a dict (the shape seen).
NOX_PARAMETRIZED = """
import nox

COMMANDS = {"pyright": ("pyright",), "pyrefly": ("pyrefly", "check"), "ty": ("ty", "check")}


@nox.session
@nox.parametrize("checker", ["pyright", "pyrefly", "ty"])
def typing(session, checker):
    session.install(checker)
    session.run(*COMMANDS[checker], "tests/typing")
"""


def test_each_checker_of_a_parametrized_nox_session_judges_only_what_it_names(
    tmp_path: Path, tool_venv: ToolVenv
) -> None:
    """Read as text, all three ran over the whole tree and failed on src/; nox, asked, knows better.

    Each of the repository's own three runs over ``tests/typing`` is the reference.
    """
    project = repo(
        tmp_path / "r",
        {
            "src/demo/__init__.py": WRONG_RETURN,
            "tests/typing/check.py": '"""Typing test."""\n\nx: int = 1\n',
            "noxfile.py": NOX_PARAMETRIZED,
        },
    )
    done, rows = run_rows(project, "typecheck")
    own = {
        tool: subprocess.run(
            [str(tool_venv(f"typecheck-{tool}") / "bin" / tool), *words, "tests/typing"],
            cwd=project.root, capture_output=True, check=False,
        ).returncode
        for tool, words in [("pyright", []), ("pyrefly", ["check"]), ("ty", ["check"])]
    }  # fmt: skip
    assert own == {"pyright": 0, "pyrefly": 0, "ty": 0}
    row = rows["typecheck"]
    assert row["status"] == "passed", done.stdout + done.stderr
    assert {run["declared"]: run["targets"] for run in row["details"]["runs"]} == {
        "noxfile.py runs pyright": ["tests/typing"],
        "noxfile.py runs ty check": ["tests/typing"],
        "noxfile.py runs pyrefly check": ["tests/typing"],
    }


def test_the_stubs_a_tox_typing_environment_installs_are_what_mypy_sees(
    tmp_path: Path, tool_venv: ToolVenv
) -> None:
    """tox's typing environment installs ``types-six`` beside mypy: its run sees six's types.

    Without them mypy reports six's missing stubs, which that run never
    does; the repository's own run (mypy and the stubs in one environment)
    is the reference.
    """
    tox = "[tox]\nenv_list = typing\n[testenv:typing]\nskip_install = true\ndeps =\n    mypy\n    types-six\ncommands = mypy src\n"
    code = '"""Demo."""\n\nimport six\n\nPY3: bool = six.PY3\n'
    project = repo(tmp_path / "r", {"src/demo/__init__.py": code, "tox.ini": tox})
    own_env = tmp_path / "own"
    subprocess.run(["uv", "venv", "-q", str(own_env)], check=True)
    subprocess.run(
        ["uv", "pip", "install", "-q", "--python", str(own_env / "bin/python"),
         f"mypy=={tool_versions.taskbelt_pins()['mypy']}", "types-six"],
        check=True,
    )  # fmt: skip
    own = subprocess.run(
        [str(own_env / "bin/mypy"), "src"], cwd=project.root, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert own.returncode == 0, own.stdout
    done, rows = run_rows(project, "typecheck")
    row = rows["typecheck"]
    assert row["status"] == "passed", done.stdout + done.stderr
    assert row["details"]["declared"] == "tox.ini runs mypy"
    assert row["details"]["dependencies"] == ["types-six"]
