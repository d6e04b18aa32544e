"""The audit's software bill of materials: ``reports/sbom.cdx.json``, CycloneDX 1.5 JSON.

It describes exactly the set pip-audit audits (:mod:`.source`): the runtime
dependencies plus ``[tool.taskbelt.audit] groups``, every platform's and
every Python's pins.

- With ``uv.lock`` the document is uv's own
  (``uv export --preview-features sbom-export --format cyclonedx1.5``): a
  package URL per package, the SHA-256 of each of its files, the dependency
  graph and the markers as properties.
- Without it, the set resolved from ``pyproject.toml`` (hashed) goes through
  cyclonedx-py ``requirements`` (cyclonedx-bom, the CycloneDX project's
  maintained generator): package URLs and hashes, no graph.

Neither names licences; :mod:`.sbom_licenses` reads them from the packages
and they are added to the components. A package whose licence could not be
read says why, in the property ``taskbelt:licenses``.

The document is reproducible: its ``serialNumber`` is a name-based UUID of
its content and its timestamp is ``SOURCE_DATE_EPOCH``, else HEAD's commit
time, so the same set at the same commit gives the same bytes. The
document without that stamp is kept (the state folder's ``cache/sbom``,
keyed by the set and the generators' versions), so a run whose dependencies
did not change installs nothing. A generator that fails is ``error``, and the
last run's file is removed: never a missing or stale SBOM passed silently.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from taskbelt import proc
from taskbelt.checks.audit import licence_verdict, sbom_licenses
from taskbelt.checks.audit import source as dependency_source
from taskbelt.checks.audit.verdict import SOURCE_LOCKED
from taskbelt.checks.base import CheckContext, guarded
from taskbelt.environments import create
from taskbelt.errors import ToolError
from taskbelt.files import write_atomic
from taskbelt.output.words import plural, some_of
from taskbelt.results import CheckResult, Status
from taskbelt.settings.licences import LicencePolicy
from taskbelt.state.store import KeyedStore
from taskbelt.tools import pins
from taskbelt.tools.venvs import UV_TIMEOUT

NAME = "sbom"
SBOM_FILE = "sbom.cdx.json"
#: The property that says why a component has no licence.
WHY_NO_LICENCE = "taskbelt:licenses"
#: Bump when what the kept document is made of changes.
_MEMO_FORMAT = "taskbelt-sbom-1"
_MEMO_ENTRY = "last-sbom"
#: Failing packages named in the summary.
_SHOWN = 3
_FIX_LICENCE = (
    "fix: replace the dependency, allow its licence in [tool.taskbelt.audit] licenses, or say"
    ' which licence a package with an unknown one carries: licenses.packages = { name = "MIT" }'
)


def scan(ctx: CheckContext) -> CheckResult:
    """Write the SBOM of the audited set; ``error`` (and no file) when it cannot be made."""
    target = ctx.project.reports_dir / SBOM_FILE
    result = guarded(NAME, lambda: _scan(ctx, target))
    if result.status is Status.ERROR:
        target.unlink(missing_ok=True)
    return result


def _scan(ctx: CheckContext, target: Path) -> CheckResult:
    started = time.perf_counter()
    settings = ctx.project.settings.audit
    with tempfile.TemporaryDirectory(prefix="taskbelt-sbom-") as tmp:
        folder = Path(tmp)
        reqs = folder / "requirements.txt"
        source = dependency_source.requirements(ctx.project, settings, reqs)
        locked = source == SOURCE_LOCKED
        store, key = KeyedStore(ctx.cache_dir("sbom")), _memo_key(ctx, reqs, locked)
        kept = store.get(_MEMO_ENTRY, key) if ctx.reuse else None
        bom = kept.get("bom") if kept is not None else None
        reused = isinstance(bom, dict)
        if not isinstance(bom, dict):
            bom = with_licences(
                _components(ctx, reqs, folder, locked),
                sbom_licenses.gather(ctx, reqs, folder),
            )
            store.put(_MEMO_ENTRY, key, {"bom": bom})
    document = stamped(bom, _epoch(ctx))
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    listed = licences_of(document)
    summary = f"SBOM of {plural(len(listed), 'package')}"
    details: dict[str, Any] = {
        "file": ctx.project.relative(target),
        "source": source,
        "components": len(listed),
        "licenses": listed,
        "reused_sbom": reused,
    }
    policy = settings.licenses
    if policy is None:
        unknown = sorted(name for name, found in listed.items() if not found)
        if unknown:
            summary += f", {len(unknown)} without a known licence"
        output = "".join(f"no licence found: {name}\n" for name in unknown)
        status = Status.PASSED
    else:
        status, summary, output = _judged(policy, document["components"], summary, details)
    return CheckResult(NAME, status, time.perf_counter() - started, summary, output, details)


def _judged(
    policy: LicencePolicy, components: list[dict[str, Any]], summary: str, details: dict[str, Any]
) -> tuple[Status, str, str]:
    """The licence policy's verdict: status, summary and output; ``details`` gets ``policy``."""
    judged = licence_verdict.judge(policy, components)
    # denied ones first: a known licence not allowed says more than one not known
    failing = sorted((j for j in judged if j.verdict != "allowed"), key=lambda j: j.verdict)
    details["policy"] = {
        "allow": policy.allow,
        "deny": policy.deny,
        "packages": policy.packages,
        "verdicts": {f"{j.package} {j.version}": j.verdict for j in judged},
        "failures": [j.to_json() for j in failing],
    }
    lines = [j.line for j in failing]
    if failing:
        lines.append(_FIX_LICENCE)
    lines += [
        f"note: licenses.packages names {name}, which is no dependency"
        for name in licence_verdict.unused(policy, components)
    ]
    output = "".join(f"{line}\n" for line in lines)
    if not failing:
        return Status.PASSED, f"{summary}, every licence allowed", output
    shown = some_of(
        [
            f"{j.package} {j.version} ({' AND '.join(j.why) if j.verdict == 'denied' else 'unknown'})"
            for j in failing
        ],
        _SHOWN,
    )
    count = f"{len(failing)} {'dependency' if len(failing) == 1 else 'dependencies'}"
    return Status.FAILED, f"{summary}; {count} with a licence not allowed: {shown}", output


