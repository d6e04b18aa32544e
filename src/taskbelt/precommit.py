"""The repository's pre-commit hooks, read from its ``.pre-commit-config.yaml``.

taskbelt reads them to run what the repository already runs on every commit
(which formatter, and later which version and over which files). It only
reads the file: pre-commit itself is never run, since it would build an
environment for every hook the repository lists.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
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


@dataclass(frozen=True)
class Hook:
    """One hook as the repository lists it (only the keys taskbelt uses)."""

    id: str
    repo: str
    rev: str = ""
    #: The release a commit ``rev`` stands for, from pre-commit's ``# frozen: v1.2`` comment.
    frozen: str = ""
    entry: str = ""
    args: tuple[str, ...] = ()

    def __str__(self) -> str:
        return f"hook {self.id}"


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
    return tuple(
        _hook(repo, hook, frozen)
        for repo in repos
        if isinstance(repo, Mapping)
        for hook in repo.get("hooks") or ()
        if isinstance(hook, Mapping) and isinstance(hook.get("id"), str)
    )


def _hook(repo: Mapping[str, Any], hook: Mapping[str, Any], frozen: Mapping[str, str]) -> Hook:
    args = hook.get("args")
    rev = str(repo.get("rev", ""))
    return Hook(
        id=str(hook["id"]),
        repo=str(repo.get("repo", "")),
        rev=rev,
        frozen=frozen.get(rev, ""),
        entry=str(hook.get("entry", "")),
        args=tuple(str(a) for a in args) if isinstance(args, list) else (),
    )
