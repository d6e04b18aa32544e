"""Which tools a repository's own command files run (tox, nox, make, just, CI).

A repository that runs a tool in its tox environment or its CI workflow has
chosen it, even where nothing configures it: :mod:`taskbelt.repository.tool_choice` and
:mod:`taskbelt.repository.type_checker_choice` read these files to follow that choice.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from taskbelt import defaults
from taskbelt.repository import nox_config, tox_config
from taskbelt.repository.toml_file import lookup, read_toml


def command_pattern(*words: str) -> re.Pattern[str]:
    """A command line running ``words`` (``ty check``), as a shell, tox or nox command.

    Shell and tox.ini commands are words (``python -m ty check``, ``{envpython} -m``);
    tox.toml and nox commands are lists of strings (``["ty", "check"]``). One
    word alone on a line is a dependency list's (tox's ``deps``), not a
    command: a one-word command counts only with an argument or a shell's
    separator after it (``pyright && mypy src``).
    """
    shell = r"[ \t]+".join(re.escape(word) for word in words)
    quoted = r"\s*,\s*".join(f"[\"']{re.escape(word)}[\"']" for word in words)
    ends = r"[ \t]+[-.\w/{$\"']|[ \t]*[;&|]" + ("" if len(words) == 1 else r"|[ \t]*$")
    return re.compile(rf"(?:^|[\s;&|(\[=]|-m[ \t]+){shell}(?={ends})|{quoted}\s*[,\])]", re.M)


def command_files(root: Path) -> list[Path]:
    """The repository's files whose commands run tools, in a fixed order."""
    files = [root / name for name in defaults.COMMAND_FILES]
    for folder in defaults.WORKFLOW_FOLDERS:
        if (root / folder).is_dir():
            files += sorted(p for p in (root / folder).iterdir() if p.suffix in {".yml", ".yaml"})
    return [path for path in files if path.is_file()]


class CommandText(NamedTuple):
    """Commands the repository declares in one place, and what that place installs."""

    #: The file: ``tox.ini``, ``noxfile.py``, ``.github/workflows/ci.yml``.
    name: str
    text: str
    #: What the tox environment or nox session these commands run in installs
    #: (``deps``, ``session.install``): stubs and plugins its checker sees.
    installs: tuple[str, ...] = ()
    #: The Python version that environment or session runs on (``3.10``); "" where unnamed.
    python: str = ""


def command_texts(root: Path, unless: frozenset[str] = frozenset()) -> list[CommandText]:
    """Each command file's commands' text, without comments and installs.

    tox's commands are tox's answer where tox can be asked
    (:func:`tox_commands`), one piece per environment, and the noxfile's
    are nox's (:mod:`taskbelt.repository.nox_config`), one piece per session; otherwise
    those files are read as text, and pyproject.toml's tox configuration
    counts as tox's own files do, but only it (:func:`pyproject_tox`): the
    rest of pyproject.toml lists dependencies, which are not commands. A
    line with one of the words ``unless`` is left out (``pyright
    --verifytypes pkg`` runs pyright, but not as a type check).
    """
    tox = tox_commands(root)
    sessions = nox_config.declared(root, root / defaults.STATE_DIR_NAME)
    texts: list[CommandText] = []
    for path in command_files(root):
        name = path.relative_to(root).as_posix()
        if tox is not None and name in _TOX_FILES:
            continue
        if sessions is not None and name == nox_config.NOXFILE:
            texts += [
                CommandText(name, nox_config.commands_text((s,)), s.requirements, s.python)
                for s in sessions
            ]
            continue
        texts.append(CommandText(name, path.read_text(encoding="utf-8", errors="replace")))
    if tox is not None:
        texts[:0] = tox
    elif in_pyproject := pyproject_tox(root):  # after tox.ini and tox.toml, which come first
        texts.insert(sum(t.name.startswith("tox.") for t in texts), CommandText(*in_pyproject))
    return [t._replace(text=_one_command_per_line(t.text, unless)) for t in texts]


_TOX_FILES = frozenset({"tox.ini", "tox.toml"})


def tox_commands(root: Path) -> list[CommandText] | None:
    """Every tox environment's commands, as tox resolves them; None where tox cannot say.

    One command per line, as a tox.toml list of words (``["pyright"]``): tox
    has told commands from dependencies, resolved ``{toxinidir}`` and
    ``{posargs:...}``, and each environment's inherited commands.
    """
    tox = tox_config.declared(root, root / defaults.STATE_DIR_NAME)
    if tox is None:
        return None
    return [
        CommandText(
            tox.source,
            "\n".join(json.dumps(list(words)) for words in env.commands),
            env.deps,
            env.python,
        )
        for env in tox.envs
        if env.commands
    ]


