"""tox's configuration is read by asking tox (``tox config``), not by a parser of ours.

Real tox (taskbelt's pinned tox 4, tool group ``tox``) on throwaway
repositories shaped like what was seen on real ones: inheritance, factors,
substitutions, a plugin in ``requires``, ``pyright`` alone on a commands line.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from conftest import break_executable, git, write_files

from taskbelt import defaults
from taskbelt.repository import tox_config
from taskbelt.repository.project import Project

PYPROJECT = "[project]\nname = 'demo'\nversion = '0'\n"


def repo(root: Path, files: dict[str, str]) -> Path:
    write_files(root, {"pyproject.toml": PYPROJECT, **files})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return root


def ask(root: Path) -> tox_config.ToxConfig:
    tox_config._answer.cache_clear()
    found = tox_config.declared(root, root / defaults.STATE_DIR_NAME)
    assert found is not None
    return found


def env(config: tox_config.ToxConfig, name: str) -> tox_config.ToxEnv:
    return next(e for e in config.envs if e.name == name)


TOX_INI = """
[tox]
requires = tox-uv>=1
env_list = py{311,312}, type
[base]
deps = freezegun
[testenv]
extras = dev
deps =
    {[base]deps}
    py311: exceptiongroup
set_env =
    DEMO_DATA = {toxinidir}/data
commands = pytest {posargs:tests}
[testenv:type]
skip_install = true
deps = pyright
commands =
    pyright
    - mypy --strict {toxinidir}/src {posargs}
"""


def test_tox_resolves_inheritance_factors_and_substitutions(tmp_path: Path) -> None:
    """Each environment as tox runs it: inherited, factor-filtered, substituted.

    ``requires`` names a plugin taskbelt does not install: tox is asked
    without provisioning, so the answer still comes.
    """
    root = repo(tmp_path / "r", {"tox.ini": TOX_INI})
    config = ask(root)
    assert config.source == "tox.ini"
    assert [e.name for e in config.envs] == ["py311", "py312", "type"]
    py311, py312, type_env = env(config, "py311"), env(config, "py312"), env(config, "type")
    assert py311.deps == ("freezegun", "exceptiongroup")
    assert py312.deps == ("freezegun",)
    assert py312.extras == ("dev",)
    assert py312.commands == (("pytest", "tests"),)
    assert py312.set_env == {"DEMO_DATA": f"{root}/data"}, "only what the repository sets"
    assert type_env.commands == (("pyright",), ("mypy", "--strict", "src"))
    assert type_env.skip_install


def test_asking_tox_leaves_the_repository_as_it_was(tmp_path: Path) -> None:
    """``tox config`` alone makes ``.tox/``: taskbelt's work folder is in its state folder."""
    root = repo(tmp_path / "r", {"tox.ini": TOX_INI})
    ask(root)
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    assert not (root / ".tox").exists()


def test_pyright_alone_on_a_commands_line_is_a_declared_run(tmp_path: Path) -> None:
    """Read as text, ``pyright`` alone looked like a dependency and never ran; tox knows better."""
    root = repo(tmp_path / "r", {"tox.ini": TOX_INI, "src/demo/__init__.py": ""})
    tox_config._answer.cache_clear()
    runs = Project.load(root).tools.type_checkers
    assert [(run.tool, run.declared, run.targets) for run in runs] == [
        ("mypy", "tox.ini runs mypy", ("src",)),
        ("pyright", "tox.ini runs pyright", ()),
    ]


@pytest.mark.parametrize(
    ("files", "source"),
    [
        ({"setup.cfg": "[tox:tox]\n[testenv:type]\ncommands = pyright\n"}, "setup.cfg [tox:tox]"),
        (
            {"pyproject.toml": PYPROJECT + '[tool.tox.env.type]\ncommands = [["pyright"]]\n'},
            "pyproject.toml [tool.tox]",
        ),
        ({"tox.toml": '[env.type]\ncommands = [["pyright"]]\n'}, "tox.toml"),
    ],
    ids=["setup.cfg", "pyproject.toml", "tox.toml"],
)
def test_every_home_of_tox_s_configuration_is_asked(
    tmp_path: Path, files: dict[str, str], source: str
) -> None:
    root = repo(tmp_path / "r", files)
    config = ask(root)
    assert config.source == source
    assert env(config, "type").commands == (("pyright",),)


def test_tox_s_answer_is_kept_until_a_file_it_reads_changes(tmp_path: Path) -> None:
    """A second run does not start tox; a changed tox.ini asks again.

    The kept tox is replaced by one that always fails: an answer that still
    comes was kept, and the changed file's question reaches the failing tox.
    """
    root = repo(tmp_path / "r", {"tox.ini": TOX_INI})
    first = ask(root)
    tox = root / defaults.STATE_DIR_NAME / defaults.ENVS_SUBDIR / "tools-tox" / "bin" / "tox"
    break_executable(tox)
    assert ask(root) == first
    (root / "tox.ini").write_text(TOX_INI + "\n[testenv:more]\n", encoding="utf-8")
    tox_config._answer.cache_clear()
    assert tox_config.declared(root, root / defaults.STATE_DIR_NAME) is None


def test_where_tox_cannot_answer_its_files_are_read_as_text_and_v_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A tox newer than taskbelt's is required: the commands are still read as text."""
    broken = "[tox]\nmin_version = 99\n[testenv:type]\ncommands = mypy src\n"
    root = repo(tmp_path / "r", {"tox.ini": broken, "src/demo/__init__.py": ""})
    tox_config._answer.cache_clear()
    # -v's log, whatever handler an earlier test's run left on taskbelt's logger
    monkeypatch.setattr(logging.getLogger("taskbelt"), "handlers", [caplog.handler])
    with caplog.at_level(logging.INFO, logger="taskbelt"):
        runs = Project.load(root).tools.type_checkers
    assert [(run.tool, run.declared, run.targets) for run in runs] == [
        ("mypy", "tox.ini runs mypy", ("src",))
    ]
    assert "tox could not be asked (tox config exited" in caplog.text
    assert "tox>=99" in caplog.text


def test_a_tox_ini_holding_only_other_tools_settings_does_not_start_tox(tmp_path: Path) -> None:
    root = repo(tmp_path / "r", {"tox.ini": "[flake8]\nmax-line-length = 99\n"})
    assert tox_config.declared(root, root / defaults.STATE_DIR_NAME) is None
    assert not (root / defaults.STATE_DIR_NAME).exists()


def test_an_environment_tox_cannot_resolve_here_leaves_the_others_answered(
    tmp_path: Path,
) -> None:
    """Seen (pytest-mock): py314 has no interpreter here and a command names
    ``{envsitepackagesdir}``; tox exits 255 but prints every other value, and the
    test environment's deps still reach the tests."""
    tox = (
        "[tox]\nenv_list = py312, py315\n[testenv]\ndeps =\n    mock\n    pytest-asyncio\n"
        "commands = pytest --cov={envsitepackagesdir}/demo {posargs}\n"
    )
    root = repo(tmp_path / "r", {"tox.ini": tox})
    config = ask(root)
    assert [e.name for e in config.envs] == ["py312", "py315"]
    assert env(config, "py315").commands == (), "tox could not resolve them here"
    test = tox_config.test_env(config)
    assert test is not None
    assert (test.name, test.deps) == ("py312", ("mock", "pytest-asyncio"))
