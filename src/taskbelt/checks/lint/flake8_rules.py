"""A repository's flake8 rules, translated into a ruff configuration.

ruff implements pycodestyle, pyflakes, mccabe and many flake8 plugins under
the same codes, but it rejects a selector it does not know (``W503``,
``E121``) and it has no plugins to install: so taskbelt decides here, code by
code, what flake8 would report, with flake8's own select/ignore rules (the
longest matching prefix wins, ``DecisionEngine`` in flake8's style_guide.py),
over the rules the ruff that runs lists (``ruff rule --all``), and writes the
outcome as exact codes. A plugin whose codes mean other rules in ruff (the
``I`` of flake8-import-order) or that ruff does not implement is left out,
and the lint summary names it. No maintained library does this translation
(flake8-to-ruff, ruff's own converter, was retired).
"""

from __future__ import annotations

import enum
import glob
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import tomlkit

from taskbelt.repository.flake8_config import Declared

#: flake8's own defaults (flake8/defaults.py).
DEFAULT_IGNORE = ("E121", "E123", "E126", "E226", "E24", "E704", "W503", "W504")
DEFAULT_MAX_LINE_LENGTH = 79
#: What flake8 brings itself: pycodestyle (E, W), pyflakes (F), mccabe (C90).
_BUNDLED = {"pycodestyle": "E", "Pyflakes": "F", "mccabe": "C90"}
#: flake8 plugins that ruff implements under the same codes: distribution to
#: ruff's linter name (as ``ruff rule --all`` prints it).
_SAME_CODES = {
    "flake8-bugbear": "flake8-bugbear", "flake8-comprehensions": "flake8-comprehensions",
    "flake8-simplify": "flake8-simplify", "pep8-naming": "pep8-naming",
    "flake8-docstrings": "pydocstyle", "flake8-bandit": "flake8-bandit",
    "flake8-builtins": "flake8-builtins", "flake8-print": "flake8-print",
    "flake8-debugger": "flake8-debugger", "flake8-pytest-style": "flake8-pytest-style",
    "flake8-quotes": "flake8-quotes", "flake8-annotations": "flake8-annotations",
    "flake8-implicit-str-concat": "flake8-implicit-str-concat", "flake8-pie": "flake8-pie",
    "flake8-logging-format": "flake8-logging-format", "flake8-errmsg": "flake8-errmsg",
    "flake8-datetimez": "flake8-datetimez", "flake8-2020": "flake8-2020",
    "flake8-boolean-trap": "flake8-boolean-trap", "flake8-async": "flake8-async",
    "flake8-no-pep420": "flake8-no-pep420", "flake8-executable": "flake8-executable",
    "flake8-todos": "flake8-todos", "flake8-self": "flake8-self", "flake8-slots": "flake8-slots",
    "flake8-raise": "flake8-raise", "flake8-gettext": "flake8-gettext",
    "flake8-future-annotations": "flake8-future-annotations",
    "flake8-import-conventions": "flake8-import-conventions", "flake8-logging": "flake8-logging",
    "flake8-pyi": "flake8-pyi", "flake8-django": "flake8-django", "pandas-vet": "pandas-vet",
    "tryceratops": "tryceratops",
    # the same rules under other letters: ruff's prefix, then the plugin's (below)
    "flake8-eradicate": "eradicate", "flake8-return": "flake8-return",
    "flake8-commas": "flake8-commas",
}  # fmt: skip
#: ruff's code prefix to the plugin's, where a plugin's rules are renumbered in ruff.
_RENUMBERED = {"ERA001": "E800", "RET5": "R5", "COM8": "C8"}
#: Distributions beside flake8 that add no rules of their own.
_NO_RULES = frozenset({"flake8", "flake8-pyproject", "pyproject-flake8", "flake8p"})
#: What flake8-docstrings leaves out of pydocstyle's rules under each convention
#: (pydocstyle's violations.py); its default convention is pep257. ruff's own
#: ``convention`` setting also changes how sections are parsed, so the codes
#: are chosen here instead.
_DOCSTRING_CONVENTIONS = {
    "pep257": {
        "D203", "D212", "D213", "D214", "D215", "D404", "D405", "D406", "D407", "D408",
        "D409", "D410", "D411", "D413", "D415", "D416", "D417", "D418",
    },
    "numpy": {"D107", "D203", "D212", "D213", "D402", "D413", "D415", "D416", "D417"},
    "google": {
        "D203", "D204", "D213", "D215", "D400", "D401", "D404", "D406", "D407", "D408",
        "D409", "D413",
    },
    "all": set(),
}  # fmt: skip
_PYDOCSTYLE_LAST = "D419"  # ruff's D420 and later are its own, pydocstyle has none
#: Rules flake8 runs that ruff has no rule for, by ruff's linter (read from
#: pycodestyle 2.15 and flake8-bugbear 26.10): named in the summary when flake8
#: would report them here, since nothing checks them. A rule a later ruff has
#: drops out of the note by itself. Syntax errors (E9) ruff always reports; E133
#: needs pycodestyle's hang-closing, which taskbelt does not read;
#: bugbear's B001 (bare except) ruff reports as E722.
_NOT_IN_RUFF = {
    "pycodestyle": (
        "E121", "E122", "E123", "E124", "E125", "E126", "E127", "E128", "E129", "E131",
        "E704", "W503", "W504",
    ),
    "flake8-bugbear": (
        "B036", "B037", "B040", "B041", "B042", "B044", "B045", "B046", "B047", "B049",
        "B902", "B906", "B907", "B908", "B910", "B913", "B950",
    ),
}  # fmt: skip
#: ruff's longest line length.
_RUFF_MAX_LINE_LENGTH = 320


