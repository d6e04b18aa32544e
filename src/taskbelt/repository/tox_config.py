"""What a repository's tox configuration declares, as tox itself resolves it.

tox's configuration has inheritance (``[testenv]`` under ``[testenv:lint]``),
factors (``py{311,312}``, ``lint: flake8``), substitutions (``{toxinidir}``,
``{posargs:tests}``, ``{[base]deps}``) and four homes (``tox.ini``,
``setup.cfg``, ``pyproject.toml``, ``tox.toml``). Reading that with a parser
of our own guessed, and a guess read ``pyright`` alone on a ``commands`` line
as a dependency list, so pyright never ran. So tox is asked: ``tox config
--format json`` of taskbelt's pinned tox 4 (tool group ``tox``), which
prints every environment's resolved settings and runs nothing.

tox is kept from touching the repository: its work folder is in taskbelt's
state folder (``tox config`` alone would create ``.tox/``), it may not
provision (``--no-provision``; the repository's ``requires``, plugins such
as tox-uv, are dropped with ``-x tox.requires=``, since only the settings
every tox understands are read), and ``--hashseed notset`` keeps a random
``PYTHONHASHSEED`` out of the answer.

The answer is kept in the state folder under a hash of the files tox reads
and of the tox lock, so an unchanged repository does not start tox again.
Where tox cannot answer (a configuration tox rejects, no way to install
tox), :func:`declared` says why in ``-v`` and returns None, and the caller
reads the files as text as before.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taskbelt import proc
from taskbelt.errors import TaskbeltError
from taskbelt.repository.toml_file import lookup, read_toml
from taskbelt.state import folder
from taskbelt.tools import answers, interpreters, venvs

LOGGER = logging.getLogger("taskbelt")

#: The files tox reads its configuration from, in tox's own search order.
FILES = ("tox.ini", "setup.cfg", "pyproject.toml", "tox.toml")
#: This reader, whose text is part of the kept answer's key.
_SELF = Path(__file__)
#: The tool group whose tox is asked.
GROUP = "tox"
#: The settings read of each environment.
KEYS = (
    "commands_pre", "commands", "commands_post", "extras", "deps", "dependency_groups",
    "set_env", "skip_install", "base_python",
)  # fmt: skip
#: What tox adds to every environment's ``set_env`` (name: value; None: any value).
#: A repository that sets one of these to tox's own value loses nothing.
_TOX_OWN_ENV: Mapping[str, str | None] = {
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "PIP_USER": "0",
    "PYTHONIOENCODING": "utf-8",
    "PYTHONHASHSEED": None,
    "VIRTUAL_ENV": None,
}
_STORE_ENTRY = "tox-config"
#: tox's work folder, in the state folder: tox would make ``.tox/`` in the repository.
WORK_SUBDIR = "tox"
_TIMEOUT = 120.0


@dataclass(frozen=True)
class ToxEnv:
    """One tox environment's settings, as tox resolved them."""

    name: str
    #: ``commands_pre``, ``commands`` and ``commands_post``, each command a word list.
    commands: tuple[tuple[str, ...], ...] = ()
    extras: tuple[str, ...] = ()
    deps: tuple[str, ...] = ()
    dependency_groups: tuple[str, ...] = ()
    #: What the repository sets, without what tox adds itself.
    set_env: Mapping[str, str] = field(default_factory=dict)
    skip_install: bool = False
    #: The Python version its ``base_python`` names (``py310`` gives ``3.10``);
    #: "" where it names none (tox's own interpreter, the default).
    python: str = ""


@dataclass(frozen=True)
class ToxConfig:
    """Every environment tox knows of a repository, and where it read them (:func:`source_name`)."""

    source: str
    envs: tuple[ToxEnv, ...]


#: A section of tox's in an INI file; tox.ini holding only ``[flake8]`` or
#: ``[pytest]`` configures no tox environment.
_INI_SECTION = re.compile(r"^\[(?:tox|testenv)\b[^\]]*\]", re.M)
_CFG_SECTION = re.compile(r"^\[(?:tox:tox|testenv)\b[^\]]*\]", re.M)


def source_name(root: Path) -> str | None:
    """Where tox reads the repository's configuration, None where nothing configures tox.

    The first file of tox's search order that configures it, as the labels
    name it: ``tox.ini``, ``setup.cfg [tox:tox]``, ``pyproject.toml
    legacy_tox_ini``, ``pyproject.toml [tool.tox]`` or ``tox.toml``.
    """
    for name in FILES:
        path = root / name
        if not path.is_file():
            continue
        if name == "pyproject.toml":
            tox = lookup(read_toml(path), "tool", "tox")
            if isinstance(tox, Mapping):
                legacy = "legacy_tox_ini" in tox
                return f"{name} legacy_tox_ini" if legacy else f"{name} [tool.tox]"
        elif name == "tox.toml":
            return name
        else:
            pattern = _INI_SECTION if name == "tox.ini" else _CFG_SECTION
            if pattern.search(path.read_text(encoding="utf-8", errors="replace")):
                return name if name == "tox.ini" else f"{name} [tox:tox]"
    return None


def declared(root: Path, state_dir: Path) -> ToxConfig | None:
    """The repository's tox environments as tox resolves them; None without tox or an answer."""
    source = source_name(root)
    return (
        None
        if source is None
        else _answer(
            # this module's text is in the key: a reader asking other keys asks anew
            root,
            state_dir,
            source,
            answers.key(root, GROUP, (_SELF, *(root / n for n in FILES))),
        )
    )


