"""The dependency set the audit looks at: every platform's and every Python's pins.

``uv export`` (and ``uv pip compile --universal`` without a lock) write one
universal set: a pin may carry an environment marker
(``requests==2.19.1 ; sys_platform == 'win32'``), and one package may be
pinned at two versions for two Pythons. pip-audit evaluates markers against
the interpreter it runs on and silently drops what does not match, so a
Windows-only or an old-Python-only dependency was never audited ("no known
vulnerabilities in 0 deps"). Here every marker is dropped, and the set is
cut into *layers*: layer ``n`` holds the ``n``-th version of each package, so
no layer names a package twice (pip-audit refuses that) and every pin is in
exactly one layer. Most projects have one layer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from taskbelt.checks.audit.verdict import SOURCE_LOCKED, SOURCE_RESOLVED
from taskbelt.environments import create
from taskbelt.repository.project import Project
from taskbelt.settings.model import AuditSettings
from taskbelt.tools import hashed_requirements


def requirements(project: Project, settings: AuditSettings, out: Path) -> str:
    """Write the universal dependency set to audit into ``out``; return where it came from."""
    if project.lock is not None:
        create.export_locked(project, out, groups=settings.groups)
        return SOURCE_LOCKED
    create.compile_unlocked(project, out, groups=settings.groups)
    return SOURCE_RESOLVED


@dataclass(frozen=True)
class Layers:
    """The audit set written as marker-free requirements files."""

    files: tuple[Path, ...]
    #: Distinct ``(name, pinned specifier)`` pairs across all layers.
    pins: int


def write_layers(requirements_file: Path, folder: Path) -> Layers:
    """Cut ``requirements_file`` into marker-free layers in ``folder``.

    Lines that are not requirements (``-e ./pkg``, an option) go into the
    first layer unchanged: pip-audit reports what it cannot audit there, and
    that is an error, never a silent skip.
    """
    layers: list[list[str]] = [[]]
    versions: dict[str, list[str]] = {}
    for entry in hashed_requirements.entries(requirements_file.read_text(encoding="utf-8")):
        req = entry.requirement
        if req is None or entry.name is None:
            layers[0].append(entry.text)
            continue
        seen = versions.setdefault(entry.name, [])
        pinned = str(req.specifier) or str(req.url)
        if pinned in seen:
            continue  # the same pin under two markers is audited once
        seen.append(pinned)
        if len(seen) > len(layers):
            layers.append([])
        layers[len(seen) - 1].append(entry.without_marker())
    files = []
    for number, texts in enumerate(layers):
        path = folder / f"layer-{number}.txt"
        path.write_text("".join(f"{text}\n" for text in texts), encoding="utf-8")
        files.append(path)
    return Layers(tuple(files), sum(len(pins) for pins in versions.values()))
