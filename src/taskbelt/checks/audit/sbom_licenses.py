"""The licences of the audited dependency set, read from the packages themselves.

uv's CycloneDX export (and cyclonedx-py's SBOM of a requirements file) name
each package, its version and its files' hashes, but no licence: a licence
is in a package's metadata (PEP 639 ``License-Expression``, else ``License``
and the trove classifiers), which only the distribution holds. So the set
is installed, without dependencies, into throwaway environments, one per
layer (:func:`taskbelt.checks.audit.source.layered`: a package pinned at two
versions gets two), and cyclonedx-py (``environment``, from cyclonedx-bom,
the CycloneDX project's own generator, pinned in the audit tool group)
reads each package's licence there. It maps classifiers and free text to
SPDX identifiers where that is unambiguous and keeps the text as a name
where it is not ("Apache Software License" names no version).

Each pin is installed for an environment its marker selects (a
Windows-only pin for Windows, an old-Python pin for that Python, through
uv's ``--python-platform`` and ``--python-version``), so no pin is left out
because this machine is not its platform. A pin that cannot be installed
here keeps no licence, and the reason is returned with it.

Nothing installed is ever imported: before the environment's Python starts
(cyclonedx-py asks it for its ``sys.path``), the ``.pth`` files and
``sitecustomize`` / ``usercustomize`` modules a package may carry are removed,
so no dependency's code runs during the audit.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name

from taskbelt import proc
from taskbelt.checks.audit import source
from taskbelt.checks.base import CheckContext
from taskbelt.errors import ToolError
from taskbelt.tools.hashed_requirements import Entry
from taskbelt.tools.venvs import UV_TIMEOUT

#: The Pythons a pin's marker may select, newest first, tried after this one.
_PYTHONS = ("3.14", "3.13", "3.12", "3.11", "3.10", "3.9", "3.8", "3.7")
#: uv's ``--python-platform`` and the markers that platform sets; None: this machine.
_PLATFORMS: dict[str | None, dict[str, str]] = {
    None: {},
    "linux": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix"},
    "windows": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt"},
    "macos": {"sys_platform": "darwin", "platform_system": "Darwin", "os_name": "posix"},
}
#: What a package may carry that Python runs at start-up.
_STARTUP = ("*.pth", "sitecustomize.py", "usercustomize.py", "sitecustomize", "usercustomize")
_GENERATOR_TIMEOUT = 300.0

#: A package by canonical name and version.
Key = tuple[str, str]


@dataclass(frozen=True)
class Target:
    """An environment a pin is installed for: a platform (None: here) and a Python."""

    platform: str | None
    python: str

    def markers(self) -> dict[str, str]:
        """The marker values this target sets over this machine's."""
        return {
            **_PLATFORMS[self.platform],
            "python_version": self.python,
            "python_full_version": f"{self.python}.0",
        }

    def argv(self) -> list[str]:
        """uv's options that install for this target."""
        chosen = ["--python-version", self.python]
        return chosen if self.platform is None else [*chosen, "--python-platform", self.platform]

    @property
    def tag(self) -> str:
        """A file-name-safe label."""
        return f"{self.platform or 'here'}-{self.python}"


def targets() -> list[Target]:
    """The targets in the order a marker is tried against: this machine and Python first."""
    here = f"{sys.version_info.major}.{sys.version_info.minor}"
    pythons = [here, *(v for v in _PYTHONS if v != here)]
    return [Target(platform, version) for platform in _PLATFORMS for version in pythons]


def target_for(entry: Entry, candidates: Sequence[Target]) -> Target:
    """The first target whose environment the pin's marker selects (else the first)."""
    req = entry.requirement
    marker: Marker | None = None if req is None else req.marker
    if marker is None:
        return candidates[0]
    for target in candidates:
        if marker.evaluate(target.markers()):
            return target
    return candidates[0]


@dataclass
class Licences:
    """What was found: each package's CycloneDX ``licenses``, and why some have none."""

    found: dict[Key, list[dict[str, object]]] = field(default_factory=dict)
    #: Packages that could not be installed here, with uv's reason.
    missing: dict[Key, str] = field(default_factory=dict)