@dataclass(frozen=True)
class RuffRule:
    """One rule the ruff that runs has: its code, its linter, and whether it is preview."""

    code: str
    linter: str
    preview: bool = False

    @property
    def flake8_code(self) -> str:
        """The code flake8 reports for this rule (``ERA001`` is flake8-eradicate's ``E800``)."""
        for ruff_prefix, flake8_prefix in _RENUMBERED.items():
            if self.code.startswith(ruff_prefix):
                return flake8_prefix + self.code[len(ruff_prefix) :]
        return self.code


def ruff_rules(listing: str) -> list[RuffRule]:
    """The rules in ``ruff rule --all --output-format json``, removed ones left out.

    ruff refuses to select a removed rule; older releases say so only in the
    rule's explanation, newer ones also in its ``status``.
    """
    rules = []
    for item in json.loads(listing):
        status: Any = item.get("status") or {}
        explanation = str(item.get("explanation", ""))
        if not item.get("code") or "Removed" in status or "Deprecated" in status:
            continue
        if explanation.startswith(("## Removed", "## Deprecat")):
            continue
        rules.append(RuffRule(item["code"], str(item.get("linter")), bool(item.get("preview"))))
    return rules


class _Match(enum.Enum):
    EXPLICIT = "explicit"
    IMPLICIT = "implicit"
    NONE = "none"


@dataclass(frozen=True)
class Decisions:
    """flake8's DecisionEngine: whether a code is reported, from select and ignore."""

    selected_explicitly: tuple[str, ...]
    selected: tuple[str, ...]
    ignored_explicitly: tuple[str, ...]
    ignored: tuple[str, ...]

    @classmethod
    def of(
        cls, declared: Declared, default_select: Sequence[str], more_ignored: Sequence[str] = ()
    ) -> Decisions:
        select, extend_select = declared.codes("select"), declared.codes("extend-select") or ()
        ignore = declared.codes("ignore")
        extend_ignore = (*(declared.codes("extend-ignore") or ()), *more_ignored)
        return cls(
            selected_explicitly=_longest_first([*(select or ()), *extend_select]),
            selected=_longest_first(
                [*(select if select is not None else default_select), *extend_select]
            ),
            ignored_explicitly=_longest_first([*(ignore or ()), *extend_ignore]),
            ignored=_longest_first(
                [*(ignore if ignore is not None else DEFAULT_IGNORE), *extend_ignore]
            ),
        )

    def reports(self, code: str) -> bool:
        """Whether flake8 reports ``code`` (flake8's make_decision, case by case)."""
        selected = _match(code, self.selected_explicitly, self.selected)
        ignored = _match(code, self.ignored_explicitly, self.ignored)
        if ignored is _Match.NONE:
            return selected is not _Match.NONE
        if selected is _Match.NONE:
            return False
        if selected is _Match.EXPLICIT and ignored is _Match.IMPLICIT:
            return True
        if selected is _Match.IMPLICIT and ignored is _Match.EXPLICIT:
            return False
        # in both lists alike: the longest prefix wins, a tie ignores
        select = next(s for s in self.selected if code.startswith(s))
        ignore = next(s for s in self.ignored if code.startswith(s))
        return len(select) > len(ignore)


