"""Which type checker a repository gets, with which settings and arguments, and why.

Fast tests of the decision alone (no checker runs); test_typecheckers.py runs
the chosen checkers on throwaway repositories.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import assert_two_line_error, taskbelt, write_files

from taskbelt import defaults
from taskbelt.caching import verdicts
from taskbelt.checks.base import CheckContext
from taskbelt.checks.typecheck import check as typecheck
from taskbelt.checks.typecheck import hook_dependencies
from taskbelt.errors import ConfigError
from taskbelt.repository import type_checker_choice
from taskbelt.repository.choice import Choice
from taskbelt.repository.project import Project

PYPROJECT = "[project]\nname = 'demo'\n"
TOX_TY = '[env.type]\ncommands = [ [ "ty", "check", "--output-format", "concise", "--exit-zero-on-warning", "." ] ]\n'


def checker_of(root: Path, files: dict[str, str]) -> Choice:
    write_files(root, {"pyproject.toml": PYPROJECT, **files})
    choice = Project.load(root).tools.type_checker
    return Choice(
        choice.tool,
        choice.source,
        choice.config,
        args=choice.args,
        targets=choice.targets,
        unread=choice.unread,
    )


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"pyproject.toml": PYPROJECT + "[tool.ty]\n"}, Choice("ty", "settings from pyproject.toml [tool.ty]")),
        ({"ty.toml": "[rules]\n", "pyproject.toml": PYPROJECT + "[tool.ty]\n"}, Choice("ty", "settings from ty.toml")),
        ({"pyrightconfig.json": "{}"}, Choice("pyright", "settings from pyrightconfig.json")),
        ({"pyproject.toml": PYPROJECT + "[tool.basedpyright]\n"}, Choice("basedpyright", "settings from pyproject.toml [tool.basedpyright]")),
        ({"pyrefly.toml": ""}, Choice("pyrefly", "settings from pyrefly.toml")),
        (
            {"pyproject.toml": PYPROJECT + "[tool.pyright]\n[tool.mypy]\n"},
            Choice("mypy", "settings from pyproject.toml [tool.mypy]; also configured: pyright (pyproject.toml [tool.pyright]) (choose with [tool.taskbelt] type-checker)"),
        ),
        (
            {"pyproject.toml": PYPROJECT + "[tool.mypy]\n[tool.ty]\n", "tox.toml": TOX_TY},
            Choice("ty", "tox.toml runs ty check; settings from pyproject.toml [tool.ty]", args=("--exit-zero-on-warning",)),
        ),
        (
            {"tox.ini": "[testenv:type]\ncommands = ty check --python-version 3.12 {posargs}\n"},
            Choice("ty", "tox.ini runs ty check; ty's default settings", args=("--python-version", "3.12")),
        ),
        (
            {"noxfile.py": "import nox\n\n\n@nox.session\ndef t(session):\n    session.run('pyright', '--warnings', '--pythonpath', 'x', 'src')\n", "src/a.py": ""},
            Choice("pyright", "noxfile.py runs pyright; pyright's default settings", args=("--warnings",), targets=("src",)),
        ),
        (
            {"tox.ini": "[testenv:type]\ncommands = pyright --level error src tests {posargs}\n", "src/a.py": "", "tests/b.py": ""},
            Choice("pyright", "tox.ini runs pyright; pyright's default settings", args=("--level", "error"), targets=("src", "tests")),
        ),
        (
            {"tox.ini": "[testenv:type]\ncommands = pyrefly check --min-severity=warn --output-format min-text -j 2 src {posargs}\n", "src/a.py": "", "pyrefly.toml": ""},
            Choice("pyrefly", "tox.ini runs pyrefly check; settings from pyrefly.toml", args=("--min-severity=warn",), targets=("src",)),
        ),
        (
            {"noxfile.py": "import nox\n\n\n@nox.session\ndef typing(session):\n    session.run('pyright', *session.posargs, PACKAGE, external=True)\n"},
            Choice("pyright", "noxfile.py runs pyright; pyright's default settings", unread="PACKAGE"),
        ),
        (
            {"pyproject.toml": PYPROJECT + "[dependency-groups]\ntype = ['ty>=0.0.19']\n"},
            Choice("ty", "ty among the project's dependencies; ty's default settings"),
        ),
        (
            {"pyproject.toml": PYPROJECT + "[tool.ty]\n[tool.taskbelt]\ntype-checker = 'mypy'\n"},
            Choice("mypy", "[tool.taskbelt] type-checker; taskbelt's default settings", defaults.MYPY_CONFIG),
        ),
    ],
)  # fmt: skip
def test_the_repository_s_checker_in_order(
    tmp_path: Path, files: dict[str, str], expected: Choice
) -> None:
    """The setting, then what commands run, then what is configured, then dependencies."""
    assert checker_of(tmp_path, files) == expected


def test_every_checker_the_repository_s_commands_run_runs(tmp_path: Path) -> None:
    """Its own run passes only when each passes: mypy and ty here, in CHECKERS order."""
    nox = "import nox\n\n\n@nox.session\ndef t(session):\n    session.run('ty', 'check')\n    session.run('mypy', 'src')\n"
    write_files(
        tmp_path, {"pyproject.toml": PYPROJECT + "[tool.ty]\n", "noxfile.py": nox, "src/a.py": ""}
    )
    assert [c.explain() for c in Project.load(tmp_path).tools.type_checkers] == [
        "mypy 2.4.1 (noxfile.py runs mypy; mypy's default settings); "
        "version from taskbelt's pin: the repository pins no version; on src",
        "ty 0.0.104 (noxfile.py runs ty check; settings from pyproject.toml [tool.ty]); "
        "version from taskbelt's pin: the repository pins no version",
    ]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("tox.ini", "[testenv:type]\ndeps =\n    mypy\n    ty\ncommands = pytest\n"),
        ("tox.ini", "[testenv:type]\ndeps = mypy ty\ncommands = pytest\n"),
        ("tox.toml", '[env.type]\ndeps = [\n  "mypy",\n  "ty",\n]\ncommands = [["pytest"]]\n'),
        (
            "noxfile.py",
            "import nox\n\n\n@nox.session\ndef t(session):\n    session.install(\n        'mypy', 'pyright'\n    )\n",
        ),
        (".github/workflows/ci.yml", "steps:\n  - run: pip install mypy pyright && pytest\n"),
    ],
    ids=["tox.ini deps lines", "tox.ini deps", "tox.toml deps", "nox install", "pip install"],
)
def test_installing_a_checker_is_not_running_it(tmp_path: Path, name: str, text: str) -> None:
    assert checker_of(tmp_path, {name: text}).source == "taskbelt's default settings"


def test_a_command_after_an_install_on_one_line_still_counts(tmp_path: Path) -> None:
    workflow = "steps:\n  - run: pip install mypy pyright && pyright src\n"
    files = {".github/workflows/ci.yml": workflow, "src/a.py": ""}
    assert checker_of(tmp_path, files).source == (
        ".github/workflows/ci.yml runs pyright; pyright's default settings"
    )


def test_every_file_that_decides_the_checker_is_in_the_cache_key() -> None:
    assert type_checker_choice.CONFIG_FILES <= verdicts.CONFIG_NAMES


def test_a_checker_taskbelt_does_not_run_is_a_two_line_error(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {"pyproject.toml": PYPROJECT + "version = '0'\n[tool.taskbelt]\ntype-checker = 'pytype'\n"},
    )
    done = taskbelt(tmp_path, "run", "typecheck")
    assert_two_line_error(done, "type-checker")
    assert "'mypy', 'pyright', 'basedpyright', 'ty' or 'pyrefly'" in done.stderr


def test_every_checker_taskbelt_can_choose_has_a_runner() -> None:
    """A chosen checker always runs: never an error row, never another checker's verdict."""
    assert set(typecheck.RUNNERS) == set(type_checker_choice.CHECKERS)


