"""What a repository's noxfile declares, as nox itself loads and expands it.

A noxfile is Python: the command a session runs may come from a dict inside
it, and ``@nox.parametrize`` makes one session per value. Read as text, a
session parametrized over ``pyright``, ``pyrefly`` and ``ty``, each run
over ``tests/typing``, made taskbelt run all three over the whole tree. So
nox is asked: :mod:`taskbelt.repository.nox_record`, run by the Python of taskbelt's
pinned nox (tool group ``nox``), loads the noxfile with nox's own loader,
lets nox's manifest expand every session, and calls each with a recorder
that writes down ``install`` and ``run`` and runs nothing.

The answer is kept in the state folder under a hash of the noxfile, the
recorder and the nox lock. Where nox cannot load the noxfile, :func:`declared`
says why in ``-v`` and returns None (the caller reads the file as text); a
session that fails under the recorder comes with its source, read as text.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskbelt import proc
from taskbelt.errors import TaskbeltError
from taskbelt.repository import tox_config
from taskbelt.state import folder
from taskbelt.tools import answers, interpreters, venvs

LOGGER = logging.getLogger("taskbelt")

NOXFILE = "noxfile.py"
GROUP = "nox"
_RECORDER = Path(__file__).with_name("nox_record.py")
_STORE_ENTRY = "nox-config"
_TIMEOUT = 120.0


@dataclass(frozen=True)
class NoxSession:
    """One session as nox expands it, and what it installs and runs."""

    #: As ``nox --list`` names it: ``tests-3.12``, ``typing(checker='ty')``.
    name: str
    installs: tuple[tuple[str, ...], ...] = ()
    runs: tuple[tuple[str, ...], ...] = ()
    #: Why the recorder could not follow the session to its end ("" where it could).
    failed: str = ""
    #: The session function's source, where it failed: read as text instead.
    source: str = ""
    #: The Python version it runs on (``python="3.10"``); "" where it names none.
    python: str = ""

    @property
    def requirements(self) -> tuple[str, ...]:
        """What ``session.install`` installs, option words (``-e``, ``-r``) and paths left out."""
        return tuple(
            word
            for words in self.installs
            for at, word in enumerate(words)
            if not word.startswith((".", "/", "-"))
            and not (at and words[at - 1] in ("-r", "-c", "-e", "--requirement", "--constraint"))
        )

    def installed(self) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """``(extras, groups, requirement lines)`` its ``session.install`` calls name.

        ``.[test]`` and ``-e .[test]`` are the project with extras; ``--group
        test`` a dependency group; ``-r file`` a requirement line as written;
        any other word not an option a requirement.
        """
        extras: list[str] = []
        groups: list[str] = []
        lines: list[str] = []
        for words in self.installs:
            at = 0
            while at < len(words):
                word, value = words[at], words[at + 1] if at + 1 < len(words) else ""
                at += 1
                if word in _WITH_FILE:
                    lines.append(f"{word} {value}")
                    at += 1
                elif word == "--group":
                    groups.append(value.rpartition(":")[2])
                    at += 1
                elif word in ("-e", "--editable") or word.startswith((".", "/")):
                    target = value if word.startswith("-") else word
                    at += 1 if word.startswith("-") else 0
                    inside = target.partition("[")[2].rstrip("]")
                    extras += [e.strip() for e in inside.split(",") if e.strip()]
                elif not word.startswith("-"):
                    lines.append(word)
        return tuple(extras), tuple(groups), tuple(lines)


#: Options of ``pip install`` followed by a file of requirements or constraints.
_WITH_FILE = frozenset({"-r", "--requirement", "-c", "--constraint"})


def test_session(sessions: tuple[NoxSession, ...]) -> NoxSession | None:
    """The session that runs the tests: the first, in nox's order, with a pytest command."""
    return next(
        (s for s in sessions if any(tox_config.runs(run, "pytest", "py.test") for run in s.runs)),
        None,
    )


def declared(root: Path, state_dir: Path) -> tuple[NoxSession, ...] | None:
    """The noxfile's sessions as nox expands them; None without a noxfile or an answer."""
    noxfile = root / NOXFILE
    if not noxfile.is_file():
        return None
    # the recorder's own text is in the key: a changed recorder records anew
    return _answer(root, state_dir, answers.key(root, GROUP, (_RECORDER, noxfile)))


@functools.lru_cache(maxsize=8)
def _answer(root: Path, state_dir: Path, key: str) -> tuple[NoxSession, ...] | None:
    """nox's answer under ``key``: kept in the state folder, else asked (once per process)."""
    kept = answers.kept(state_dir, _STORE_ENTRY, key, lambda: _ask(root, state_dir), "nox")
    if kept is None:
        return None
    if kept.get("error"):
        LOGGER.info("nox could not load %s (%s); it is read as text", NOXFILE, kept["error"])
        return None
    sessions = tuple(_session(found) for found in kept.get("sessions") or [])
    for session in sessions:
        if session.failed:
            LOGGER.info(
                "nox session %s failed under the recorder (%s); its source is read as text",
                session.name,
                session.failed,
            )
    return sessions


def _ask(root: Path, state_dir: Path) -> dict[str, Any]:
    """Run the recorder in nox's environment and return its answer."""
    folder.prepare(state_dir)
    python = venvs.venv_python(venvs.asking_env(state_dir, GROUP))
    done = proc.run(
        [str(python), "-B", str(_RECORDER), str(root / NOXFILE)],
        cwd=root,
        timeout=_TIMEOUT,
        ok=None,
    )
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        said = [line for line in done.output.splitlines() if line.strip()]
        raise TaskbeltError(
            f"the nox recorder exited {done.returncode}: {said[-1] if said else 'no message'}",
            f"run `nox --list` in the repository to see whether nox can load {NOXFILE}",
        ) from None
    if not isinstance(answer, dict):
        raise TaskbeltError("the nox recorder printed no object", "run `nox --list`")
    return answer


def _lists(values: object) -> tuple[tuple[str, ...], ...]:
    if not isinstance(values, list):
        return ()
    return tuple(tuple(str(word) for word in value) for value in values if isinstance(value, list))


def _session(found: Mapping[str, Any]) -> NoxSession:
    return NoxSession(
        name=str(found.get("name", "")),
        installs=_lists(found.get("installs")),
        runs=_lists(found.get("runs")),
        failed=str(found.get("failed") or ""),
        source=str(found.get("source") or ""),
        python=(
            interpreters.named_version(python)
            if isinstance(python := found.get("python"), str)
            else ""
        ),
    )


def commands_text(sessions: tuple[NoxSession, ...]) -> str:
    """Every session's commands, one per line as a list of words; a failed session's source.

    The form :mod:`taskbelt.repository.command_files` reads (``["pyright", "tests/typing"]``).
    """
    lines = [json.dumps(list(run)) for session in sessions for run in session.runs]
    lines += [session.source for session in sessions if session.failed and session.source]
    return "\n".join(dict.fromkeys(lines))
