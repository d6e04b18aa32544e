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
from taskbelt.tools.hashed_requirements import Entry


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


def layered(requirements_file: Path) -> tuple[list[str], list[tuple[int, Entry]]]:
    """The set's lines that are not requirements, and each distinct pin with its layer.

    A pin's layer is the how-manyth version of its package it is (from 0);
    the same pin under two markers is listed once, with its first marker.
    """
    others: list[str] = []
    pins: list[tuple[int, Entry]] = []
    versions: dict[str, list[str]] = {}
    for entry in hashed_requirements.entries(requirements_file.read_text(encoding="utf-8")):
        req = entry.requirement
        if req is None or entry.name is None:
            others.append(entry.text)
            continue
        seen = versions.setdefault(entry.name, [])
        pinned = str(req.specifier) or str(req.url)
        if pinned in seen:
            continue
        seen.append(pinned)
        pins.append((len(seen) - 1, entry))
    return others, pins


def write_layers(requirements_file: Path, folder: Path) -> Layers:
    """Cut ``requirements_file`` into marker-free layers in ``folder``.

    Lines that are not requirements (``-e ./pkg``, an option) go into the
    first layer unchanged: pip-audit reports what it cannot audit there, and
    that is an error, never a silent skip.
    """
    others, pins = layered(requirements_file)
    layers: list[list[str]] = [[]]
    for number, entry in pins:
        if number == len(layers):
            layers.append([])
        layers[number].append(entry.without_marker())
    layers[0] += others
    files = []
    for number, texts in enumerate(layers):
        path = folder / f"layer-{number}.txt"
        path.write_text("".join(f"{text}\n" for text in texts), encoding="utf-8")
        files.append(path)
    return Layers(tuple(files), len(pins))
