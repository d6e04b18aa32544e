"""The repository's pre-commit hooks, read from its ``.pre-commit-config.yaml``.

taskbelt reads them to run what the repository already runs on every commit
(which formatter, and later which version and over which files). It only
reads the file: pre-commit itself is never run, since it would build an
environment for every hook the repository lists.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from identify import identify

from taskbelt import defaults
from taskbelt.errors import ConfigError
from taskbelt.repository import hook_manifests
from taskbelt.repository.tool_args import verdict_words

#: The names pre-commit reads its configuration from, in its own order.
CONFIG_NAMES = defaults.PRECOMMIT_CONFIGS
_FROZEN = re.compile(
    r"""^\s*-?\s*rev:\s*["']?(?P<rev>[^\s"'#]+)["']?\s*#\s*frozen:\s*(?P<tag>\S+)""", re.M
)


#: Aliases of those repositories (renamed or mirrored).
_SAME_REPO = {
    "charliermarsh/ruff-pre-commit": "astral-sh/ruff-pre-commit",
    "psf/black-pre-commit-mirror": "psf/black",
    "ambv/black": "psf/black",  # black's home before the PSF's
}
_REPO_PATH = re.compile(r"(?:github\.com[/:])?(?P<path>[\w.-]+/[\w.-]+?)(?:\.git)?/?$")


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
    #: ``pass_filenames``: False when the hook's command names what it checks itself.
    pass_filenames: bool = True

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


def file_types(root: Path, rel: str) -> frozenset[str]:
    """The ``identify`` tags of file ``rel``: the library pre-commit itself asks.

    ``python`` for ``.py`` and for an executable whose ``#!`` line runs
    python, ``text`` or ``binary`` from the content, ``symlink``, ... A file
    gone since git listed it has none, so no hook is given it.
    """
    path = root / rel
    try:
        stat = path.lstat()
    except OSError:
        return frozenset()
    return _tags(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=65536)
def _tags(path: str, mtime: int, size: int) -> frozenset[str]:
    """identify's tags of ``path`` as it was at ``mtime`` and ``size`` (read once per run)."""
    del mtime, size  # the cache key: a changed file is read again
    try:
        return frozenset(identify.tags_from_path(path))
    except ValueError:  # gone between the two looks
        return frozenset()


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
    known = hook_manifests.manifest_of(found.repo, found.repo_path, rev, found.id)
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
    if hook.get("pass_filenames") is False:
        fields["pass_filenames"] = False
    return dataclasses.replace(
        found,
        frozen=frozen.get(rev, ""),
        scope_files=scope.get("files", ""),
        scope_exclude=scope.get("exclude", "^$"),
        **fields,
    )


#: What a hook of a well-known id runs where its entry is not known (a fork of
#: the hook repository, say).
_ID_COMMANDS = {
    "ruff-format": "ruff format", "black": "black", "black-jupyter": "black", "flake8": "flake8",
}  # fmt: skip


#: What a local hook's entry may run its tool through (``uv run mypy``): the
#: tool is the word after it (and after the runner's own options).
_RUNNERS = (
    ("uv", "run"), ("poetry", "run"), ("pdm", "run"), ("hatch", "run"), ("pipenv", "run"),
    ("rye", "run"), ("python", "-m"), ("python3", "-m"),
)  # fmt: skip
#: Those runners' options that take a value (``uv run --group typing mypy``).
_RUNNER_VALUES = frozenset({"--group", "--extra", "--with", "--python", "-p", "--env", "-e"})


def entry_words(hook: Hook) -> list[str]:
    """The hook's entry as its tool's command: ``mypy --strict`` for ``uv run --frozen mypy --strict``."""
    words = hook.entry.split() or _ID_COMMANDS.get(hook.id, "").split()
    for runner in _RUNNERS:
        if words[: len(runner)] == list(runner):
            rest = words[len(runner) :]
            while rest and rest[0].startswith("-"):
                rest = rest[2:] if rest[0] in _RUNNER_VALUES else rest[1:]
            return rest
    return words


def command_of(hook: Hook) -> str:
    """``ruff check``, ``ruff format``, ``black`` or ``mypy``: what the hook's entry runs."""
    words = entry_words(hook)
    if words[:1] == ["ruff"]:
        return "ruff format" if "format" in words[1:2] else "ruff check"
    if words[:1] in (["ty"], ["pyrefly"]) and words[1:2] == ["check"]:
        return f"{words[0]} check"
    return words[0] if words else ""


def hook_words(hook: Hook) -> list[str]:
    """Every argument the hook gives its tool: its entry's after the command, then ``args``."""
    return [*entry_words(hook)[len(command_of(hook).split()) :], *hook.args]


def verdict_args(hook: Hook) -> list[str]:
    """The hook's arguments (entry's own included) that change its tool's verdict."""
    return verdict_words(command_of(hook), hook_words(hook))
