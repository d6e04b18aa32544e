"""Which of a tool's command-line arguments change its verdict, and which are what it checks.

taskbelt passes on the arguments of the repository's own run of a tool (a
pre-commit hook's ``args``, tox's ``ty check --error-on-warning``) that change
what the tool reports, and leaves out the rest: ``--fix`` and output options
only change what the tool writes or prints, and check mode writes nothing.
These tables are the tools' own option lists (their ``--help``), written out
because no tool publishes them in a form to read.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Of a hook's arguments, those that change a verdict, by the command its entry
#: runs: kept when taskbelt runs the same tool. Whatever else a hook passes
#: (``--fix``, ``--exit-non-zero-on-fix``, output options) only changes what the
#: tool writes or prints, and check mode writes nothing.
_VERDICT_FLAGS = {
    "ruff check": {"--preview", "--no-preview", "--isolated"},
    "ruff format": {"--preview", "--no-preview", "--isolated"},
    "black": {
        "--preview", "--unstable", "--skip-string-normalization", "-S",
        "--skip-magic-trailing-comma", "-C", "--pyi", "--ipynb", "--skip-source-first-line",
    },
    "mypy": None,  # every mypy option can change a verdict but those of _MYPY_OUTPUT
    "ty check": {"--error-on-warning", "--exit-zero", "--exit-zero-on-warning"},
    "pyright": {"--warnings", "--skipunannotated"},
    "basedpyright": {"--warnings", "--skipunannotated"},
    # --check-unannotated-defs and --ignore-errors-in-generated-code take an optional =value
    "pyrefly check": {
        "--check-all", "-a", "--ignore-errors-in-generated-code", "--check-unannotated-defs",
    },
}  # fmt: skip
_VERDICT_VALUES = {
    "ruff check": {
        "--select", "--extend-select", "--ignore", "--extend-ignore", "--config",
        "--target-version", "--line-length", "--per-file-ignores", "--extend-per-file-ignores",
        "--exclude", "--extend-exclude",
    },
    "ruff format": {"--config", "--target-version", "--line-length", "--exclude", "--extend-exclude"},
    "ty check": {
        "--python-version", "--python-platform", "--error", "--warn", "--ignore", "--config-file",
        "--config", "-c", "--exclude", "--extra-search-path", "--typeshed",
    },
    "pyright": {
        "--level", "--pythonversion", "--pythonplatform", "-p", "--project", "-t",
        "--typeshedpath", "--typeshed-path",
    },
    "basedpyright": {
        "--level", "--pythonversion", "--pythonplatform", "-p", "--project", "-t",
        "--typeshedpath", "--typeshed-path", "--baselinefile",
    },
    "pyrefly check": {
        "--min-severity", "--preset", "-p", "--config", "-c", "--project-excludes", "--error",
        "--warn", "--ignore", "--only", "--baseline", "--baseline-error-level",
        "--python-version", "--python-platform", "--search-path", "--ignore-missing-imports",
        "--replace-imports-with-any", "--typeshed-path", "--untyped-def-behavior",
        "--infer-return-types",
    },
    "black": {
        "--config", "--line-length", "-l", "--target-version", "-t", "--include", "--exclude",
        "--extend-exclude", "--force-exclude", "--required-version", "--enable-unstable-feature",
        "--python-cell-magics",
    },
}  # fmt: skip


#: Every option that takes a value (the next word), by command: what follows
#: one is its value, not a path to check (:func:`operand_words`).
_TAKES_VALUE = {
    "pyright": {
        *_VERDICT_VALUES["pyright"], "--createstub", "--pythonpath", "-v", "--venvpath",
        "--venv-path", "--verifytypes",
    },
    "basedpyright": {
        *_VERDICT_VALUES["basedpyright"], "--createstub", "--pythonpath", "-v", "--venvpath",
        "--venv-path", "--verifytypes",
    },
    "pyrefly check": {*_VERDICT_VALUES["pyrefly check"], "--output-format", "-o", "-j", "--threads"},
    "ty check": {*_VERDICT_VALUES["ty check"], "--output-format", "--color", "--python", "--project"},
    "mypy": {
        "--config-file", "-p", "--package", "-m", "--module", "-c", "--command",
        "--python-version", "--platform", "--always-true", "--always-false", "--exclude",
        "--custom-typeshed-dir", "--custom-typing-module", "--enable-error-code",
        "--disable-error-code", "--enable-incomplete-feature", "--follow-imports",
        "--package-root", "--shadow-file", *("-O", "--output", "--cache-dir", "--python-executable"),
        "--junit-xml", "--junit-format", "--any-exprs-report", "--cobertura-xml-report",
        "--html-report", "--linecount-report", "--linecoverage-report", "--lineprecision-report",
        "--txt-report", "--xml-report", "--xslt-html-report", "--xslt-txt-report",
    },
}  # fmt: skip


def operand_words(command: str, words: Iterable[str]) -> list[str]:
    """Of ``command``'s arguments ``words``, the operands: what it checks (``src tests``).

    Options and their values are left out, and so are a nox call's keyword
    arguments (``external=True``).
    """
    words = list(words)
    return [words[at] for at in _operand_places(command, words)]


def _operand_places(command: str, words: list[str]) -> list[int]:
    """Where the operands of ``command``'s arguments ``words`` are (:func:`operand_words`)."""
    valued = _TAKES_VALUE.get(command, set())
    places: list[int] = []
    take_next = False
    for at, word in enumerate(words):
        if take_next:
            take_next = False
        elif word.startswith("-"):
            take_next = word in valued
        elif "=" not in word:
            places.append(at)
    return places


