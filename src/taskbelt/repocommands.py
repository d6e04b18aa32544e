"""Which tools a repository's own command files run (tox, nox, make, just, CI).

A repository that runs a tool in its tox environment or its CI workflow has
chosen it, even where nothing configures it: :mod:`taskbelt.toolchoice` and
:mod:`taskbelt.typechoice` read these files to follow that choice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from taskbelt import defaults


def command_pattern(*words: str) -> re.Pattern[str]:
    """A command line running ``words`` (``ty check``), as a shell, tox or nox command.

    Shell and tox.ini commands are words (``python -m ty check``, ``{envpython} -m``);
    tox.toml and nox commands are lists of strings (``["ty", "check"]``). One
    word alone on a line is a dependency list's (tox's ``deps``), not a
    command: a one-word command counts only with an argument.
    """
    shell = r"[ \t]+".join(re.escape(word) for word in words)
    quoted = r"\s*,\s*".join(f"[\"']{re.escape(word)}[\"']" for word in words)
    ends = r"[ \t]+[-.\w/{$\"']" if len(words) == 1 else r"[ \t]+[-.\w/{$\"']|[ \t]*$"
    return re.compile(rf"(?:^|[\s;&|(\[=]|-m[ \t]+){shell}(?={ends})|{quoted}\s*[,\])]", re.M)


def command_files(root: Path) -> list[Path]:
    """The repository's files whose commands run tools, in a fixed order."""
    files = [root / name for name in defaults.COMMAND_FILES]
    for folder in defaults.WORKFLOW_FOLDERS:
        if (root / folder).is_dir():
            files += sorted(p for p in (root / folder).iterdir() if p.suffix in {".yml", ".yaml"})
    return [path for path in files if path.is_file()]


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


def _without_comments(path: Path) -> str:
    """The file's text without comment lines and without what installs tools."""
    text = "\n".join(
        line
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
        if not line.lstrip().startswith("#")
    )
    return _INSTALLS.sub("", text)


def run_by_commands(root: Path, commands: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Of the tools ``commands`` names (tool: its command words), those a command file runs.

    The value says where: ``"tox.toml runs ty check"``, the first file that runs it.
    """
    patterns = {tool: command_pattern(*words) for tool, words in commands.items()}
    found: dict[str, str] = {}
    for path in command_files(root):
        text = _without_comments(path)
        for tool, pattern in patterns.items():
            if tool not in found and pattern.search(text):
                found[tool] = f"{path.relative_to(root).as_posix()} runs {' '.join(commands[tool])}"
    return found


def arguments_of(root: Path, *words: str) -> list[str]:
    """The arguments of the first command-file line that runs ``words`` (``ty check``).

    Quotes, commas and brackets of a tox.toml or nox list are dropped, so
    ``["ty", "check", "--error-on-warning", "."]`` gives ``--error-on-warning .``.
    """
    pattern = command_pattern(*words)
    for path in command_files(root):
        for line in _without_comments(path).splitlines():
            if pattern.search(line):
                tokens = _TOKEN.findall(line)
                for at in range(len(tokens) - len(words) + 1):
                    if tokens[at : at + len(words)] == list(words):
                        return tokens[at + len(words) :]
    return []


_TOKEN = re.compile(r"[^\s,\[\]()\"']+")