def key_of(name: str, version: str) -> Key:
    """The key of a package's licences."""
    return str(canonicalize_name(name)), version


def gather(ctx: CheckContext, requirements_file: Path, folder: Path) -> Licences:
    """Install the set under ``folder`` and read every package's licence."""
    _others, pins = source.layered(requirements_file)
    candidates = targets()
    licences = Licences()
    for layer in sorted({number for number, _entry in pins}):
        env = folder / f"licences-{layer}"
        _run(ctx, ["uv", "venv", "--quiet", "--python", sys.executable, str(env)])
        python = env / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
        groups: dict[Target, list[Entry]] = {}
        for number, entry in pins:
            if number == layer:
                groups.setdefault(target_for(entry, candidates), []).append(entry)
        for target, entries in groups.items():
            stem = folder / f"{layer}-{target.tag}"
            licences.missing.update(_install(ctx, python, target, entries, stem))
        _defuse(env)
        licences.found.update(_read(ctx, env, folder / f"licences-{layer}.cdx.json"))
    return licences


def _run(ctx: CheckContext, argv: Sequence[str], env: Mapping[str, str] | None = None) -> None:
    proc.run(argv, cwd=ctx.root, env=ctx.env(**(env or {})), timeout=UV_TIMEOUT)


def _install(
    ctx: CheckContext, python: Path, target: Target, entries: Sequence[Entry], stem: Path
) -> dict[Key, str]:
    """Install ``entries`` for ``target``, one by one when together they fail: what failed, why."""
    argv = ["uv", "pip", "install", "--quiet", "--no-deps", "--require-hashes"]
    argv += ["--python", str(python), *target.argv()]

    def install(batch: Sequence[Entry], name: str) -> proc.Completed:
        listed = stem.with_name(f"{stem.name}-{name}.txt")
        listed.write_text("".join(f"{e.without_marker()}\n" for e in batch), encoding="utf-8")
        return proc.run(
            [*argv, "-r", str(listed)], cwd=ctx.root, env=ctx.env(), timeout=UV_TIMEOUT, ok=None
        )

    missing: dict[Key, str] = {}
    if len(entries) > 1 and install(entries, "all").returncode == 0:
        return missing
    for number, entry in enumerate(entries):
        done = install([entry], str(number))
        req = entry.requirement
        if done.returncode == 0 or req is None:
            continue
        version = next(iter(req.specifier)).version if req.specifier else str(req.url)
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"uv exited with status {done.returncode}"
        missing[key_of(req.name, version)] = reason
    return missing


def _defuse(env: Path) -> None:
    """Remove what Python would run at start-up from the packages installed in ``env``."""
    for site in env.glob("lib*/**/site-packages"):
        for pattern in _STARTUP:
            for path in site.glob(pattern):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path)
                else:
                    path.unlink()


def failed(cause: str, done: proc.Completed) -> ToolError:
    """The error of a generator that wrote no SBOM, with its output."""
    return ToolError(
        cause,
        "run with -v to see its command; its output is below",
        returncode=done.returncode,
        output=done.output,
    )


def _read(ctx: CheckContext, env: Path, out: Path) -> dict[Key, list[dict[str, object]]]:
    """cyclonedx-py's licences of the packages installed in ``env``."""
    argv = ["cyclonedx-py", "environment", str(env), "--sv", "1.5", "--output-reproducible"]
    argv += ["--no-validate", "-o", str(out)]
    done = ctx.run(argv, timeout=_GENERATOR_TIMEOUT)
    try:
        bom = json.loads(out.read_text(encoding="utf-8")) if done.returncode == 0 else None
    except (OSError, ValueError):
        bom = None
    if not isinstance(bom, dict):
        raise failed("cyclonedx-py could not read the licences of the installed dependencies", done)
    found: dict[Key, list[dict[str, object]]] = {}
    for component in bom.get("components", []):
        name, version = component.get("name"), component.get("version")
        if isinstance(name, str) and isinstance(version, str):
            found[key_of(name, version)] = list(component.get("licenses", []))
    return found
