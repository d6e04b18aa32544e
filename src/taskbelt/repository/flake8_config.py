"""The flake8 configuration a repository declares, read the way flake8 reads it.

flake8 looks in ``setup.cfg``, ``tox.ini`` and ``.flake8``, in that order,
and takes the first that has a ``[flake8]`` section; the Flake8-pyproject
plugin adds ``pyproject.toml`` ``[tool.flake8]``. Options given to the
repository's flake8 pre-commit hook override the file, as on flake8's
command line. taskbelt never runs flake8: :mod:`taskbelt.checks.lint.flake8_rules`
translates what is declared here into ruff's rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from taskbelt.errors import ConfigError
from taskbelt.repository.ini_file import read_ini
from taskbelt.repository.pre_commit import Hook
from taskbelt.repository.toml_file import lookup

#: Where flake8 looks for its section, in its own order.
FILES = ("setup.cfg", "tox.ini", ".flake8")
#: The options whose values change which findings flake8 reports (``-`` spelling).
OPTIONS = frozenset(
    {
        "select", "ignore", "extend-select", "extend-ignore", "per-file-ignores",
        "max-line-length", "max-doc-length", "max-complexity", "exclude", "extend-exclude",
        "builtins", "indent-size", "docstring-convention",
    }
)  # fmt: skip
#: flake8's own check: an error code or prefix (``E``, ``E1``, ``E501``, ``ABC123``).
_CODE = re.compile(r"^[A-Z]{1,3}[0-9]{0,3}$")
_SEPARATORS = re.compile(r"[,\s]+")
#: flake8's tokens of ``per-file-ignores``, tried in its order: a code before a file name.
_FILES_TO_CODES = re.compile(
    r"(?P<code>[A-Z]+[0-9]*(?=$|\s|,))|(?P<file>[^\s:,]+)|(?P<colon>\s*:\s*)|(?P<sep>[\s,]+)"
)


@dataclass(frozen=True)
class Declared:
    """A repository's flake8 options, where they were read, and its plugins.

    ``options`` maps each option (``max-line-length`` spelling) to its raw
    text; ``plugins`` holds the canonical names of the distributions installed
    beside flake8 (the hook's ``additional_dependencies``, the project's
    dependencies), which decide which rules flake8 runs at all.
    """

    source: str
    options: Mapping[str, str]
    plugins: frozenset[str]
    #: True where flake8's own environment is known (a pre-commit hook, a tox
    #: environment running flake8): then only its plugins run, whatever
    #: ``select`` names. Otherwise a selected plugin code may mean an
    #: installed plugin taskbelt cannot see.
    plugins_known: bool = False

    def codes(self, option: str) -> tuple[str, ...] | None:
        """The codes of a list option, or None where it is not set (flake8's default)."""
        if option not in self.options:
            return None
        return tuple(word for word in _SEPARATORS.split(self.options[option]) if _CODE.match(word))

    def words(self, option: str) -> tuple[str, ...]:
        """The items of a comma-separated option (``exclude``, ``builtins``).

        A lone ``\\`` ending a line (a shell habit some configurations keep:
        flake8's INI values continue on indented lines without it) is no item.
        """
        items = _SEPARATORS.split(self.options.get(option, ""))
        return tuple(word for word in items if word and word != "\\")

    def number(self, option: str) -> int | None:
        """A whole-number option, or None where it is not set."""
        if option not in self.options:
            return None
        value = self.options[option].strip()
        try:
            return int(value)
        except ValueError:
            raise ConfigError(
                f"{self.source}: {option} = {value!r} is not a whole number",
                "give a whole number, as flake8 itself requires",
            ) from None

    def per_file_ignores(self) -> list[tuple[str, tuple[str, ...]]]:
        """``per-file-ignores`` as (file pattern, codes) pairs, parsed as flake8 parses it.

        Patterns and codes are separated by commas or white space; a run of
        patterns ends with ``:`` and its codes follow, up to the next pattern.
        """
        text = self.options.get("per-file-ignores", "")
        pairs: list[tuple[str, tuple[str, ...]]] = []
        patterns: list[str] = []
        codes: list[str] = []
        after_colon = False
        for match in _FILES_TO_CODES.finditer(text):
            kind, token = match.lastgroup, match.group().strip()
            if kind == "sep":
                continue
            if kind == "colon" and not after_colon and patterns:
                after_colon = True
            elif after_colon and kind == "code":
                codes.append(token)
            elif kind in {"code", "file"} and (not after_colon or codes):
                if codes:  # the next run of patterns begins
                    pairs += [(pattern, tuple(codes)) for pattern in patterns]
                    patterns, codes, after_colon = [], [], False
                patterns.append(token)
            else:
                raise ConfigError(
                    f"{self.source}: per-file-ignores is not 'patterns: codes' ({text.strip()!r})",
                    "write it as flake8 requires, one 'pattern: CODE,CODE' per line",
                )
        return pairs + [(pattern, tuple(codes)) for pattern in patterns if codes]


def find(
    root: Path,
    data: Mapping[str, Any],
    requirements: Iterable[str],
    hook: Hook | None,
    tox_deps: Iterable[str] | None = None,
) -> Declared | None:
    """The flake8 options of the repository at ``root``; None if it declares no flake8.

    ``hook``: the repository's flake8 pre-commit hook, whose arguments win
    over the file and whose ``additional_dependencies`` are flake8's plugins.
    A hook without a configuration file still declares flake8's defaults.
    ``tox_deps``: the ``deps`` of the tox environments that run flake8 (None
    where none does), whose plugins are flake8's too.
    """
    source, options = _from_files(root, data)
    if hook is not None:
        hook_options = _from_arguments(hook.args)
        if hook_options:
            source = f"{source} and pre-commit hook {hook.id}" if source else f"pre-commit {hook}"
        elif not source:
            source = f"pre-commit {hook}: flake8's defaults"
        options = {**options, **hook_options}
    if not source and tox_deps is not None:
        # A tox environment that runs flake8 without a configuration file runs
        # flake8's defaults (pytest-dev/pytest-repeat: taskbelt's rules ran instead).
        source = "a tox environment running flake8: flake8's defaults"
    if not source:
        return None
    plugins = {canonicalize_name(name) for name in requirements}
    for text in [*(hook.dependencies if hook else ()), *(tox_deps or ())]:
        try:
            plugins.add(canonicalize_name(Requirement(text).name))
        except InvalidRequirement:
            continue  # pre-commit would fail to install it; a -r line of tox's: nothing to read
    known = hook is not None or tox_deps is not None
    return Declared(source, options, frozenset(plugins), plugins_known=known)


def _from_files(root: Path, data: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    for name in FILES:
        parser = read_ini(root / name)  # flake8 skips a file it cannot parse, with a warning
        if parser is not None and parser.has_section("flake8"):
            return f"{name} [flake8]", _known(parser.items("flake8"))
    table = lookup(data, "tool", "flake8")
    if isinstance(table, Mapping):
        items = (
            (key, ",".join(map(str, value)) if isinstance(value, list) else str(value))
            for key, value in table.items()
        )
        return "pyproject.toml [tool.flake8]", _known(items)
    return "", {}


def _known(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The options that change findings; flake8 accepts ``_`` and ``-`` alike."""
    found = {}
    for key, value in items:
        option = key.strip().replace("_", "-").lower()
        if option in OPTIONS:
            found[option] = value
    return found


def _from_arguments(args: Iterable[str]) -> dict[str, str]:
    """flake8 options among a hook's arguments (``--max-line-length=88`` or two words)."""
    found: dict[str, str] = {}
    words = list(args)
    for index, word in enumerate(words):
        if not word.startswith("--"):
            continue
        name, has_value, value = word[2:].partition("=")
        if name not in OPTIONS:
            continue
        if not has_value:
            if index + 1 >= len(words):
                continue
            value = words[index + 1]
        found[name] = value
    return found


#: flake8's file-level exemption (flake8/defaults.py ``NOQA_FILE``): a line that
#: begins with it makes flake8 skip the whole file, whatever codes follow
#: (``# flake8: NOQA: F405`` too). ruff reads ``# flake8: noqa: F405`` as
#: exempting F405 alone, so these files are named to ruff explicitly.
_NOQA_FILE = re.compile(r"\s*# flake8[:=]\s*noqa", re.I)


def files_flake8_skips(root: Path, files: Iterable[str]) -> list[str]:
    """Of ``files`` (relative Python files), those flake8 skips for a ``# flake8: noqa`` line."""
    skipped = []
    for rel in files:
        try:
            text = (root / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if "flake8" in text and any(_NOQA_FILE.match(line) for line in text.splitlines()):
            skipped.append(rel)
    return skipped
