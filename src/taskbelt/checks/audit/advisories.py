"""A folder of OSV advisories, indexed by package, and which of them affect a version.

Why this exists: to audit against an offline copy of the PyPA advisory
database (one OSV file per advisory), pip-audit is pointed at an OSV server
on loopback (:mod:`.osv_server`), and pip-audit trusts whatever that server
answers: deciding which advisories affect a version is done here. No
maintained library evaluates OSV ranges against an offline folder in the
way pip-audit's OSV client expects (pip-audit itself only queries).

Parsing the ~2,700 YAML files of the PyPA snapshot takes about 2 s even
with libyaml, so the parsed index is cached as JSON (keyed by the folder's
file count, sizes and newest mtime) when a cache folder is given.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from taskbelt.errors import ConfigError
from taskbelt.output.console import LOGGER
from taskbelt.state.store import KeyedStore

ECOSYSTEM = "PyPI"
_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
#: Advisory keys served to the client; references and credits are dropped.
_SERVED_KEYS = ("schema_version", "id", "modified", "published", "aliases", "summary", "details")
#: Bump when the cached index layout changes.
_CACHE_FORMAT = 1
#: Every scalar as a string: YAML would turn ``1.10`` into 1.1 and dates into datetimes.
_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)
_FIX_DB = (
    "point [tool.taskbelt.audit] advisory-db (or TASKBELT_AUDIT__ADVISORY_DB) at a folder"
    " of OSV advisories, e.g. the vulns/ folder of github.com/pypa/advisory-database"
)


# -- matching -------------------------------------------------------------


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _in_range(events: Iterable[Mapping[str, str]], version: Version) -> bool:
    """OSV's ECOSYSTEM range rule: the last event at or below ``version`` decides.

    Events are sorted by version (``introduced: "0"`` first); ``introduced``
    opens, ``fixed`` closes at that version, ``last_affected`` closes after it.
    An event whose version packaging cannot parse is skipped.
    """
    parsed: list[tuple[Version, str]] = []
    for event in events:
        for kind, raw in event.items():
            at = _version(str(raw))
            if at is not None and kind in {"introduced", "fixed", "last_affected"}:
                parsed.append((at, kind))
    affected = False
    for at, kind in sorted(parsed, key=lambda pair: pair[0]):
        if kind == "introduced" and version >= at:
            affected = True
        elif (kind == "fixed" and version >= at) or (kind == "last_affected" and version > at):
            affected = False
    return affected


def affects(affected: Mapping[str, Any], version: str) -> bool:
    """True when one ``affected[]`` entry of an advisory covers ``version``.

    As OSV does: the explicit ``versions`` list (compared as PEP 440
    versions, so ``2.10`` equals ``2.10.0``), or any ``ECOSYSTEM`` range.
    GIT ranges name commits, which a PyPI version cannot be compared with.
    """
    wanted = _version(version)
    for listed in affected.get("versions") or []:
        other = _version(str(listed))
        if str(listed) == version or (wanted is not None and wanted == other):
            return True
    if wanted is None:
        return False
    return any(
        _in_range(r.get("events") or [], wanted)
        for r in affected.get("ranges") or []
        if r.get("type") == "ECOSYSTEM"
    )


# -- loading --------------------------------------------------------------


def _trim(advisory: Mapping[str, Any]) -> dict[str, Any]:
    """What the server answers with: PyPI entries only, names normalized.

    pip-audit takes fix versions only from entries whose package name equals
    the canonical name it asked for, so names are canonicalized here.
    """
    served = {key: advisory[key] for key in _SERVED_KEYS if key in advisory}
    served["affected"] = [
        {
            "package": {
                "ecosystem": ECOSYSTEM,
                "name": canonicalize_name(str(a["package"]["name"])),
            },
            "ranges": [r for r in a.get("ranges") or [] if r.get("type") == "ECOSYSTEM"],
            "versions": [str(v) for v in a.get("versions") or []],
        }
        for a in advisory.get("affected") or []
        if isinstance(a, Mapping)
        and isinstance(a.get("package"), Mapping)
        and a["package"].get("ecosystem") == ECOSYSTEM
        and a["package"].get("name")
    ]
    return served


def _is_advisory(data: object) -> bool:
    return isinstance(data, Mapping) and isinstance(data.get("id"), str) and "affected" in data


def _parse(path: Path) -> object:
    """One advisory file as plain data; unreadable or invalid is a ConfigError."""
    try:
        raw = path.read_bytes()
        if path.suffix == ".json":
            return json.loads(raw)
        # BaseLoader builds only str, list and dict: nothing to instantiate.
        return yaml.load(raw, Loader=_LOADER)  # noqa: S506  # nosec B506
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ConfigError(f"advisory-db: cannot read {path}: {exc}", _FIX_DB) from None


def _files(folder: Path) -> list[Path]:
    """Advisory candidates under ``folder``, hidden folders (.git, .github) left out."""
    found = []
    for top, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found += [Path(top) / n for n in sorted(names) if Path(n).suffix in _SUFFIXES]
    return found


@dataclass(frozen=True)
class AdvisoryIndex:
    """Advisories by normalized PyPI name, withdrawn ones already left out."""

    source: Path
    by_package: Mapping[str, list[dict[str, Any]]]
    count: int

    def query(self, name: str, version: str | None) -> list[dict[str, Any]]:
        """Advisories affecting ``name`` at ``version`` (all of its advisories if None)."""
        canonical = canonicalize_name(name)
        return [
            advisory
            for advisory in self.by_package.get(canonical, [])
            if version is None
            or any(
                affects(a, version)
                for a in advisory["affected"]
                if a["package"]["name"] == canonical
            )
        ]


def _build(folder: Path, files: list[Path]) -> AdvisoryIndex:
    by_package: dict[str, list[dict[str, Any]]] = {}
    count = 0
    for path in files:
        data = _parse(path)
        if not _is_advisory(data) or not isinstance(data, Mapping) or data.get("withdrawn"):
            continue
        advisory = _trim(data)
        count += 1
        for name in dict.fromkeys(a["package"]["name"] for a in advisory["affected"]):
            by_package.setdefault(name, []).append(advisory)
    return AdvisoryIndex(folder, by_package, count)


def _cache_key(folder: Path, files: list[Path]) -> str:
    """Changes when a file is added, removed, resized or touched."""
    stats = [path.stat() for path in files]
    newest = max((s.st_mtime_ns for s in stats), default=0)
    sizes = sum(s.st_size for s in stats)
    return f"{_CACHE_FORMAT}:{folder}:{len(files)}:{sizes}:{newest}"


def fingerprint(folder: Path) -> str:
    """A fingerprint of the advisory folder: changes when any advisory file changes."""
    resolved = folder.resolve()
    return _cache_key(resolved, _files(resolved))


def load(folder: Path, cache_dir: Path | None = None) -> AdvisoryIndex:
    """Load and index the OSV advisories under ``folder`` (YAML or JSON, any depth).

    Args:
        folder: the PyPA layout (``vulns/<package>/<ID>.yaml``) or a flat folder.
        cache_dir: where the parsed index is kept between runs; None parses every time.

    Raises:
        ConfigError: the folder is missing, holds no advisory, or a file is unreadable.
    """
    folder = folder.resolve()
    if not folder.is_dir():
        raise ConfigError(f"advisory-db {folder} does not exist or is not a folder", _FIX_DB)
    files = _files(folder)
    key = _cache_key(folder, files)
    store = KeyedStore(cache_dir) if cache_dir is not None else None
    name = f"advisories-{hashlib.sha256(str(folder).encode()).hexdigest()[:12]}"
    cached = store.get(name, key) if store is not None else None
    if cached is not None:
        try:
            return AdvisoryIndex(folder, dict(cached["by_package"]), int(cached["count"]))
        except (KeyError, TypeError, ValueError):
            LOGGER.info("advisory index cache %s unusable; parsing the folder again", name)
    index = _build(folder, files)
    if index.count == 0:
        raise ConfigError(
            f"advisory-db {folder} holds no advisories (OSV *.yaml or *.json)", _FIX_DB
        )
    if store is not None:
        store.put(name, key, {"count": index.count, "by_package": index.by_package}, compact=True)
    return index