@functools.lru_cache(maxsize=8)
def _answer(root: Path, state_dir: Path, source: str, key: str) -> ToxConfig | None:
    """tox's answer under ``key``: kept in the state folder, else asked (once per process)."""
    answer = answers.kept(
        state_dir, _STORE_ENTRY, key, lambda: {"envs": _ask(root, state_dir)}, "tox"
    )
    found = answer.get("envs") if answer is not None else None
    if not isinstance(found, Mapping):
        return None
    return ToxConfig(
        source,
        tuple(
            _env(root, name, env)
            for name, env in found.items()
            if not name.startswith(".")  # tox's own packaging environments: .pkg
        ),
    )


def _ask(root: Path, state_dir: Path) -> dict[str, Any]:
    """Run ``tox config`` and return its environments, as tox printed them."""
    folder.prepare(state_dir)
    venv = venvs.asking_env(state_dir, GROUP)
    done = proc.run(
        [
            str(venv / "bin" / "tox"), "config", "--root", str(root),
            "--workdir", str(state_dir / WORK_SUBDIR), "--no-provision", "-x", "tox.requires=",
            "--hashseed", "notset", "-e", "ALL", "--format", "json", "-k", *KEYS,
        ],
        cwd=root,
        env=_with_interpreters(os.environ),
        timeout=_TIMEOUT,
        ok=None,
    )  # fmt: skip
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        said = [line.strip() for line in done.output.splitlines() if line.strip()]
        raise TaskbeltError(
            f"tox config exited {done.returncode}: {said[0] if said else 'no message'}",
            "run `tox config` in the repository to see why",
        ) from None
    if done.returncode != 0:
        # tox exits non-zero when a value of one environment cannot be resolved here
        # (py315 with no interpreter, {envsitepackagesdir}), printing that value as
        # {"error": ...} and every other one as it is: those are the answer
        LOGGER.info(
            "tox config exited %d, some values unresolved here; the rest is used",
            done.returncode,
        )
    found = answer.get("env") if isinstance(answer, Mapping) else None
    if not isinstance(found, dict):
        raise TaskbeltError("tox config printed no environments", "run `tox config`")
    return found


def _with_interpreters(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` with every Python taskbelt finds on ``PATH``, after the user's own.

    tox resolves ``{envsitepackagesdir}`` and ``{envpython}`` from the
    environment's interpreter, which it looks for on ``PATH``: where it finds
    none, the environment's commands are unresolved and read as nothing.
    """
    bins = [str(path) for path in interpreters.install_bins(environ)]
    return {**environ, "PATH": os.pathsep.join([environ.get("PATH", ""), *bins])}


def _words(values: object) -> tuple[str, ...]:
    return tuple(str(v) for v in values) if isinstance(values, list) else ()


def _relative(root: Path, word: str) -> str:
    """A path tox made absolute (``{toxinidir}/src``) as the repository names it (``src``)."""
    top = str(root)
    if word == top:
        return "."
    return word[len(top) + 1 :] if word.startswith(top + "/") else word


def _relative_text(root: Path, text: str) -> str:
    """A dependency line with the repository's absolute paths made relative (``-rreq.txt``)."""
    top = str(root)
    text = text.replace(top + "/", "")
    return "." if text == top else text.replace(top, ".")


def command_words(root: Path, command: str) -> tuple[str, ...]:
    """One command as tox printed it (shell-quoted) as words, tox's own markers dropped.

    A leading ``-`` (ignore the exit code) and ``!`` (invert it) are tox's, not
    the command's.
    """
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    if words and words[0] == "-":
        words = words[1:]
    if words and words[0].startswith(("-", "!")) and len(words[0]) > 1:
        words[0] = words[0][1:]
    return tuple(_relative(root, word) for word in words)


def runs(command: Sequence[str], *tools: str) -> bool:
    """Whether one command runs one of ``tools``, directly or as a module (``python -m pytest``)."""
    return bool(command) and (
        command[0] in tools
        or any(word in tools and command[at - 1] == "-m" for at, word in enumerate(command) if at)
    )


def envs_running(config: ToxConfig, *tools: str) -> list[ToxEnv]:
    """The environments, in tox's order, with a command that runs one of ``tools``."""
    return [env for env in config.envs if any(runs(command, *tools) for command in env.commands)]


def test_env(config: ToxConfig) -> ToxEnv | None:
    """The environment that runs the tests: the first, in tox's order, with a pytest command."""
    return next(iter(envs_running(config, "pytest", "py.test")), None)


def _declared_env(values: object) -> dict[str, str]:
    """``set_env`` without what tox adds itself (:data:`_TOX_OWN_ENV`, ``TOX_*``)."""
    if not isinstance(values, Mapping):
        return {}
    return {
        str(name): str(value)
        for name, value in values.items()
        if not str(name).startswith("TOX_")
        and not (name in _TOX_OWN_ENV and _TOX_OWN_ENV[name] in (None, str(value)))
    }


def _env(root: Path, name: str, settings: Mapping[str, Any]) -> ToxEnv:
    commands: Sequence[str] = [
        *_words(settings.get("commands_pre")),
        *_words(settings.get("commands")),
        *_words(settings.get("commands_post")),
    ]
    return ToxEnv(
        name=name,
        commands=tuple(words for c in commands if (words := command_words(root, c))),
        extras=_words(settings.get("extras")),
        deps=tuple(_relative_text(root, dep) for dep in _words(settings.get("deps"))),
        dependency_groups=_words(settings.get("dependency_groups")),
        set_env=_declared_env(settings.get("set_env")),
        skip_install=settings.get("skip_install") is True,
        python=next(
            (
                v
                for spec in _words(settings.get("base_python"))
                if (v := interpreters.named_version(spec))
            ),
            "",
        ),
    )