#: itsdangerous's tox configuration, in its pyproject.toml (shortened).
PYPROJECT_TOX = """
[dependency-groups]
typing = ["mypy", "pyright"]

[tool.tox.env_run_base]
dependency_groups = ["tests"]
commands = [["pytest", "-v", {replace = "posargs", default = [], extend = true}]]

[tool.tox.env.typing]
dependency_groups = ["typing"]
commands = [
    ["mypy"],
    ["pyright"],
    ["pyright", "--verifytypes", "demo", "--ignoreexternal"],
]
"""


def sources(root: Path, files: dict[str, str]) -> list[str]:
    write_files(root, {"pyproject.toml": PYPROJECT, **files})
    return [choice.source for choice in Project.load(root).tools.type_checkers]


def test_pyproject_s_tox_configuration_is_a_command_file(tmp_path: Path) -> None:
    """tox reads ``[tool.tox]``: its typing environment runs mypy and pyright, so both judge."""
    assert sources(tmp_path, {"pyproject.toml": PYPROJECT + PYPROJECT_TOX}) == [
        "pyproject.toml [tool.tox] runs mypy; mypy's default settings",
        "pyproject.toml [tool.tox] runs pyright; pyright's default settings",
    ]


def test_pyproject_s_legacy_tox_ini_is_a_command_file(tmp_path: Path) -> None:
    legacy = "[tool.tox]\nlegacy_tox_ini = '''\n[testenv:type]\ncommands = pyright src\n'''\n"
    project = {"pyproject.toml": PYPROJECT + legacy, "src/a.py": ""}
    write_files(tmp_path, project)
    assert checker_of(tmp_path, {**project}) == Choice(
        "pyright",
        "pyproject.toml legacy_tox_ini runs pyright; pyright's default settings",
        targets=("src",),
    )