def _longest_first(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(codes, reverse=True))


def _match(code: str, explicit: tuple[str, ...], every: tuple[str, ...]) -> _Match:
    if code.startswith(explicit):
        return _Match.EXPLICIT
    return _Match.IMPLICIT if code.startswith(every) else _Match.NONE


@dataclass(frozen=True)
class Translation:
    """The ruff configuration that reports what flake8 would, and what it cannot."""

    settings: dict[str, Any]
    #: What flake8 would check that this configuration does not, one phrase each.
    left_out: tuple[str, ...] = field(default=())

    def toml(self) -> str:
        """The configuration file's text."""
        header = "# generated by taskbelt from the repository's flake8 configuration\n"
        document = tomlkit.document()
        for key, value in self.settings.items():
            document[key] = _multiline(value)
        return header + tomlkit.dumps(document)


def _multiline(value: Any) -> Any:
    """``value`` with its lists one item per line (the rule lists are long)."""
    if isinstance(value, dict):
        table = tomlkit.table()
        for key, item in value.items():
            table[key] = _multiline(item)
        return table
    if isinstance(value, list) and len(value) > 1:
        array = tomlkit.array()
        array.extend(value)
        return array.multiline(True)
    return value


def translate(
    declared: Declared,
    rules: Iterable[RuffRule],
    *,
    names_codes: bool = False,
    skipped: Iterable[str] = (),
) -> Translation:
    """The ruff settings that report, file by file, what flake8 reports on ``declared``.

    ``names_codes``: the ruff that runs has ``output-prefer-rule-codes``, so
    its messages say ``E501`` (what a flake8 user knows) under preview too.
    ``skipped``: files flake8 skips whole (``# flake8: noqa``): ruff reports nothing there.
    """
    rules = list(rules)
    linters, left_out = _linters(declared, rules)
    in_play = [rule for rule in rules if rule.linter in linters]
    line_length = declared.number("max-line-length") or DEFAULT_MAX_LINE_LENGTH
    complexity = declared.number("max-complexity")
    default_select = ("C90", "F", "E", "W", *sorted(_plugin_prefixes(in_play)))
    decisions = Decisions.of(declared, default_select)
    convention = declared.options.get("docstring-convention", "pep257").strip()
    left_by_convention = _DOCSTRING_CONVENTIONS.get(convention, set())

    def runs(rule: RuffRule, decide: Decisions) -> bool:
        code = rule.flake8_code
        if not decide.reports(code):
            return False
        if code == "C901":  # mccabe reports nothing unless max-complexity is set
            return complexity is not None and complexity >= 0
        if code == "E501" and line_length > _RUFF_MAX_LINE_LENGTH:
            return False
        if rule.linter == "flake8-bugbear" and code.startswith("B9"):
            return _bugbear_opinion_chosen(declared, code)
        if rule.linter == "pydocstyle":
            return code <= _PYDOCSTYLE_LAST and code not in left_by_convention
        return True

    selected = [rule for rule in in_play if runs(rule, decisions)]
    lint: dict[str, Any] = {"select": sorted(rule.code for rule in selected)}
    if any(rule.preview for rule in selected):
        # pycodestyle's whitespace and blank-line rules are preview rules in ruff
        lint |= {"preview": True, "explicit-preview-rules": True}
    per_file: dict[str, list[str]] = {}
    for pattern, codes in declared.per_file_ignores():
        here = Decisions.of(declared, default_select, more_ignored=codes)
        quiet = sorted(rule.code for rule in selected if not runs(rule, here))
        if quiet:
            per_file[pattern] = sorted({*per_file.get(pattern, ()), *quiet})
    per_file |= {glob.escape(rel): ["ALL"] for rel in skipped}
    if per_file:
        lint["per-file-ignores"] = per_file
    excluded = [*declared.words("exclude"), *declared.words("extend-exclude")]
    if excluded:
        lint["exclude"] = excluded
    if complexity is not None and complexity >= 0:
        lint["mccabe"] = {"max-complexity": complexity}
    if (doc_length := declared.number("max-doc-length")) is not None:
        lint["pycodestyle"] = {"max-doc-length": doc_length}
    settings: dict[str, Any] = {"line-length": min(line_length, _RUFF_MAX_LINE_LENGTH)}
    if names_codes and lint.get("preview"):
        settings["output-prefer-rule-codes"] = True
    if (indent := declared.number("indent-size")) is not None:
        settings["indent-width"] = indent
    if builtins := declared.words("builtins"):
        settings["builtins"] = list(builtins)
    if line_length > _RUFF_MAX_LINE_LENGTH:
        left_out.append(f"E501 (max-line-length {line_length} is over ruff's 320)")
    left_out += _unknown_selected(declared, in_play)
    left_out += _unchecked(declared, rules, linters, decisions)
    return Translation({**settings, "lint": lint}, tuple(left_out))


