"""Which type checker runs on a repository, with which settings, and why.

The order is README's "Which tools run" typecheck row: ``[tool.taskbelt]
type-checker``; the checkers the repository's command files (tox, nox, make,
CI) and pre-commit hooks run: each of them; the one checker it configures
(several: the first of :data:`CHECKERS` that is, and the summary names the
others); the one among its dependencies; else mypy with taskbelt's settings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, get_args

from taskbelt import defaults
from taskbelt.choice import Choice
from taskbelt.precommit import Hook, command_of, config_path, hook_words
from taskbelt.repocommands import arguments_of, run_by_commands
from taskbelt.tomlfile import lookup
from taskbelt.toolargs import operand_words, verdict_words

#: The checkers taskbelt runs, in the order it prefers one when several are configured.
CHECKERS: Final[tuple[str, ...]] = get_args(defaults.TypeChecker)
#: Each checker's configuration files, in the order the checker itself reads them.
_FILES: Final = {
    "mypy": ("mypy.ini", ".mypy.ini"),
    "pyright": ("pyrightconfig.json",),
    "basedpyright": (),  # it reads pyrightconfig.json too: that file alone means pyright
    "ty": ("ty.toml",),
    "pyrefly": ("pyrefly.toml",),
}
#: Every file that can decide the choice (the static checks' cache key holds them).
CONFIG_FILES: Final = frozenset(name for names in _FILES.values() for name in names)
#: Where the choice came from when nothing in the repository chose a checker.
DEFAULT_SOURCE: Final = "taskbelt's default settings"
#: Each checker's command words in the repository's command files.
_COMMANDS: Final = {
    "mypy": ("mypy",),
    "pyright": ("pyright",),
    "basedpyright": ("basedpyright",),
    "ty": ("ty", "check"),
    "pyrefly": ("pyrefly", "check"),
}
#: Options that make a checker's command something other than a type check of
#: the code: ``pyright --verifytypes pkg`` scores the package's public API for
#: type completeness (a number, not the code's type errors), ``--createstub``
#: writes stubs. A line with one of them does not choose the checker, and its
#: arguments are not the type check's.
_NOT_A_TYPE_CHECK: Final = frozenset({"--verifytypes", "--createstub", "--version"})
#: The checkers whose verdict-changing arguments taskbelt reads from those commands
#: (:func:`taskbelt.toolargs.verdict_words`) and passes on.
_PASSES_ARGS: Final = frozenset({"pyright", "basedpyright", "ty", "pyrefly"})


def choose(
    root: Path,
    data: Mapping[str, Any],
    chosen: str | None,
    requirements: frozenset[str],
    hooks: tuple[Hook, ...] = (),
) -> tuple[Choice, ...]:
    """The type checkers of the repository at ``root`` (``data``: its pyproject.toml).

    One, except where the repository's commands or hooks run several (tox's
    ``typing`` running mypy and pyright): then each of them, since its own
    run passes only when every one does. ``chosen`` is ``[tool.taskbelt]
    type-checker``; ``requirements`` the lower-case names of every
    dependency the project lists; ``hooks`` its pre-commit hooks.
    """
    configured = {tool: where for tool in CHECKERS if (where := _configured(root, data, tool))}
    if chosen is not None:
        return (_settings(chosen, "[tool.taskbelt] type-checker", configured),)
    run = run_by_commands(root, _COMMANDS, _NOT_A_TYPE_CHECK)
    hooked = _run_by_hooks(hooks)
    if run or hooked:
        return tuple(
            (
                _command_choice(root, tool, run[tool], configured)
                if tool in run
                else _from_hook(root, tool, hooked[tool], configured)
            )
            for tool in CHECKERS
            if tool in run or tool in hooked
        )
    if configured:
        tool = next(iter(configured))
        others = ", ".join(f"{t} ({where})" for t, where in configured.items() if t != tool)
        also = f"; also configured: {others} (choose with [tool.taskbelt] type-checker)"
        return (Choice(tool, f"settings from {configured[tool]}" + (also if others else "")),)
    listed = [tool for tool in CHECKERS if tool in requirements]
    if len(listed) == 1:
        return (_settings(listed[0], f"{listed[0]} among the project's dependencies", configured),)
    return (Choice("mypy", DEFAULT_SOURCE, defaults.MYPY_CONFIG),)


def _command_choice(root: Path, tool: str, source: str, configured: Mapping[str, str]) -> Choice:
    """``tool`` as the repository's command files (``source``) run it."""
    return dataclasses.replace(_settings(tool, source, configured), **_from_command(root, tool))