def test_pyproject_s_dependency_lists_are_not_commands(tmp_path: Path) -> None:
    """``typing = ["mypy", "pyright"]`` installs two checkers and runs neither."""
    groups = (
        '[dependency-groups]\ntyping = ["mypy", "pyright"]\n[tool.tox]\nenv_list = ["typing"]\n'
    )
    assert sources(tmp_path, {"pyproject.toml": PYPROJECT + groups}) == [
        type_checker_choice.DEFAULT_SOURCE
    ]


def test_pyright_s_type_completeness_score_is_not_its_type_check(tmp_path: Path) -> None:
    """``pyright --verifytypes pkg`` alone does not choose pyright, nor lend it arguments."""
    only_score = '[env.t]\ncommands = [["pyright", "--verifytypes", "demo", "--ignoreexternal"]]\n'
    assert sources(tmp_path / "a", {"tox.toml": only_score}) == [type_checker_choice.DEFAULT_SOURCE]
    both = '[env.t]\ncommands = [["pyright", "--verifytypes", "demo"], ["pyright", "--level", "error"]]\n'
    assert checker_of(tmp_path / "b", {"tox.toml": both}).args == ("--level", "error")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("tox.toml", '[env.t]\ncommands = [["pyright"], ["mypy", "src"]]\n'),
        (".github/workflows/ci.yml", "steps:\n  - run: pyright && mypy src\n"),
    ],
    ids=["tox list", "shell &&"],
)
def test_commands_on_one_line_keep_their_own_arguments(
    tmp_path: Path, name: str, text: str
) -> None:
    """pyright's command has no operand: ``mypy src`` is the next command's, not pyright's."""
    write_files(tmp_path, {"pyproject.toml": PYPROJECT, name: text, "src/a.py": ""})
    mypy, pyright = Project.load(tmp_path).tools.type_checkers
    assert (pyright.tool, pyright.targets, pyright.unread) == ("pyright", (), "")
    assert mypy.tool == "mypy"


