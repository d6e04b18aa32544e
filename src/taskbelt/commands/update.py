"""``update``: move the vendored taskbelt checkout to a tag or commit.

Fetches tags from taskbelt's own remote, checks out the target (a given
ref, or the newest version tag), and prints the CHANGELOG lines added
between the old and the new commit. The including repository then records
the new submodule commit with an ordinary ``git add`` and commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from taskbelt import proc
from taskbelt.errors import ProjectError, ToolError


@dataclass(frozen=True)
class Update:
    """Where the checkout was, where it is now, and what the changelog gained."""

    old: str
    new: str
    target: str
    changelog: list[str]


def _git(home: Path, *args: str) -> str:
    done = proc.run(
        ["git", "-C", str(home), *args],
        timeout=300,
        error=(
            f"git {' '.join(args)} failed in {home}",
            "check the taskbelt checkout and its remote",
        ),
    )
    return done.stdout.strip()


def newest_tag(home: Path) -> str:
    """The highest version tag in the checkout."""
    tags = _git(home, "tag", "--list", "--sort=-v:refname").splitlines()
    if not tags:
        raise ProjectError(
            f"taskbelt at {home} has no tags to update to",
            "name a commit or branch: mise run update -- <ref>",
        )
    return tags[0]


def changelog_added(home: Path, old: str, new: str) -> list[str]:
    """Lines CHANGELOG.md gained from ``old`` to ``new``."""
    diff = _git(home, "diff", "--no-color", "--unified=0", old, new, "--", "CHANGELOG.md")
    return [
        line[1:]
        for line in diff.splitlines()
        if line.startswith("+") and not line.startswith("+++")
    ]


def update(home: Path, ref: str | None = None) -> Update:
    """Fetch, check out ``ref`` (default: newest tag), report the changelog."""
    if _git(home, "status", "--porcelain", "--untracked-files=no"):
        raise ProjectError(
            f"taskbelt at {home} has local changes; updating would lose them",
            "commit or drop them first (git -C <dir> status)",
        )
    if _git(home, "remote"):
        _git(home, "fetch", "--quiet", "--tags", "origin")
    target = ref or newest_tag(home)
    old = _git(home, "rev-parse", "HEAD")
    try:
        new = _git(home, "rev-parse", "--verify", f"{target}^{{commit}}")
    except ToolError:
        raise ProjectError(
            f"{target!r} is not a tag, branch or commit of taskbelt",
            "list the tags with: git -C <dir> tag",
        ) from None
    _git(home, "checkout", "--quiet", "--detach", new)
    return Update(old, new, target, changelog_added(home, old, new) if old != new else [])
