"""The ledger as it was where this change started: what the change added to it.

The ratchet asks whether a change grew the ledger. "Where the change
started" is the merge base of HEAD with the base branch, as git computes it
(``git merge-base``), and the ledger there is read from git's objects
(``git show <commit>:taskbelt-ledger.toml``), never from a checkout.

The base branch is ``[tool.taskbelt] diff-base`` where the repository names
one, else the branch a pull or merge request targets as the CI system says
(``GITHUB_BASE_REF`` on GitHub Actions, ``CI_MERGE_REQUEST_TARGET_BRANCH_NAME``
on GitLab), looked up as ``origin/<branch>``, else the remote's default
branch (``origin/HEAD``), ``origin/main`` or ``origin/master``, the first
that exists. Where none exists (a shallow CI checkout, a repository without
a remote) the growth is not judged, and the row says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from taskbelt import defaults, proc
from taskbelt.errors import ConfigError
from taskbelt.ledger.book import FILE, Ledger, parse

_TARGET_VARIABLES = defaults.CHANGE_TARGET_VARIABLES
#: The remote's branches tried, in order, where nothing names the base.
_DEFAULTS = ("origin/HEAD", "origin/main", "origin/master")
#: What a row says where the base is not found.
FETCH_HINT = "fetch the base branch (actions/checkout: fetch-depth: 0) or set diff-base"


@dataclass(frozen=True)
class Base:
    """The ledger where the change started, or why it is not known."""

    #: The base branch (``origin/main``), or "" when none was found.
    ref: str = ""
    #: The merge base's commit, or "" when it is not known.
    commit: str = ""
    #: The ledger at the merge base; None where it had none (the change adopts one).
    ledger: Ledger | None = None
    #: Why the growth cannot be judged ("" when it can).
    unknown: str = ""

    @property
    def key(self) -> str:
        """What a verdict that judges growth depends on: the merge base, or why there is none."""
        return self.commit or f"unknown: {self.unknown}"


def _git(root: Path, *args: str) -> str | None:
    done = proc.run(["git", *args], cwd=root, timeout=30, ok=None)
    return done.stdout.strip() if done.returncode == 0 else None


def targets(environ: Mapping[str, str]) -> tuple[str, ...]:
    """What of ``environ`` chooses the base branch (the CI system's target branch)."""
    return tuple(environ.get(v, "") for v in _TARGET_VARIABLES)


def base_ref(root: Path, configured: str | None, environ: Mapping[str, str]) -> str | None:
    """The base branch (see the module docstring), or None when none exists here."""
    named = [configured] if configured else []
    named += [f"origin/{environ[v]}" for v in _TARGET_VARIABLES if environ.get(v)]
    for ref in named or _DEFAULTS:
        if _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"):
            return ref
    return None


def find(root: Path, configured: str | None, environ: Mapping[str, str]) -> Base:
    """The ledger at the merge base of HEAD and the base branch."""
    ref = base_ref(root, configured, environ)
    if ref is None:
        wanted = configured or "origin/HEAD, origin/main or origin/master"
        return Base(unknown=f"no base branch here ({wanted}): {FETCH_HINT}")
    commit = _git(root, "merge-base", "HEAD", ref)
    if not commit:
        return Base(ref, unknown=f"HEAD and {ref} have no merge base: {FETCH_HINT}")
    text = _git(root, "show", f"{commit}:{FILE}")
    if text is None:
        return Base(ref, commit)
    try:
        return Base(ref, commit, parse(text))
    except ConfigError as exc:
        return Base(ref, commit, unknown=f"the ledger at {commit[:12]} does not read: {exc.cause}")