MIRRORS_MYPY = """repos:
- repo: https://github.com/pre-commit/mirrors-mypy
  rev: v1.19.1
  hooks:
  - id: mypy
{}"""
LOCAL_HOOK = """repos:
- repo: local
  hooks:
  - id: types
    name: types
    language: system
    types: [python]
{}"""


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {".pre-commit-config.yaml": MIRRORS_MYPY.format("")},
            Choice("mypy", ".pre-commit-config.yaml hook mypy; mypy's default settings", args=("--ignore-missing-imports", "--scripts-are-modules", "--no-warn-unused-ignores")),
        ),
        (
            {".pre-commit-config.yaml": MIRRORS_MYPY.format("    args: [--strict, --pretty, --cache-dir, .c, --show-error-codes]\n")},
            Choice("mypy", ".pre-commit-config.yaml hook mypy; mypy's default settings", args=("--strict",)),
        ),
        (
            {".pre-commit-config.yaml": MIRRORS_MYPY.format("    args: []\n"), "mypy.ini": "[mypy]\n"},
            Choice("mypy", ".pre-commit-config.yaml hook mypy; settings from mypy.ini"),
        ),
        (
            {".pre-commit-config.yaml": LOCAL_HOOK.format("    entry: uv run --group typing pyright --level error\n    pass_filenames: false\n    args: [src]\n"), "src/a.py": ""},
            Choice("pyright", ".pre-commit-config.yaml hook types; pyright's default settings", args=("--level", "error"), targets=("src",)),
        ),
        (
            {".pre-commit-config.yaml": LOCAL_HOOK.format("    entry: ty check --error-on-warning\n")},
            Choice("ty", ".pre-commit-config.yaml hook types; ty's default settings", args=("--error-on-warning",)),
        ),
    ],
    ids=["mirrors-mypy", "mirrors-mypy args", "mypy.ini", "local uv run pyright", "local ty"],
)  # fmt: skip
def test_a_checker_a_pre_commit_hook_runs_is_chosen_with_its_arguments(
    tmp_path: Path, files: dict[str, str], expected: Choice
) -> None:
    """What pre-commit runs, with the arguments that change the verdict (not output options)."""
    assert checker_of(tmp_path, files) == expected
    assert Project.load(tmp_path).tools.type_checker.hook is not None


def test_every_run_the_commands_and_hooks_declare_runs_as_declared(tmp_path: Path) -> None:
    """tox runs pyright on src, pre-commit runs pyright and mypy: all three run, each its own way."""
    hooks = LOCAL_HOOK.format("    entry: pyright --warnings\n") + MIRRORS_MYPY.format(
        ""
    ).removeprefix("repos:\n")
    write_files(
        tmp_path,
        {
            "pyproject.toml": PYPROJECT,
            "tox.toml": '[env.t]\ncommands = [["pyright", "src"]]\n',
            ".pre-commit-config.yaml": hooks,
            "src/a.py": "",
        },
    )
    mypy, tox_pyright, hook_pyright = Project.load(tmp_path).tools.type_checkers
    assert (tox_pyright.source, tox_pyright.hook, tox_pyright.args, tox_pyright.targets) == (
        "tox.toml runs pyright; pyright's default settings",
        None,
        (),
        ("src",),
    )
    assert hook_pyright.hook is not None
    assert (hook_pyright.hook.id, hook_pyright.args) == ("types", ("--warnings",))
    assert mypy.hook is not None
    assert mypy.hook.id == "mypy"


#: The symptom's repository: pre-commit's mypy over the package and tests/, tox's
#: mypy over its test cases alone (with its own options).
HOOK_AND_TOX_MYPY = {
    ".pre-commit-config.yaml": MIRRORS_MYPY.format("    args: [--strict]\n"),
    "tox.ini": "[testenv:mypy]\ndeps = mypy\ncommands =\n"
    "    mypy --warn-unused-ignores --show-error-codes tests/mypy_test_cases {posargs}\n",
    "tests/mypy_test_cases/a.py": "",
}


def test_a_hook_s_mypy_and_tox_s_mypy_both_run_each_over_its_own_targets(
    tmp_path: Path,
) -> None:
    write_files(tmp_path, {"pyproject.toml": PYPROJECT, **HOOK_AND_TOX_MYPY})
    runs = Project.load(tmp_path).tools.type_checkers
    assert [(c.declared, c.args, c.targets, c.config) for c in runs] == [
        ("tox.ini runs mypy", ("--warn-unused-ignores",), ("tests/mypy_test_cases",), None),
        (".pre-commit-config.yaml hook mypy", ("--strict",), (), None),
    ]
    assert typecheck.labels(runs) == [
        "mypy (tox.ini runs mypy)",
        "mypy (.pre-commit-config.yaml hook mypy)",
    ]
    assert typecheck.tool_groups(Project.load(tmp_path)) == ("typecheck",)