def pyproject_tox(root: Path) -> tuple[str, str] | None:
    """pyproject.toml's tox configuration as command text, or None where it has none.

    ``legacy_tox_ini`` is tox.ini's text as it stands; the native ``[tool.tox]``
    tables' ``commands`` (and ``commands_pre``/``commands_post``) become one
    tox.toml list per command (``["pyright", "--verifytypes", "pkg"]``), their
    ``{replace = "posargs"}`` parts left out as extra arguments a user may pass.
    """
    path = root / "pyproject.toml"
    if not path.is_file():
        return None
    tox = lookup(read_toml(path), "tool", "tox")
    if not isinstance(tox, Mapping):
        return None
    legacy = tox.get("legacy_tox_ini")
    if isinstance(legacy, str):
        return "pyproject.toml legacy_tox_ini", legacy
    lines = [json.dumps(words) for words in _tox_commands(tox)]
    return ("pyproject.toml [tool.tox]", "\n".join(lines)) if lines else None


def _tox_commands(tox: Mapping[str, Any]) -> Iterator[list[str]]:
    """Every command of a native tox configuration: its base tables' and each environment's."""
    envs = tox.get("env")
    tables = [tox.get("env_run_base"), tox.get("env_pkg_base")]
    tables += list(envs.values()) if isinstance(envs, Mapping) else []
    for table in tables:
        if not isinstance(table, Mapping):
            continue
        for key in ("commands_pre", "commands", "commands_post"):
            commands = table.get(key)
            for command in commands if isinstance(commands, list) else []:
                if isinstance(command, list):
                    yield [word for word in command if isinstance(word, str)]


#: What installs a tool rather than runs it: nox's ``session.install("mypy")``,
#: a TOML dependency list (tox.toml's ``deps = ["mypy"]``), tox.ini's ``deps =``
#: line, ``pip install mypy`` and ``uv add mypy`` up to the next shell separator.
_INSTALLS = re.compile(
    r"\binstall\s*\([^)]*\)"
    r"|\b(?:deps|dependencies|requires)\s*=\s*\[[^\]]*\]"
    r"|^[ \t]*deps[ \t]*=[^\n]*"
    r"|(?<![-\w])(?:install|add)\b[^\n;&|]*",
    re.M,
)


#: Where one command ends and the next may begin on the same line: a tox.toml
#: list's ``]``, a shell's ``;``, ``&&``, ``||`` and ``|``.
_COMMAND_END = re.compile(r"(\]|;|&&|\|\|?)")


def _one_command_per_line(text: str, unless: frozenset[str]) -> str:
    """A command file's text, one command per line, without comments, installs and ``unless``.

    Comment lines go first; each command then gets its own line, so a
    command with a word of ``unless`` is left out alone and another command
    on its line keeps its own arguments.
    """
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    commands = _COMMAND_END.sub("\\1\n", text).splitlines()
    text = "\n".join(line for line in commands if unless.isdisjoint(_TOKEN.findall(line)))
    return _INSTALLS.sub("", text)


def run_by_commands(
    root: Path, commands: Mapping[str, tuple[str, ...]], unless: frozenset[str] = frozenset()
) -> dict[str, str]:
    """Of the tools ``commands`` names (tool: its command words), those a command file runs.

    The value says where: ``"tox.toml runs ty check"``, the first file that runs it.
    Lines with a word of ``unless`` do not count (:func:`command_texts`).
    """
    patterns = {tool: command_pattern(*words) for tool, words in commands.items()}
    found: dict[str, str] = {}
    for name, text, *_ in command_texts(root, unless):
        for tool, pattern in patterns.items():
            if tool not in found and pattern.search(text):
                found[tool] = f"{name} runs {' '.join(commands[tool])}"
    return found


class Run(NamedTuple):
    """One declared command running a tool: where, its arguments, what its place installs."""

    name: str
    arguments: list[str]
    installs: tuple[str, ...] = ()
    #: The Python version its environment or session runs on; "" where unnamed.
    python: str = ""


def runs_of(root: Path, *words: str, unless: frozenset[str] = frozenset()) -> list[Run]:
    """Every command-file line that runs ``words`` (``ty check``): where, and its arguments.

    In file order, each file's lines in order. Quotes, commas and brackets of
    a tox.toml or nox list are dropped, so ``["ty", "check", "--error-on-warning", "."]``
    gives ``--error-on-warning .``. Lines with a word of ``unless`` do not
    count (:func:`command_texts`).
    """
    pattern = command_pattern(*words)
    found: list[Run] = []
    for name, text, installs, python in command_texts(root, unless):
        for line in text.splitlines():
            if pattern.search(line):
                tokens = _TOKEN.findall(line)
                for at in range(len(tokens) - len(words) + 1):
                    if tokens[at : at + len(words)] == list(words):
                        found.append(Run(name, tokens[at + len(words) :], installs, python))
                        break
    return found


#: A word of a command: what lies between spaces, a list's quotes, commas and
#: brackets, and a shell's separators.
_TOKEN = re.compile(r"[^\s,\[\]()\"';&|]+")
