"""Findings the repository already judged in its source: ``# nosec`` and ruff's comments.

bandit runs with ``--ignore-nosec`` so that every finding comes back; this
module then decides, from the file's comments, which of them the repository
suppressed, so the report lists them as suppressed instead of dropping them
unseen. Two kinds of comment count:

* bandit's own ``# nosec``, read exactly as bandit 1.9 reads it
  (``bandit/core/manager.py`` and ``tester.py``): on the finding's line or
  on the first line of its statement that has one; the words after it are
  bandit test ids or names, unknown words are dropped, and a ``# nosec``
  left with none silences every test there.
* ruff's suppressions of its flake8-bandit rules, which carry bandit's
  numbers (``S108`` is ``B108``): ``# noqa`` (bare, or naming ``S108``) on
  the finding's line (for a string spanning lines, its last line, where
  ruff looks), ``# ruff: ignore[...]`` on that line or alone on the line
  above the statement, ``# ruff: disable[...]`` up to the matching
  ``# ruff: enable[...]`` (or the end of the file), and for the whole file
  ``# ruff: noqa``, ``# ruff: noqa: S108``, ``# flake8: noqa`` and
  ``# ruff: file-ignore[...]``. ruff's rule names (``hardcoded-temp-file``)
  count as their codes (``config/ruff-bandit-rules.json``, checked against
  the pinned ruff by the tests).

No maintained library reads one tool's suppression comments for another
tool (bandit and ruff each read only their own), hence this module.
"""

from __future__ import annotations

import io
import json
import re
import tokenize
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache

from taskbelt import defaults

