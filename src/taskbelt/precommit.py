"""The repository's pre-commit hooks, read from its ``.pre-commit-config.yaml``.

taskbelt reads them to run what the repository already runs on every commit
(which formatter, and later which version and over which files). It only
reads the file: pre-commit itself is never run, since it would build an
environment for every hook the repository lists.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from taskbelt import defaults
from taskbelt.errors import ConfigError

#: The names pre-commit reads its configuration from, in its own order.
CONFIG_NAMES = defaults.PRECOMMIT_CONFIGS
_FROZEN = re.compile(
    r"""^\s*-?\s*rev:\s*["']?(?P<rev>[^\s"'#]+)["']?\s*#\s*frozen:\s*(?P<tag>\S+)""", re.M
)


#: What the hook repositories taskbelt knows declare in their ``.pre-commit-hooks.yaml``
#: (read there; pre-commit merges them under the repository's own keys): the
#: entry, the file types and the default arguments of each hook.
_RUFF = {"types_or": ("python", "pyi", "jupyter")}
KNOWN_HOOKS: dict[tuple[str, str], dict[str, Any]] = {
    ("astral-sh/ruff-pre-commit", "ruff-check"): {"entry": "ruff check --force-exclude", **_RUFF},
    ("astral-sh/ruff-pre-commit", "ruff"): {"entry": "ruff check --force-exclude", **_RUFF},
    ("astral-sh/ruff-pre-commit", "ruff-format"): {"entry": "ruff format --force-exclude", **_RUFF},
    ("psf/black", "black"): {"entry": "black", "types_or": ("python", "pyi")},
    ("psf/black", "black-jupyter"): {"entry": "black", "types_or": ("python", "pyi", "jupyter")},
    ("pycqa/flake8", "flake8"): {"entry": "flake8", "types": ("python",)},
    ("pre-commit/mirrors-mypy", "mypy"): {
        "entry": "mypy",
        "types": ("python",),
        "args": ("--ignore-missing-imports", "--scripts-are-modules", "--no-warn-unused-ignores"),
    },
}
#: Aliases of those repositories (renamed or mirrored).
_SAME_REPO = {
    "charliermarsh/ruff-pre-commit": "astral-sh/ruff-pre-commit",
    "psf/black-pre-commit-mirror": "psf/black",
}
_REPO_PATH = re.compile(r"(?:github\.com[/:])?(?P<path>[\w.-]+/[\w.-]+?)(?:\.git)?/?$")
#: File types (pre-commit's ``identify`` tags) by file name extension; a file
#: without one is ``python`` when it is executable and its ``#!`` line names python.
_TYPES_BY_SUFFIX = {
    ".py": {"python"}, ".pyw": {"python"}, ".pyi": {"pyi"}, ".ipynb": {"jupyter", "json"},
    ".toml": {"toml"}, ".yaml": {"yaml"}, ".yml": {"yaml"}, ".md": {"markdown"},
}  # fmt: skip


@dataclass(frozen=True)
class Hook:
    """One hook as the repository lists it, with its hook repository's defaults.

    ``files``, ``exclude``, ``types``, ``types_or`` and ``exclude_types`` are
    pre-commit's: which of the repository's files the hook is given; ``scope_*``
    are the configuration's top-level ``files`` and ``exclude``.
    """

    id: str
    repo: str
    rev: str = ""
    #: The release a commit ``rev`` stands for, from pre-commit's ``# frozen: v1.2`` comment.
    frozen: str = ""
    entry: str = ""
    args: tuple[str, ...] = ()
    files: str = ""
    exclude: str = "^$"
    types: tuple[str, ...] = ("file",)
    types_or: tuple[str, ...] = ()
    exclude_types: tuple[str, ...] = ()
    scope_files: str = ""
    scope_exclude: str = "^$"
    #: ``additional_dependencies``: for a flake8 hook, the plugins it runs with.
    dependencies: tuple[str, ...] = ()

    @property
    def repo_path(self) -> str:
        """``owner/name`` of the hook repository ("" for ``local`` and ``meta``)."""
        match = _REPO_PATH.search(self.repo)
        path = match["path"].lower() if match else ""
        return _SAME_REPO.get(path, path)

    def selects(self, root: Path, rel: str) -> bool:
        """Whether pre-commit gives this hook the file ``rel`` (run on all files)."""
        try:
            if not re.search(self.scope_files, rel) or re.search(self.scope_exclude, rel):
                return False
            if not re.search(self.files, rel) or re.search(self.exclude, rel):
                return False
        except re.error as exc:
            raise ConfigError(
                f"pre-commit hook {self.id}: {exc.pattern!r} is not a regular expression: {exc}",
                "fix the files/exclude pattern in .pre-commit-config.yaml",
            ) from None
        tags = file_types(root, rel)
        return (
            all(tag in tags for tag in self.types)
            and (not self.types_or or any(tag in tags for tag in self.types_or))
            and not any(tag in tags for tag in self.exclude_types)
        )

    def __str__(self) -> str:
        return f"hook {self.id}"


