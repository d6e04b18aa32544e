"""A noxfile is read by asking nox: nox's loader, nox's expansion, a recorder for each session.

Real nox (taskbelt's pinned nox, tool group ``nox``) on throwaway
repositories shaped like what was seen on real ones: a session parametrized
over three type checkers whose commands come from a dict, sessions over a
Python list, a session that parses a command's output, a noxfile that
imports what is not installed.
"""

from __future__ import annotations

import concurrent.futures
import logging
from pathlib import Path

import pytest
from conftest import break_executable, git, write_files

from taskbelt import defaults
from taskbelt.repository import nox_config
from taskbelt.repository.project import Project

PYPROJECT = "[project]\nname = 'demo'\nversion = '0'\n"

#: The shape seen: the command picked from a dict inside a parametrized session.
PARAMETRIZED = """
import nox

COMMANDS = {
    "pyright": ("pyright",),
    "pyrefly": ("pyrefly", "check"),
    "ty": ("ty", "check"),
}


@nox.session(python=["3.11", "3.12"])
def tests(session):
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
@nox.parametrize("checker", ["pyright", "pyrefly", "ty"])
def typing(session, checker):
    session.install(checker)
    session.run(*COMMANDS[checker], "tests/typing")
"""

#: A session that reads the output of a command the recorder never runs.
PARSES_OUTPUT = """
import nox


@nox.session
def release(session):
    tag = session.run("git", "describe", silent=True).split()[1]
    session.run("mypy", "--strict", "src", tag)
"""


def repo(root: Path, files: dict[str, str]) -> Path:
    write_files(root, {"pyproject.toml": PYPROJECT, **files})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    return root


def ask(root: Path) -> tuple[nox_config.NoxSession, ...]:
    nox_config._answer.cache_clear()
    found = nox_config.declared(root, root / defaults.STATE_DIR_NAME)
    assert found is not None
    return found


def verbose(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """-v's log, whatever handler an earlier test's run left on taskbelt's logger."""
    monkeypatch.setattr(logging.getLogger("taskbelt"), "handlers", [caplog.handler])
    caplog.set_level(logging.INFO, logger="taskbelt")


def test_nox_expands_every_session_and_the_recorder_runs_none(tmp_path: Path) -> None:
    root = repo(tmp_path / "r", {"noxfile.py": PARAMETRIZED})
    sessions = {session.name: session for session in ask(root)}
    assert list(sessions) == [
        "tests-3.11",
        "tests-3.12",
        "typing(checker='pyright')",
        "typing(checker='pyrefly')",
        "typing(checker='ty')",
    ]
    assert sessions["tests-3.12"].installs == (("-e", ".[test]"),)
    assert sessions["tests-3.12"].runs == (("pytest",),)
    assert sessions["typing(checker='ty')"].runs == (("ty", "check", "tests/typing"),)
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    assert not (root / ".nox").exists()
    assert not (root / "__pycache__").exists()


def test_each_parametrized_checker_runs_over_what_its_session_names(tmp_path: Path) -> None:
    """Read as text, each checker ran over the whole tree (36, 67 and 266 errors seen)."""
    root = repo(
        tmp_path / "r",
        {"noxfile.py": PARAMETRIZED, "src/demo/__init__.py": "", "tests/typing/t.py": ""},
    )
    nox_config._answer.cache_clear()
    runs = Project.load(root).tools.type_checkers
    assert [(run.tool, run.declared, run.targets) for run in runs] == [
        ("pyright", "noxfile.py runs pyright", ("tests/typing",)),
        ("ty", "noxfile.py runs ty check", ("tests/typing",)),
        ("pyrefly", "noxfile.py runs pyrefly check", ("tests/typing",)),
    ]


def test_a_session_the_recorder_cannot_follow_is_read_as_text_and_v_says_so(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = repo(tmp_path / "r", {"noxfile.py": PARSES_OUTPUT, "src/demo/__init__.py": ""})
    verbose(monkeypatch, caplog)
    (release,) = ask(root)
    assert release.failed == "IndexError: list index out of range"
    assert 'session.run("mypy"' in release.source
    assert "nox session release failed under the recorder (IndexError" in caplog.text
    nox_config._answer.cache_clear()
    runs = Project.load(root).tools.type_checkers
    assert [(run.tool, run.declared) for run in runs] == [("mypy", "noxfile.py runs mypy")]


def test_a_noxfile_nox_cannot_load_is_read_as_text_and_v_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    noxfile = "import nox\nimport nox_plugin_not_installed\n\n\n@nox.session\ndef t(session):\n    session.run('mypy', 'src')\n"
    root = repo(tmp_path / "r", {"noxfile.py": noxfile, "src/demo/__init__.py": ""})
    verbose(monkeypatch, caplog)
    nox_config._answer.cache_clear()
    runs = Project.load(root).tools.type_checkers
    assert [(run.tool, run.declared, run.targets) for run in runs] == [
        ("mypy", "noxfile.py runs mypy", ("src",))
    ]
    assert "nox could not load noxfile.py (ModuleNotFoundError" in caplog.text


def test_nox_s_answer_is_kept_until_the_noxfile_changes(tmp_path: Path) -> None:
    """A second run does not start nox; a changed noxfile asks again (a broken nox here)."""
    root = repo(tmp_path / "r", {"noxfile.py": PARAMETRIZED})
    first = ask(root)
    python = root / defaults.STATE_DIR_NAME / defaults.ENVS_SUBDIR / "tools-nox" / "bin" / "python"
    break_executable(python)
    assert ask(root) == first
    (root / "noxfile.py").write_text(PARAMETRIZED + "\n# changed\n", encoding="utf-8")
    nox_config._answer.cache_clear()
    assert nox_config.declared(root, root / defaults.STATE_DIR_NAME) is None


def test_checks_that_ask_nox_at_once_get_one_answer(tmp_path: Path) -> None:
    """The checks run in threads: four asking first made nox's environment four times at once.

    Seen in CI: three of the four lost the race (``uv venv --clear`` under
    another's install) and read the noxfile as text, so a test session's
    ``session.install`` was missed and the tests failed on an import.
    """
    root = repo(tmp_path / "r", {"noxfile.py": PARAMETRIZED})
    nox_config._answer.cache_clear()
    state = root / defaults.STATE_DIR_NAME
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: nox_config.declared(root, state), range(4)))
        # lru_cache lets threads that miss at once each call through: clear it between
        nox_config._answer.cache_clear()
        answers += list(pool.map(lambda _: nox_config.declared(root, state), range(4)))
    assert all(found is not None and len(found) == 5 for found in answers), answers


def test_what_a_session_installs_beside_its_checker_is_what_the_checker_sees(
    tmp_path: Path,
) -> None:
    """Stubs a session installs reach the checker; the checker itself and the project do not."""
    noxfile = (
        "import nox\n\n\n@nox.session\ndef typing(session):\n"
        "    session.install('-e', '.', 'mypy==1.11.2', 'types-requests', '-r', 'reqs.txt')\n"
        "    session.run('mypy', 'src')\n"
    )
    root = repo(tmp_path / "r", {"noxfile.py": noxfile, "src/demo/__init__.py": ""})
    nox_config._answer.cache_clear()
    (run,) = Project.load(root).tools.type_checkers
    assert (run.declared, run.targets, run.dependencies) == (
        "noxfile.py runs mypy",
        ("src",),
        ("types-requests",),
    )