def _from_command(root: Path, tool: str) -> dict[str, Any]:
    """What the repository's command running ``tool`` passes that changes its verdict.

    Its verdict-changing options (``args``) and the paths it checks
    (``targets``; ``unread`` where one is not a path taskbelt can read).
    """
    if tool not in _PASSES_ARGS:
        return {}
    words = _COMMANDS[tool]
    command = " ".join(words)
    found = [
        word
        for word in arguments_of(root, *words, unless=_NOT_A_TYPE_CHECK)
        if not _templated(word)
    ]
    fields: dict[str, Any] = {"args": tuple(verdict_words(command, found))}
    if tool == "ty":  # ty's own src.include decides; "ty check ." is its default anyway
        return fields
    operands = operand_words(command, found)
    unread = [word for word in operands if not (root / word).exists()]
    if unread:
        return {**fields, "unread": unread[0]}
    return {**fields, "targets": tuple(operands)}


def _run_by_hooks(hooks: tuple[Hook, ...]) -> dict[str, Hook]:
    """The first pre-commit hook running each checker (``mirrors-mypy``, ``entry: uv run pyright``)."""
    found: dict[str, Hook] = {}
    for hook in hooks:
        command = command_of(hook)
        tool = next((t for t, words in _COMMANDS.items() if " ".join(words) == command), None)
        if tool is not None and not _NOT_A_TYPE_CHECK.intersection(hook_words(hook)):
            found.setdefault(tool, hook)
    return found


def _from_hook(root: Path, tool: str, hook: Hook, configured: Mapping[str, str]) -> Choice:
    """``tool`` as pre-commit's ``hook`` runs it: its files, its arguments, its settings.

    The files are the ones pre-commit gives the hook (resolved when the check
    runs, :meth:`Choice.paths`), or, for a hook that passes none, the paths its
    own command names. Without the repository's mypy settings the hook runs
    mypy's own defaults, and so does taskbelt (not its stricter ones).
    """
    where = f"{_precommit_name(root)} {hook}"
    choice = _settings(tool, where, configured)
    command = " ".join(_COMMANDS[tool])
    words = hook_words(hook)
    fields: dict[str, Any] = {"hook": hook, "args": tuple(verdict_words(command, words))}
    if tool == "mypy" and tool not in configured:
        fields["source"], fields["config"] = f"{where}; mypy's default settings", None
    if not hook.pass_filenames:
        fields["targets"] = tuple(operand_words(command, words))
    return dataclasses.replace(choice, **fields)


def _precommit_name(root: Path) -> str:
    path = config_path(root)
    return path.name if path else ".pre-commit-config.yaml"


def _templated(word: str) -> bool:
    """Extra arguments a user may pass (tox's ``{posargs}``, nox's ``*session.posargs``, ``$ARGS``)."""
    return "{" in word or "$" in word or word.endswith("posargs")


def _settings(tool: str, source: str, configured: Mapping[str, str]) -> Choice:
    """``tool`` chosen by ``source``, with the repository's settings or the defaults.

    mypy without the repository's settings runs with taskbelt's (strict-leaning,
    config/mypy.ini); the other checkers with their own defaults.
    """
    if tool in configured:
        return Choice(tool, f"{source}; settings from {configured[tool]}")
    if tool == "mypy":
        return Choice(tool, f"{source}; taskbelt's default settings", defaults.MYPY_CONFIG)
    return Choice(tool, f"{source}; {tool}'s default settings")


def _configured(root: Path, data: Mapping[str, Any], tool: str) -> str | None:
    """Where the repository configures ``tool``, in the tool's own order; None if nowhere."""
    for name in _FILES[tool]:
        if (root / name).is_file():
            return name
    if lookup(data, "tool", tool) is not None:
        return f"pyproject.toml [tool.{tool}]"
    setup_cfg = root / "setup.cfg"
    if (
        tool == "mypy"
        and setup_cfg.is_file()
        and "[mypy" in setup_cfg.read_text(encoding="utf-8", errors="replace")
    ):
        return "setup.cfg [mypy]"
    return None