def file_types(root: Path, rel: str) -> set[str]:
    """The ``identify`` tags of file ``rel`` that hooks taskbelt runs select on."""
    name = rel.rsplit("/", 1)[-1]
    suffix = name[name.rfind(".") :] if "." in name.lstrip(".") else ""
    tags = {"file", "text", *_TYPES_BY_SUFFIX.get(suffix.lower(), ())}
    if not suffix:
        path = root / rel
        try:
            if os.access(path, os.X_OK) and b"python" in path.open("rb").readline():
                tags.add("python")
        except OSError:
            pass
    return tags


def config_path(root: Path) -> Path | None:
    """The pre-commit configuration file of the repository at ``root``, if any."""
    for name in CONFIG_NAMES:
        if (root / name).is_file():
            return root / name
    return None


def read_hooks(root: Path) -> tuple[Hook, ...]:
    """Every hook of the repository's pre-commit configuration, in file order.

    A file pre-commit could not read either is an error naming it: guessing
    around it could pick a tool the repository does not run.
    """
    path = config_path(root)
    if path is None:
        return ()
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ConfigError(
            f"{path.name}: invalid YAML{where}",
            "fix it (pre-commit cannot read it either), or set the tool in [tool.taskbelt]",
        ) from None
    repos = data.get("repos") if isinstance(data, Mapping) else None
    if not isinstance(repos, list):
        return ()
    # A comment is no YAML value: `pre-commit autoupdate --freeze` writes the
    # release next to the commit as `rev: <sha>  # frozen: v1.2`.
    frozen = {m["rev"]: m["tag"] for m in _FROZEN.finditer(text)}
    scope = {key: str(data[key]) for key in ("files", "exclude") if isinstance(data.get(key), str)}
    return tuple(
        _hook(repo, hook, frozen, scope)
        for repo in repos
        if isinstance(repo, Mapping)
        for hook in repo.get("hooks") or ()
        if isinstance(hook, Mapping) and isinstance(hook.get("id"), str)
    )


def _hook(
    repo: Mapping[str, Any],
    hook: Mapping[str, Any],
    frozen: Mapping[str, str],
    scope: Mapping[str, str],
) -> Hook:
    rev = str(repo.get("rev", ""))
    found = Hook(id=str(hook["id"]), repo=str(repo.get("repo", "")), rev=rev)
    known = KNOWN_HOOKS.get((found.repo_path, found.id), {})
    fields: dict[str, Any] = {}
    for key in ("entry", "files", "exclude"):
        value = hook.get(key, known.get(key))
        if value is not None:
            fields[key] = str(value)
    for key, field in (
        ("args", "args"), ("types", "types"), ("types_or", "types_or"),
        ("exclude_types", "exclude_types"), ("additional_dependencies", "dependencies"),
    ):  # fmt: skip
        value = hook.get(key, known.get(key))
        if isinstance(value, list | tuple):
            fields[field] = tuple(str(item) for item in value)
    return dataclasses.replace(
        found,
        frozen=frozen.get(rev, ""),
        scope_files=scope.get("files", ""),
        scope_exclude=scope.get("exclude", "^$"),
        **fields,
    )


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
    "mypy": None,  # every mypy option can change a verdict: all are kept
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
}  # fmt: skip

#: What a hook of a well-known id runs where its entry is not known (a fork of
#: the hook repository, say).
_ID_COMMANDS = {
    "ruff-format": "ruff format", "black": "black", "black-jupyter": "black", "flake8": "flake8",
}  # fmt: skip


def command_of(hook: Hook) -> str:
    """``ruff check``, ``ruff format``, ``black`` or ``mypy``: what the hook's entry runs."""
    words = hook.entry.split() or _ID_COMMANDS.get(hook.id, "").split()
    if words[:1] == ["ruff"]:
        return "ruff format" if "format" in words[1:2] else "ruff check"
    return words[0] if words else ""


def verdict_args(hook: Hook) -> list[str]:
    """The hook's arguments (entry's own included) that change its tool's verdict."""
    command = command_of(hook)
    return verdict_words(command, [*hook.entry.split()[len(command.split()) :], *hook.args])


def operand_words(command: str, words: Iterable[str]) -> list[str]:
    """Of ``command``'s arguments ``words``, the operands: what it checks (``src tests``).

    Options and their values are left out, and so are a nox call's keyword
    arguments (``external=True``).
    """
    valued = _TAKES_VALUE.get(command, set())
    operands: list[str] = []
    take_next = False
    for word in words:
        if take_next:
            take_next = False
        elif word.startswith("-"):
            take_next = word in valued
        elif "=" not in word:
            operands.append(word)
    return operands


def verdict_words(command: str, words: Iterable[str]) -> list[str]:
    """Of ``command``'s arguments ``words``, those that change its verdict."""
    words = list(words)
    if command == "mypy":
        return words
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