def _memo_key(ctx: CheckContext, reqs: Path, locked: bool) -> str:
    digest = hashlib.sha256(f"{_MEMO_FORMAT}\n{locked}\n".encode())
    # Comment lines are left out: uv's header names the (temporary) output path.
    lines = reqs.read_text(encoding="utf-8").splitlines()
    digest.update("\n".join(x for x in lines if not x.lstrip().startswith("#")).encode())
    digest.update(pins.lock_digest("audit").encode())
    uv = proc.run(["uv", "--version"], env=ctx.env(), timeout=UV_TIMEOUT)
    digest.update(uv.stdout.encode())
    return digest.hexdigest()


def _components(ctx: CheckContext, reqs: Path, folder: Path, locked: bool) -> dict[str, Any]:
    """The set's CycloneDX document without licences, from uv or cyclonedx-py."""
    out = folder / "components.cdx.json"
    if locked:
        create.export_locked(ctx.project, out, groups=ctx.project.settings.audit.groups, sbom=True)
        maker = "uv export"
    else:
        argv = ["cyclonedx-py", "requirements", str(reqs), "--sv", "1.5"]
        argv += ["--output-reproducible", "--no-validate", "-o", str(out)]
        project = ctx.project.data.get("project")
        if isinstance(project, dict) and "name" in project:
            # the root component: name, version, licence, URLs (PEP 621 only)
            argv += ["--pyproject", str(ctx.root / "pyproject.toml"), "--mc-type", "library"]
        done = ctx.run(argv, timeout=UV_TIMEOUT)
        if done.returncode != 0:
            cause = "cyclonedx-py could not write the SBOM of the resolved dependencies"
            raise sbom_licenses.failed(cause, done)
        maker = "cyclonedx-py requirements"
    try:
        bom = json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ToolError(f"{maker} wrote no readable SBOM: {exc}") from exc
    if not isinstance(bom, dict) or not isinstance(bom.get("components", []), list):
        raise ToolError(f"{maker} wrote an SBOM without a list of components")
    return bom


def with_licences(bom: dict[str, Any], found: sbom_licenses.Licences) -> dict[str, Any]:
    """``bom`` with each component's licences, or the reason it has none."""
    components = []
    for given in bom.get("components", []):
        named = sbom_licenses.key_of(str(given.get("name")), str(given.get("version")))
        licences = found.found.get(named)
        component = {k: v for k, v in given.items() if k != "licenses"}
        if licences:
            component["licenses"] = licences
        else:
            why = _why_no_licence(named, found)
            properties = [*component.get("properties", []), {"name": WHY_NO_LICENCE, "value": why}]
            component["properties"] = properties
        components.append(component)
    return {**bom, "components": components}


def _why_no_licence(named: sbom_licenses.Key, found: sbom_licenses.Licences) -> str:
    if named in found.missing:
        return f"not installable here: {found.missing[named]}"
    if named in found.found:
        return "its metadata declares none"
    return "not installed to be read (not a pinned package index requirement)"


def stamped(bom: dict[str, Any], epoch: int | None) -> dict[str, Any]:
    """``bom`` with a serial number made from its content and the timestamp ``epoch``."""
    metadata = {k: v for k, v in bom.get("metadata", {}).items() if k != "timestamp"}
    if epoch is not None:
        when = dt.datetime.fromtimestamp(epoch, dt.UTC)
        metadata = {"timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"), **metadata}
    content = {k: v for k, v in bom.items() if k not in ("serialNumber", "metadata")}
    content["metadata"] = metadata
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"))
    serial = uuid.uuid5(
        uuid.NAMESPACE_URL, f"urn:sha256:{hashlib.sha256(canonical.encode()).hexdigest()}"
    )
    head: dict[str, Any] = {k: bom[k] for k in ("bomFormat", "specVersion") if k in bom}
    return {**head, "serialNumber": serial.urn, **content}


def _epoch(ctx: CheckContext) -> int | None:
    """SOURCE_DATE_EPOCH, else HEAD's commit time, else None (no timestamp)."""
    raw = ctx.base_env.get("SOURCE_DATE_EPOCH", "").strip()
    if raw.isdigit():
        return int(raw)
    done = proc.run(
        ["git", "log", "-1", "--format=%ct", "HEAD"], cwd=ctx.root, env=ctx.env(), ok=None
    )
    text = done.stdout.strip()
    return int(text) if done.returncode == 0 and text.isdigit() else None


def licences_of(bom: dict[str, Any]) -> dict[str, list[str]]:
    """Each component (``name version``) with its licences as SPDX ids, expressions or words."""
    return {
        f"{c.get('name')} {c.get('version')}": licence_verdict.listed(c)
        for c in bom.get("components", [])
    }
