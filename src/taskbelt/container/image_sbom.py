"""The image's bill of materials: CycloneDX 1.5 JSON of one platform's image.

It lists what the image's layers hold (:mod:`.image_contents`): each
Debian package (``pkg:deb/<distro>/<name>@<version>?arch=...&distro=...``)
and each Python package (``pkg:pypi/...``) with the licences its metadata
declares (an SPDX expression where it declares one or its words parse as
one, else the words). A Python package that ``uv.lock`` pins carries the
lock's SHA-256 of its files, as the audit's SBOM does (uv's own export).
The document's subject is the image (``metadata.component``, type
``container``, by manifest digest); the project is a component of type
``application``.

Every byte follows from the image and the lock: components are sorted, the
timestamp is ``SOURCE_DATE_EPOCH`` and the serial number is derived from the
content (:func:`taskbelt.checks.audit.sbom.stamped`), so two builds of the
same inputs write the same SBOM, which ``--verify`` checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from packaging.utils import canonicalize_name

from taskbelt import __version__
from taskbelt.checks.audit.sbom import stamped
from taskbelt.container.image_contents import Contents, DebianPackage, PythonPackage
from taskbelt.settings import spdx

#: The component properties taskbelt adds.
WHERE = "taskbelt:path"


def document(
    contents: Contents,
    *,
    image: Mapping[str, str],
    project: str,
    locked: Mapping[tuple[str, str], Mapping[str, Any]],
    epoch: int,
) -> dict[str, Any]:
    """The SBOM of one platform's image.

    Args:
        contents: what its layers hold.
        image: ``name`` (the project's), ``digest`` (its manifest's) and ``platform``.
        project: the project's name; its own package is the application.
        locked: uv's CycloneDX components of the lock, by (canonical name, version).
        epoch: SOURCE_DATE_EPOCH.
    """
    distro, distro_version = contents.distro
    components = [_debian(p, distro, distro_version) for p in contents.debian]
    own = str(canonicalize_name(project))
    for package in contents.python:
        key = (str(canonicalize_name(package.name)), package.version)
        components.append(_python(package, locked.get(key), application=key[0] == own))
    if distro:
        os_component = {"type": "operating-system", "name": distro, "version": distro_version}
        components.append({"bom-ref": f"os:{distro}@{distro_version}", **os_component})
    components.sort(key=lambda c: (str(c["type"]), str(c["name"]), str(c.get("version", ""))))
    bom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "metadata": {
            "tools": [{"vendor": "taskbelt", "name": "taskbelt", "version": __version__}],
            "component": {
                "type": "container",
                "bom-ref": image["digest"],
                "name": image["name"],
                "version": image["digest"],
                "properties": [{"name": "taskbelt:platform", "value": image["platform"]}],
            },
        },
        "components": components,
    }
    return stamped(bom, epoch)


def _debian(package: DebianPackage, distro: str, version: str) -> dict[str, Any]:
    qualifiers = [f"arch={package.architecture}"] if package.architecture else []
    if distro:
        qualifiers.append(f"distro={distro}-{version}" if version else f"distro={distro}")
    if package.source != package.name:
        qualifiers.append(f"upstream={quote(package.source, safe='')}")
    purl = f"pkg:deb/{distro or 'debian'}/{quote(package.name, safe='')}@{quote(package.version, safe='')}"
    purl += f"?{'&'.join(sorted(qualifiers))}" if qualifiers else ""
    return {
        "type": "library",
        "bom-ref": purl,
        "name": package.name,
        "version": package.version,
        "purl": purl,
    }


def _python(
    package: PythonPackage, locked: Mapping[str, Any] | None, *, application: bool
) -> dict[str, Any]:
    name = str(canonicalize_name(package.name))
    purl = f"pkg:pypi/{name}@{quote(package.version, safe='')}"
    component: dict[str, Any] = {
        "type": "application" if application else "library",
        "bom-ref": f"{purl}#{package.path}",
        "name": name,
        "version": package.version,
        "purl": purl,
    }
    licences = licences_of(package)
    if licences:
        component["licenses"] = licences
    if locked is not None and locked.get("externalReferences"):
        component["externalReferences"] = locked["externalReferences"]
    component["properties"] = [{"name": WHERE, "value": package.path}]
    return component


def licences_of(package: PythonPackage) -> list[dict[str, Any]]:
    """The package's licences as CycloneDX entries: an SPDX expression, else its words."""
    texts = [package.expression] if package.expression else list(package.words)
    found: list[dict[str, Any]] = []
    for text in texts:
        try:
            expression = spdx.parse(text)
        except spdx.NotSpdx:
            found.append({"license": {"name": text}})
            continue
        if spdx.is_single(expression) and " WITH " not in str(expression):
            found.append({"license": {"id": str(expression)}})
        else:
            found.append({"expression": str(expression)})
        if not package.expression:
            break  # the License field named an SPDX licence: the classifiers add nothing
    return found
