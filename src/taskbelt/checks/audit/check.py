"""The security scan: pip-audit on the locked dependencies, bandit on the source, secrets, SBOM.

The four parts run side by side (one waits on the network, the others on
the CPU) and their verdicts merge failing closed: ``error`` when any could
not run, else ``failed`` when any found something, else ``passed``.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from taskbelt.checks.audit import bandit, pip_audit, sbom, secrets
from taskbelt.checks.base import CheckContext, tail
from taskbelt.checks.interface import Check, Session, Spec
from taskbelt.environments.matrix import Matrix
from taskbelt.repository.project import Project
from taskbelt.results import CheckResult, Status

NAME = "audit"
#: Keys of the merged ``details``, one per scan.
PARTS = {
    pip_audit.NAME: "dependencies",
    bandit.NAME: "bandit",
    secrets.NAME: "secrets",
    sbom.NAME: "sbom",
}


def run(ctx: CheckContext) -> CheckResult:
    """Audit dependencies, source and every file for secrets, write the SBOM; one ``audit`` result."""
    started = time.perf_counter()
    scans = (pip_audit.scan, bandit.scan, secrets.scan, sbom.scan)
    with ThreadPoolExecutor(max_workers=len(scans), thread_name_prefix="taskbelt-audit") as pool:
        # Each scan runs in a copy of this context, so its log lines name the session.
        futures = [pool.submit(contextvars.copy_context().run, scan, ctx) for scan in scans]
        parts = tuple(future.result() for future in futures)
    return merge(parts, time.perf_counter() - started)


def _verdict(parts: Sequence[CheckResult]) -> Status:
    statuses = {part.status for part in parts}
    for status in (Status.ERROR, Status.FAILED):
        if status in statuses:
            return status
    return Status.PASSED


def _summary(part: CheckResult) -> str:
    """A part's summary, named when it does not say which scan it is about."""
    if part.status is Status.ERROR and not part.summary.startswith(part.name):
        return f"{part.name}: {part.summary}"
    return part.summary


def merge(parts: Sequence[CheckResult], seconds: float) -> CheckResult:
    """One ``audit`` result from the scans' results (see the module docstring)."""
    output = "\n\n".join(f"== {p.name}: {p.status} ==\n{p.output}" for p in parts if p.output)
    return CheckResult(
        NAME,
        _verdict(parts),
        seconds,
        "; ".join(_summary(p) for p in parts),
        tail(output),
        {PARTS.get(p.name, p.name): {"status": p.status.value, **p.details} for p in parts},
    )


def key(project: Project, tests: Matrix, session: Session) -> Spec | None:
    """The offline advisory database counts; an online service is never cached.

    A service knows more tomorrow than today, with nothing here changed.
    """
    database = project.settings.audit.advisory_db
    return None if database is None else {"advisory_db": str(project.root / database)}


CHECK = Check(
    NAME,
    "pip-audit on the locked dependencies, bandit on the source, detect-secrets on every file,"
    " and their SBOM",
    run,
    tools="audit",
    # ruff too: it says which bandit findings the repository's ruff settings ignore.
    tools_for=lambda _project: ("audit", "lint"),
    starts=30,
    key=key,
    uses_dependencies=True,
    # the secrets scan reads every file, not only the Python ones
    files="all",
)
