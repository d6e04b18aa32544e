"""``secrets``: the audit's secrets scan alone, over the tree or only the staged files.

``taskbelt secrets --staged`` is what the pre-commit hook runs
(:mod:`taskbelt.commands.git_hook`): the index's version of each staged
file, read as the audit reads the tree (the repository's settings, its
detect-secrets baseline, the debt ledger), so a commit that adds a key
stops before it is made. Without ``--staged`` it scans the tree, as the
audit's part does, without pip-audit and bandit.
"""

from __future__ import annotations

from taskbelt.checks.audit import secrets
from taskbelt.checks.base import CheckContext, guarded
from taskbelt.environments import create
from taskbelt.repository.project import Project
from taskbelt.results import CheckResult
from taskbelt.state import folder


def run(project: Project, *, staged: bool) -> CheckResult:
    """Scan for secrets with the audit tools (made first where needed)."""
    folder.prepare(project.state_dir)

    def body() -> CheckResult:
        ctx = CheckContext(project=project, tools_bin=create.tool_env(project, "audit") / "bin")
        return secrets.scan_staged(ctx) if staged else secrets.scan(ctx)

    return guarded(secrets.NAME, body)
