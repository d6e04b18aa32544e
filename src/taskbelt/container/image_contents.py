"""What an image holds, read from its layers: Debian packages, Python packages, the OS.

The layers are read in order, as a container runtime stacks them (a later
file replaces an earlier one, a ``.wh.`` whiteout removes it), never
unpacked. Three kinds of file are kept:

- dpkg's database: ``var/lib/dpkg/status`` (and the ``status.d/`` files
  distroless images keep instead), each package stanza read by the standard
  library's RFC 822 parser (a deb822 stanza is RFC 822 headers); only
  packages whose status ends in ``installed`` count;
- Python packages' metadata: ``site-packages/*.dist-info/METADATA``, read
  by packaging's core-metadata parser (``dist-packages`` belongs to dpkg,
  whose packages are listed as Debian packages);
- ``etc/os-release`` (or ``usr/lib/os-release``): the distribution's id and
  version, for the Debian packages' package URLs.

This is the one place taskbelt looks into an image's files itself: neither
skopeo nor umoci lists packages, and syft and trivy are not installable here.
"""

from __future__ import annotations

import email.parser
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.metadata import parse_email

from taskbelt.container import layers

_STATUS = re.compile(r"^var/lib/dpkg/(status|status\.d/[^/]+)$")
_METADATA = re.compile(r"^(?:.*/)?site-packages/[^/]+\.dist-info/METADATA$")
_OS_RELEASE = ("etc/os-release", "usr/lib/os-release")
#: A dist-info's METADATA larger than this is read only this far (its headers come first).
_METADATA_LIMIT = 1 << 20


@dataclass(frozen=True)
class DebianPackage:
    """One installed dpkg package."""

    name: str
    version: str
    architecture: str
    source: str


@dataclass(frozen=True)
class PythonPackage:
    """One installed Python distribution and the licences its metadata declares."""

    name: str
    version: str
    path: str
    #: PEP 639 ``License-Expression``, if any.
    expression: str | None
    #: The ``License`` field's first line, and the trove classifiers' licence names.
    words: tuple[str, ...]


@dataclass(frozen=True)
class Contents:
    """An image's packages and its distribution."""

    debian: tuple[DebianPackage, ...]
    python: tuple[PythonPackage, ...]
    #: ``os-release``'s ID and VERSION_ID (``debian``, ``12``); empty when absent.
    distro: tuple[str, str]


def read(blobs: Iterable[tuple[Path, str]]) -> Contents:
    """Read the image whose layers are ``blobs`` (path, media type), lowest first."""
    kept: dict[str, bytes] = {}
    for path, media in blobs:
        with layers.open_layer(path, media) as tar:
            for info in tar:
                name = info.name.removeprefix("./").strip("/")
                base = PurePosixPath(name).name
                if base.startswith(".wh."):
                    gone = str(PurePosixPath(name).parent / base[4:])
                    for key in [k for k in kept if k == gone or k.startswith(f"{gone}/")]:
                        del kept[key]
                    continue
                wanted = _STATUS.match(name) or _METADATA.match(name) or name in _OS_RELEASE
                if not wanted:
                    continue
                handle = tar.extractfile(info) if info.isfile() else None
                if handle is None:
                    kept.pop(name, None)
                    continue
                kept[name] = handle.read(_METADATA_LIMIT)
    return Contents(
        tuple(sorted(_debian(kept), key=lambda p: (p.name, p.version, p.architecture))),
        tuple(sorted(_python(kept), key=lambda p: (p.name, p.version, p.path))),
        _distro(kept),
    )


def _debian(kept: dict[str, bytes]) -> list[DebianPackage]:
    found: dict[tuple[str, str], DebianPackage] = {}
    parser = email.parser.HeaderParser()
    for name in sorted(kept):
        if not _STATUS.match(name):
            continue
        text = kept[name].decode("utf-8", "replace")
        for stanza in re.split(r"\n\s*\n", text):
            if not stanza.strip():
                continue
            fields = parser.parsestr(stanza.strip() + "\n")
            status = str(fields.get("Status", "install ok installed"))
            package, version = fields.get("Package"), fields.get("Version")
            if not package or not version or not status.endswith(" installed"):
                continue
            arch = str(fields.get("Architecture", ""))
            source = str(fields.get("Source", package)).split(" ", 1)[0]
            found[str(package), arch] = DebianPackage(str(package), str(version), arch, source)
    return list(found.values())


def _python(kept: dict[str, bytes]) -> list[PythonPackage]:
    found = []
    for name in sorted(kept):
        if not _METADATA.match(name):
            continue
        raw, _unparsed = parse_email(kept[name])
        if "name" not in raw or "version" not in raw:
            continue
        words = []
        licence = (raw.get("license") or "").strip().splitlines()
        if licence and len(licence[0]) <= 80:  # noqa: PLR2004 a name, not a licence's text
            words.append(licence[0].strip())
        words += [c for c in raw.get("classifiers", []) if c.startswith("License ::")]
        found.append(
            PythonPackage(
                raw["name"],
                raw["version"],
                str(PurePosixPath(name).parent),
                raw.get("license_expression"),
                tuple(dict.fromkeys(words)),
            )
        )
    return found


def _distro(kept: dict[str, bytes]) -> tuple[str, str]:
    for name in _OS_RELEASE:
        if name in kept:
            fields = dict(
                line.split("=", 1) for line in kept[name].decode().splitlines() if "=" in line
            )
            return fields.get("ID", "").strip('"'), fields.get("VERSION_ID", "").strip('"')
    return "", ""