@pytest.mark.parametrize("where", ["noxfile.py", ".github/workflows/t.yml"])
@pytest.mark.parametrize(
    ("arguments", "args", "targets"),
    [
        ("--strict typing_tests stubs", ("--strict",), ("typing_tests", "stubs")),
        ("--config-file tests/mypy.ini -p demo", ("--config-file", "tests/mypy.ini", "-p", "demo"), ()),
        ("--python-version 3.10 --pretty --cache-dir .c typing_tests", ("--python-version", "3.10"), ("typing_tests",)),
    ],
    ids=["paths", "config file and package", "output options dropped"],
)  # fmt: skip
def test_a_declared_mypy_run_keeps_its_options_and_targets(
    tmp_path: Path, where: str, arguments: str, args: tuple[str, ...], targets: tuple[str, ...]
) -> None:
    """The reverse wrong fail: mypy declared over typing_tests/ checks that, not src/."""
    files = {"typing_tests/a.py": "", "stubs/b.pyi": "", "src/demo/__init__.py": ""}
    words = ", ".join(repr(word) for word in ["mypy", *arguments.split()])
    text = {
        "noxfile.py": f"import nox\n\n\n@nox.session\ndef t(session):\n    session.run({words})\n",
        ".github/workflows/t.yml": f"steps:\n  - run: mypy {arguments}\n",
    }[where]
    (choice,) = checkers(tmp_path, {**files, where: text})
    assert (choice.declared, choice.args, choice.targets, choice.unread) == (
        f"{where} runs mypy",
        args,
        targets,
        "",
    )


def test_a_run_declared_twice_alike_runs_once(tmp_path: Path) -> None:
    """CI and tox both run ``mypy src``: one run, named by the first place that declares it."""
    files = {
        "src/a.py": "",
        "tox.ini": "[testenv:t]\ncommands = mypy src\n",
        ".github/workflows/ci.yml": "steps:\n  - run: mypy src\n  - run: mypy tests\n",
        "tests/b.py": "",
    }
    assert [(c.declared, c.targets) for c in checkers(tmp_path, files)] == [
        ("tox.ini runs mypy", ("src",)),
        (".github/workflows/ci.yml runs mypy", ("tests",)),
    ]


def test_two_runs_declared_in_one_file_are_named_by_what_they_check(tmp_path: Path) -> None:
    tox = "[testenv:a]\ncommands = mypy src\n[testenv:b]\ncommands = mypy --strict tests\n"
    runs = checkers(tmp_path, {"tox.ini": tox, "src/a.py": "", "tests/b.py": ""})
    assert typecheck.labels(runs) == [
        "mypy (tox.ini runs mypy on src)",
        "mypy (tox.ini runs mypy on tests)",
    ]


def checkers(root: Path, files: dict[str, str]) -> tuple[Choice, ...]:
    write_files(root, {"pyproject.toml": PYPROJECT, **files})
    return Project.load(root).tools.type_checkers


def test_a_hook_scoring_type_completeness_chooses_nothing(tmp_path: Path) -> None:
    hook = LOCAL_HOOK.format("    entry: pyright --verifytypes demo\n    pass_filenames: false\n")
    assert sources(tmp_path, {".pre-commit-config.yaml": hook}) == [
        type_checker_choice.DEFAULT_SOURCE
    ]


def test_only_the_checker_hook_s_dependencies_are_wanted_and_a_typo_fails_first(
    tmp_path: Path,
) -> None:
    """The mypy hook's stubs go to the type checker's environment; a flake8 hook's plugins do not."""
    flake8 = (
        "- repo: https://github.com/pycqa/flake8\n  rev: 7.1.0\n  hooks:\n  - id: flake8\n"
        "    additional_dependencies: [flake8-bugbear]\n"
    )
    mypy = "    additional_dependencies: [types-PyYAML, 'types-requests>=2']\n"
    write_files(
        tmp_path,
        {
            "pyproject.toml": PYPROJECT,
            ".pre-commit-config.yaml": MIRRORS_MYPY.format(mypy) + flake8,
        },
    )
    ctx = CheckContext(Project.load(tmp_path), project_python=tmp_path / "env/bin/python")
    assert hook_dependencies.wanted(ctx) == ["types-PyYAML", "types-requests>=2"]

    (tmp_path / ".pre-commit-config.yaml").write_text(
        MIRRORS_MYPY.format("    additional_dependencies: ['types-PyYAML=6']\n")
    )
    ctx = CheckContext(Project.load(tmp_path), project_python=tmp_path / "env/bin/python")
    with pytest.raises(ConfigError, match="'types-PyYAML=6' is not a requirement") as raised:
        hook_dependencies.install(ctx)
    assert raised.value.fix == "fix additional_dependencies in .pre-commit-config.yaml"