def verdict_words(command: str, words: Iterable[str]) -> list[str]:
    """Of ``command``'s arguments ``words``, those that change its verdict."""
    words = list(words)
    if command == "mypy":  # its options, but those of _MYPY_OUTPUT; not what it checks
        options = _without(words, _MYPY_OUTPUT, _MYPY_OUTPUT_VALUES)
        operands = set(_operand_places(command, options))
        return [word for at, word in enumerate(options) if at not in operands]
    flags, valued = _VERDICT_FLAGS.get(command) or set(), _VERDICT_VALUES.get(command, set())
    kept: list[str] = []
    take_next = False
    for word in words:
        if take_next:
            kept.append(word)
            take_next = False
        elif word in flags or ("=" in word and word.split("=", 1)[0] in valued | flags):
            kept.append(word)
        elif word in valued:
            kept.append(word)
            take_next = True
    return kept


#: mypy's options that change only what it prints or where it keeps its cache
#: (and those taskbelt sets itself: its output format, cache and interpreter):
#: left out of a repository's mypy arguments, since taskbelt reads mypy's output.
_MYPY_OUTPUT = frozenset(
    {
        "-v",
        "--verbose",
        "--pretty",
        "--no-pretty",
        "--show-error-context",
        "--hide-error-context",
        "--show-column-numbers",
        "--hide-column-numbers",
        "--show-error-end",
        "--hide-error-end",
        "--show-error-codes",
        "--hide-error-codes",
        "--show-error-code-links",
        "--hide-error-code-links",
        "--color-output",
        "--no-color-output",
        "--error-summary",
        "--no-error-summary",
        "--show-absolute-path",
        "--hide-absolute-path",
        "--incremental",
        "--no-incremental",
        "--sqlite-cache",
        "--no-sqlite-cache",
        "--cache-fine-grained",
        "--skip-version-check",
        "--skip-cache-mtime-checks",
        "--pdb",
        "--show-traceback",
        "--tb",
        "--raise-exceptions",
        "--install-types",
        "--no-install-types",
        "--non-interactive",
        "--interactive",
        "--fast-module-lookup",
        "--no-fast-module-lookup",
        "--dump-type-stats",
        "--dump-inference-stats",
        "--timing-stats",
        "--line-checking-stats",
    }
)
_MYPY_OUTPUT_VALUES = frozenset({
    "-O", "--output", "--cache-dir", "--python-executable", "--any-exprs-report",
    "--cobertura-xml-report", "--html-report", "--linecount-report", "--linecoverage-report",
    "--lineprecision-report", "--txt-report", "--xml-report", "--xslt-html-report",
    "--xslt-txt-report", "--junit-xml", "--junit-format",
})  # fmt: skip


def _without(words: list[str], flags: frozenset[str], valued: frozenset[str]) -> list[str]:
    """``words`` without the options ``flags`` and ``valued`` (with its value: ``--x v``, ``--x=v``)."""
    kept: list[str] = []
    skip_next = False
    for word in words:
        if skip_next:
            skip_next = False
        elif word in flags or word.split("=", 1)[0] in valued:
            skip_next = word in valued
        else:
            kept.append(word)
    return kept
