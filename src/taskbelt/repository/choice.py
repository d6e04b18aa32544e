"""One tool choice of :mod:`taskbelt.repository.tool_choice`: what runs, why, and over which files."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from taskbelt.repository import pre_commit, tracked_files
from taskbelt.repository.flake8_config import Declared
from taskbelt.repository.pre_commit import Hook
from taskbelt.repository.tool_versions import Pin


@dataclass(frozen=True)
class Choice:
    """One tool choice: what runs, where the choice was read, and its configuration.

    ``config`` is the configuration file taskbelt passes to the tool, and
    ``None`` when the tool reads the repository's own.
    """

    tool: str
    source: str
    config: Path | None = None
    #: The version that runs, and where it was read (:mod:`taskbelt.repository.tool_versions`).
    pin: Pin | None = None
    #: The repository's pre-commit hook that runs this tool: taskbelt then runs it
    #: over the files that hook is given, with its arguments that change verdicts.
    hook: Hook | None = None
    #: The flake8 options lint translates into ruff's rules (when nothing configures ruff).
    flake8: Declared | None = None
    #: The arguments that change the verdict on the repository's own command
    #: line for the tool (tox's ``ty check --error-on-warning``): taskbelt passes them too.
    args: tuple[str, ...] = ()
    #: The paths that command checks (``pyright src tests``): taskbelt checks them too.
    #: Empty: the tool's configuration decides, as in a bare ``pyright``.
    targets: tuple[str, ...] = ()
    #: That command's operand taskbelt cannot read (a nox variable, ``REFERENCING``):
    #: then the project's packages are checked, and the summary says why.
    unread: str = ""
    #: What the tox environment or nox session running that command installs
    #: besides the tool (stubs such as ``types-requests``): the checker sees them.
    dependencies: tuple[str, ...] = ()

    def __str__(self) -> str:
        version = f" {self.pin.version}" if self.pin else ""
        return f"{self.tool}{version} ({self.source})"

    @property
    def declared(self) -> str:
        """Where this run was chosen: ``tox.ini runs mypy``, ``.pre-commit-config.yaml hook mypy``."""
        return self.source.split("; ", 1)[0]

    def explain(self) -> str:
        """The choice and the version's reason, for ``-v``."""
        scope = f"; files and arguments of pre-commit {self.hook}" if self.hook else ""
        args = f"; its arguments {' '.join(self.args)}" if self.args else ""
        if self.targets:
            args += f"; on {' '.join(self.targets)}"
        elif self.unread:
            args += f"; on the project's packages (its command checks {self.unread}, unread)"
        return (f"{self}; version from {self.pin.source}" if self.pin else str(self)) + scope + args

    def paths(self, root: Path, excluded: Iterable[str]) -> list[str]:
        """What to give the tool: ``.``, or the files pre-commit gives its hook.

        Empty when the hook is given no file at all (then nothing runs, as in
        pre-commit). Folders no check looks into (``excluded``) stay out.
        """
        if self.hook is None:
            return ["."]
        files = self.hook_files(root, excluded)
        return ["--", *files] if files else []

    def hook_files(self, root: Path, excluded: Iterable[str]) -> list[str]:
        """The files pre-commit gives the hook, but those in ``excluded`` folders (none without a hook)."""
        if self.hook is None:
            return []
        skip = tuple(f"{folder}/" for folder in excluded)
        return [
            rel
            for rel in tracked_files.list_files(root)
            if not rel.startswith(skip) and self.hook.selects(root, rel)
        ]

    @property
    def hook_args(self) -> list[str]:
        """The hook's arguments that change the verdict (none without a hook)."""
        return pre_commit.verdict_args(self.hook) if self.hook else []
