"""Where pip-audit looks advisories up: an offline folder served on loopback, an OSV URL, or PyPI.

``[tool.taskbelt.audit] advisory-db`` wins over ``osv-url`` (CI sets the
database through the environment); with neither, pip-audit's default online
service (PyPI's vulnerability data).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from taskbelt.checks.base import CheckContext


@dataclass(frozen=True)
class Service:
    """Where pip-audit looks advisories up, as flags and a label."""

    flags: tuple[str, ...]
    label: str
    env: Mapping[str, str]


def _no_proxy(ctx: CheckContext) -> dict[str, str]:
    """Keep any configured HTTP proxy away from the loopback advisory server."""
    current = ctx.base_env.get("NO_PROXY") or ctx.base_env.get("no_proxy") or ""
    value = ",".join(p for p in (current, "127.0.0.1", "localhost") if p)
    return {"NO_PROXY": value, "no_proxy": value}


@contextmanager
def service(ctx: CheckContext) -> Iterator[Service]:
    """The vulnerability service for this run; an advisory-db is served while open.

    ``advisory-db`` wins over ``osv-url`` (CI sets the database through the
    environment); with neither, pip-audit's default online service (PyPI).
    """
    settings = ctx.project.settings.audit
    if settings.advisory_db is not None:
        folder = ctx.root / settings.advisory_db
        # Imported here: yaml and http.server cost every run ~0.1 s otherwise.
        from taskbelt.checks.audit import advisories, osv_server  # noqa: PLC0415

        index = advisories.load(folder, ctx.cache_dir("auditdb"))
        with osv_server.serve(index) as url:
            label = f"advisory-db {index.source} ({index.count} advisories)"
            yield Service(
                ("--vulnerability-service", "osv", "--osv-url", url), label, _no_proxy(ctx)
            )
    elif settings.osv_url:
        flags = ("--vulnerability-service", "osv", "--osv-url", settings.osv_url)
        yield Service(flags, f"OSV at {settings.osv_url}", {})
    else:
        yield Service(("--vulnerability-service", "pypi"), "PyPI (online)", {})