#: bandit's patterns (bandit/core/manager.py): the comment, and the words in it.
NOSEC = re.compile(r"#\s*nosec:?\s*(?P<tests>[^#]+)?#?")
_NOSEC_WORDS = re.compile(r"(?:(B\d+|[a-z\d_]+),?)+", re.IGNORECASE)
_CODES = r"[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*"
_FILE_NOQA = re.compile(
    rf"#\s*(?P<tool>ruff|flake8)\s*:\s*noqa(?:\s*:\s*(?P<codes>{_CODES}))?", re.IGNORECASE
)
_NOQA = re.compile(rf"#\s*noqa(?::\s*(?P<codes>{_CODES}))?", re.IGNORECASE)
_RUFF = re.compile(
    r"#\s*ruff\s*:\s*(?P<kind>ignore|file-ignore|disable|enable)\s*\[(?P<rules>[^\]]*)\]"
)
_RUFF_CODE = re.compile(r"[A-Z]+[0-9]+")
#: Tokens that are not code: a comment alone on its line is followed by these.
_NOT_CODE = frozenset(
    {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
)
RUFF_NAMES_FILE = defaults.CONFIG_DIR / "ruff-bandit-rules.json"


@dataclass(frozen=True)
class Mark:
    """One ruff suppression: its comment and the rules it names (none: every rule)."""

    comment: str
    rules: frozenset[str]


@dataclass(frozen=True)
class Nosec:
    """A ``# nosec`` comment: where it starts and the words after it (none: a bare one)."""

    column: int
    words: frozenset[str]


@dataclass
class Comments:
    """The suppressing comments of one file, by the lines they cover."""

    nosec: dict[int, Nosec] = field(default_factory=dict)
    ruff: dict[int, list[Mark]] = field(default_factory=dict)
    whole_file: list[Mark] = field(default_factory=list)
    #: Each line of a string spanning lines -> its last line, where ruff
    #: reads the ``# noqa`` of a finding on it.
    last_line: dict[int, int] = field(default_factory=dict)

    def cover(self, lines: Iterable[int], mark: Mark) -> None:
        """``mark`` suppresses its rules on ``lines``."""
        for line in lines:
            self.ruff.setdefault(line, []).append(mark)

    def ruff_marks(self, line: int) -> list[Mark]:
        """The ruff suppressions that apply to a finding on ``line``."""
        lines = dict.fromkeys((line, self.last_line.get(line, line)))
        return [*self.whole_file, *(m for n in lines for m in self.ruff.get(n, []))]


def _rules(text: str | None) -> frozenset[str]:
    return frozenset(re.split(r"[,\s]+", text)) - {""} if text else frozenset()


@dataclass
class _Reader:
    """Walks a file's tokens once, collecting :class:`Comments`."""

    found: Comments = field(default_factory=Comments)
    opened: dict[frozenset[str], tuple[int, str]] = field(default_factory=dict)
    #: ruff ignore comments alone on their line, waiting for the next statement.
    waiting: list[Mark] = field(default_factory=list)
    statement: int = 0

    def token(self, token: tokenize.TokenInfo) -> None:
        first, last = token.start[0], token.end[0]
        if token.type == tokenize.STRING and last > first:
            self.found.last_line.update(dict.fromkeys(range(first, last), last))
        if token.type == tokenize.COMMENT:
            self.comment(token)
        elif token.type not in _NOT_CODE and self.waiting and not self.statement:
            self.statement = first
        elif token.type == tokenize.NEWLINE and self.statement:
            for mark in self.waiting:
                self.found.cover(range(self.statement, last + 1), mark)
            self.waiting, self.statement = [], 0

    def comment(self, token: tokenize.TokenInfo) -> None:
        text, line = token.string, token.start[0]
        if match := NOSEC.search(text):
            words = _NOSEC_WORDS.finditer(match["tests"] or "")
            self.found.nosec[line] = Nosec(
                token.start[1], frozenset(word.group(1) for word in words)
            )
        if match := _FILE_NOQA.search(text):
            # flake8 reads `# flake8: noqa: E501` as no file-wide directive at all.
            if match["tool"].lower() == "ruff" or not match["codes"]:
                self.found.whole_file.append(Mark(match.group(0), _rules(match["codes"])))
        elif match := _RUFF.search(text):
            self.ruff(match, line, alone=not token.line[: token.start[1]].strip())
        elif match := _NOQA.search(text):
            self.found.cover([line], Mark(match.group(0), _rules(match["codes"])))

    def ruff(self, match: re.Match[str], line: int, *, alone: bool) -> None:
        mark = Mark(match.group(0), _rules(match["rules"]))
        if match["kind"] == "file-ignore":
            self.found.whole_file.append(mark)
        elif match["kind"] == "disable":
            self.opened[mark.rules] = (line, mark.comment)
        elif match["kind"] == "enable":
            start, comment = self.opened.pop(mark.rules, (0, ""))
            if start:
                self.found.cover(range(start, line + 1), Mark(comment, mark.rules))
        elif alone:
            self.waiting.append(mark)
        else:
            self.found.cover([line], mark)

    def end(self, lines: int) -> Comments:
        for rules, (start, comment) in self.opened.items():
            self.found.cover(range(start, lines + 1), Mark(comment, rules))
        return self.found


def read(source: str) -> Comments:
    """The suppressing comments of ``source``, found with :mod:`tokenize` as bandit does.

    A file the tokenizer gives up on keeps the comments found before that
    point (bandit does the same, and reports the file itself).
    """
    reader = _Reader()
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            reader.token(token)
    except (tokenize.TokenError, SyntaxError):
        pass
    return reader.end(source.count("\n") + 1)


@dataclass(frozen=True)
class BanditTests:
    """bandit's test ids and names, as its extension manager knows them."""

    ids: frozenset[str]
    names: Mapping[str, str]

    def resolve(self, words: frozenset[str]) -> frozenset[str]:
        """The test ids a ``# nosec``'s words name; unknown words are dropped, as bandit does."""
        ids = {w if w in self.ids else self.names.get(w, "") for w in words}
        return frozenset(ids - {""})


@cache
def ruff_codes() -> Mapping[str, str]:
    """ruff's flake8-bandit rule names -> codes (``hardcoded-temp-file`` -> ``S108``)."""
    names: dict[str, str] = json.loads(RUFF_NAMES_FILE.read_text(encoding="utf-8"))
    return names


def _nosec(
    comments: Comments, line: int, lines: Iterable[int], test: str, tests: Callable[[], BanditTests]
) -> str | None:
    """bandit's reading (tester.py): the line's nosec and its statement's first one, merged."""
    base = comments.nosec.get(line)
    context = next((comments.nosec[n] for n in lines if n in comments.nosec), None)
    if base is None and context is None:
        return None
    named: set[str] = set()
    for nosec in (base, context):
        if nosec and nosec.words:
            named |= tests().resolve(nosec.words)
    if not named or test in named:
        return f"# nosec {test}" if named else "# nosec"
    return None


def _ruff(comments: Comments, line: int, test: str) -> str | None:
    """The ruff comment that suppresses rule ``S<nnn>`` for bandit test ``B<nnn>`` here."""
    code = "S" + test[1:]
    for mark in comments.ruff_marks(line):
        codes = {r if _RUFF_CODE.fullmatch(r) else ruff_codes().get(r, "") for r in mark.rules}
        if not mark.rules or code in codes:
            return mark.comment
    return None


def judged(
    comments: Comments,
    line: int,
    lines: Iterable[int],
    test: str,
    tests: Callable[[], BanditTests],
) -> str | None:
    """The comment by which the repository suppressed bandit test ``test`` at ``line``, if any.

    ``lines`` are the lines of the finding's statement (bandit's ``line_range``);
    ``tests`` gives bandit's test ids and names, asked only when a ``# nosec``
    names some.
    """
    return _nosec(comments, line, lines, test, tests) or _ruff(comments, line, test)
