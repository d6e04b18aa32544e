"""The audit's scan memo: pip-audit's last report, reused while its inputs are the same."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from taskbelt.checks.audit.verdict import Report, parse
from taskbelt.checks.base import CheckContext
from taskbelt.output.console import LOGGER
from taskbelt.state.store import KeyedStore
from taskbelt.tools import pins

#: Bump when what the memo's key is made of changes.
_MEMO_FORMAT = "taskbelt-pip-audit-memo-2"


@dataclass(frozen=True)
class ScanMemo:
    """pip-audit's last report against an offline database, and what it was made from.

    With the same dependency set (hashes included), the same advisory files
    and the same pip-audit, pip-audit would write the same report, so it is
    reused instead of starting pip-audit and the advisory server again: a
    source edit reruns bandit, not the dependency scan. Only the raw report
    is kept; ignores (and their expiry dates) are judged afresh every run.
    An online service is never memoized: it learns of new advisories while
    nothing here changes.
    """

    store: KeyedStore
    key: str

    #: One entry: the newest run replaces the last.
    NAME = "last-report"

    @classmethod
    def for_run(cls, ctx: CheckContext, requirements_file: Path) -> ScanMemo | None:
        """The memo for this dependency set; None when the service is online or under --no-cache."""
        folder = ctx.project.settings.audit.advisory_db
        if folder is None or not ctx.reuse:
            return None
        digest = hashlib.sha256(_MEMO_FORMAT.encode())
        # Comment lines are left out: uv's header names the (temporary) output path.
        lines = requirements_file.read_text(encoding="utf-8").splitlines()
        digest.update("\n".join(x for x in lines if not x.lstrip().startswith("#")).encode())
        # Imported here: yaml costs every run that has no advisory-db ~0.1 s.
        from taskbelt.checks.audit import advisories  # noqa: PLC0415

        digest.update(advisories.fingerprint(ctx.root / folder).encode())
        digest.update(pins.lock_digest("audit").encode())
        return cls(KeyedStore(ctx.cache_dir("pip-audit-memo")), digest.hexdigest())

    def get(self) -> tuple[Report, str] | None:
        """The stored report (parsed) and service label, if made from the same inputs."""
        data = self.store.get(self.NAME, self.key)
        if data is None:
            return None
        try:
            found = parse(str(data["report"])), str(data["service"])
        except (ValueError, KeyError, TypeError, AttributeError):
            return None  # damaged: pip-audit simply runs again
        LOGGER.info("pip-audit: same dependencies and advisories as last run; report reused")
        return found

    def put(self, report: str, label: str) -> None:
        """Keep ``report`` and the label of the service that wrote it."""
        self.store.put(self.NAME, self.key, {"report": report, "service": label})