def _linters(declared: Declared, rules: list[RuffRule]) -> tuple[set[str], list[str]]:
    """ruff's linters whose rules flake8 runs here, and the plugins left out.

    A plugin runs when it is installed beside flake8. Where flake8's own
    environment is unknown (:attr:`Declared.plugins_known`), a plugin whose
    codes ``select`` or ``extend-select`` names (a prefix no bundled rule
    shares) is taken as installed too; where it is known, a selected code of
    a plugin it does not install selects nothing, as in flake8 (seen:
    ``select = ...,I,N`` without pep8-naming gave ruff's N805 and INP001).
    """
    linters = set(_BUNDLED)
    known = {rule.linter for rule in rules}
    left_out = []
    for plugin in sorted(declared.plugins):
        if plugin in _SAME_CODES and _SAME_CODES[plugin] in known:
            linters.add(_SAME_CODES[plugin])
        elif plugin.startswith(("flake8-", "pep8-")) and plugin not in _NO_RULES:
            left_out.append(f"{plugin} (no ruff rules of the same codes)")
    if declared.plugins_known:
        return linters, left_out
    bundled = [rule.flake8_code for rule in rules if rule.linter in _BUNDLED]
    plugin_linters = set(_SAME_CODES.values())
    for selector in (*(declared.codes("select") or ()), *(declared.codes("extend-select") or ())):
        if any(code.startswith(selector) for code in bundled):
            continue
        linters |= {
            rule.linter
            for rule in rules
            if rule.linter in plugin_linters and rule.flake8_code.startswith(selector)
        }
    return linters, left_out


def _plugin_prefixes(rules: Iterable[RuffRule]) -> set[str]:
    """The code prefix each plugin registers with flake8 (its letters: ``B``, ``C4``...)."""
    prefixes = set()
    for rule in rules:
        if rule.linter in _BUNDLED:
            continue
        code = rule.flake8_code
        letters = code.rstrip("0123456789")
        # comprehensions (C4), print (T20) and debugger (T10) share a letter with others
        prefixes.add(code[: len(letters) + 1] if letters in {"C", "T"} else letters)
    return prefixes


def _bugbear_opinion_chosen(declared: Declared, code: str) -> bool:
    """bugbear's B9 rules run only when ``select``/``extend-select`` names them."""
    chosen = {*(declared.codes("select") or ()), *(declared.codes("extend-select") or ())}
    return any(code[:length] in chosen for length in range(2, len(code) + 1))


def _unknown_selected(declared: Declared, rules: list[RuffRule]) -> list[str]:
    """Codes the repository selects that no rule here has (``W503``, ``H301``)."""
    named = (*(declared.codes("select") or ()), *(declared.codes("extend-select") or ()))
    listed = {code for codes in _NOT_IN_RUFF.values() for code in codes}  # named by plugin
    missing = [
        selector
        for selector in dict.fromkeys(named)
        if selector not in listed
        and not any(rule.flake8_code.startswith(selector) for rule in rules)
    ]
    return [f"{', '.join(missing)} (no such ruff rule)"] if missing else []


def _unchecked(
    declared: Declared, rules: list[RuffRule], linters: set[str], decisions: Decisions
) -> list[str]:
    """Rules flake8 would run here that ruff does not have, by plugin."""
    have = {rule.code for rule in rules}
    notes = []
    for linter, codes in _NOT_IN_RUFF.items():
        if linter not in linters:
            continue
        missing = [code for code in codes if code not in have and decisions.reports(code)]
        if linter == "flake8-bugbear":
            missing = [
                c for c in missing if not c.startswith("B9") or _bugbear_opinion_chosen(declared, c)
            ]
        if missing:
            notes.append(f"{', '.join(missing)} ({linter})")
    return notes
