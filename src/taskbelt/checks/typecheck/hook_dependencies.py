"""What a type checker's declared run adds to its environment, added to the project's.

pre-commit installs a hook's ``additional_dependencies`` beside its checker
(and tox an environment's ``deps``, nox a session's ``session.install``):
for mypy, the stubs (``types-requests``) and packages the checked files
import, without which their types are unknown and errors go unseen. taskbelt's
checkers see the project's environment instead (mypy through
``--python-executable``), so those packages are installed there, into the
type checker's own copy of it (the tests' environments are never touched).
A package the environment already has is left at the project's version.
"""

from __future__ import annotations

import json

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from taskbelt.checks.base import CheckContext
from taskbelt.environments import create, test_env
from taskbelt.errors import ConfigError
from taskbelt.tools import venvs

_STAMP = "hook-dependencies"


def wanted(ctx: CheckContext) -> list[str]:
    """What the declared runs of the chosen checkers install beside them.

    A hook's ``additional_dependencies``; a tox environment's ``deps`` or a
    nox session's ``session.install`` (:attr:`Choice.dependencies`).
    """
    found = [
        dependency
        for choice in ctx.project.tools.type_checkers
        for dependency in (choice.hook.dependencies if choice.hook else choice.dependencies)
    ]
    return list(dict.fromkeys(found))


def install(ctx: CheckContext) -> list[str]:
    """Add the hooks' dependencies the project environment lacks; return what was added.

    Once per change of the project or of those lists (a stamp keeps the key).
    """
    requirements = wanted(ctx)
    if not requirements or ctx.project_python is None:
        return []
    names = {text: _name(text) for text in requirements}  # a typo fails before any install
    venv = ctx.project_python.parent.parent
    key = json.dumps([create.project_key(ctx.project, ctx.project.typing_choice), requirements])
    if venvs.stamp_ok(venv, _STAMP, key):
        return []
    present = test_env.installed(venv)
    missing = [text for text in requirements if names[text] not in present]
    if missing:
        venvs.uv_pip_install(
            venv,
            missing,
            cwd=ctx.root,
            fix="check the hook's additional_dependencies in .pre-commit-config.yaml, or the "
            "deps of the tox environment or session.install of the nox session running the "
            "checker (they install the same list)",
        )
    venvs.write_stamp(venv, _STAMP, key)
    return missing


def _name(text: str) -> str:
    try:
        return canonicalize_name(Requirement(text).name)
    except InvalidRequirement as exc:
        raise ConfigError(
            f"pre-commit hook dependency {text!r} is not a requirement: {exc}",
            "fix additional_dependencies in .pre-commit-config.yaml",
        ) from None
