"""The SBOM and the provenance of each platform's image, attached as its referrers.

Run by the build after the images are written, for either backend: the SBOM
is read from the layers as they are in the layout being written, so it
describes what the image holds, whoever put it there.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from taskbelt.container import image_contents, image_sbom, oci, provenance, referrers
from taskbelt.container.deps import run_uv
from taskbelt.container.inputs import ProjectInfo
from taskbelt.settings.container import ContainerSettings
from taskbelt.settings.image_reference import BaseRef

Locked = dict[tuple[str, str], dict[str, Any]]


def attach_all(
    writer: oci.LayoutWriter,
    images: Sequence[Mapping[str, Any]],
    *,
    info: ProjectInfo,
    settings: ContainerSettings,
    ref: BaseRef,
    epoch: int,
    env: Mapping[str, str],
) -> list[dict[str, Any]]:
    """Attach an SBOM and a provenance statement to each image manifest in ``images``.

    Returns the index.json entries of the artifacts and referrers indexes.
    """
    locked = _locked(info.root, writer.tmp, env)
    lock_digest = oci.sha256_file(info.root / "uv.lock")
    created = oci.rfc3339(epoch)
    entries: list[dict[str, Any]] = []
    for desc in images:
        manifest = _json(writer, str(desc["digest"]))
        config = _json(writer, str(manifest["config"]["digest"]))
        platform = oci.platform_text(
            {k: str(config.get(k, "")) for k in ("os", "architecture", "variant")}
        )
        image = {"name": info.name, "digest": str(desc["digest"]), "platform": platform}
        blobs = [
            (_blob(writer, str(layer["digest"])), str(layer["mediaType"]))
            for layer in manifest["layers"]
        ]
        contents = image_contents.read(blobs)
        sbom = image_sbom.document(
            contents, image=image, project=info.name, locked=locked, epoch=epoch
        )
        parameters = {
            "platform": platform,
            "settings": settings.model_dump(mode="json", exclude={"output"}),
        }
        statement = provenance.statement(
            image=image,
            parameters=parameters,
            revision=info.revision,
            lock_digest=lock_digest,
            base={"ref": ref.raw, "digest": ref.digest},
            epoch=epoch,
        )
        artifacts = [
            referrers.attach(writer, desc, referrers.SBOM, sbom, created),
            referrers.attach(writer, desc, referrers.PROVENANCE, statement, created),
        ]
        entries += [*artifacts, referrers.index_for(writer, desc, artifacts)]
    return entries


def _blob(writer: oci.LayoutWriter, digest: str) -> Path:
    return writer.blobs / digest.split(":", 1)[1]


def _json(writer: oci.LayoutWriter, digest: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(_blob(writer, digest).read_bytes())
    return data


def _locked(root: Path, work: Path, env: Mapping[str, str]) -> Locked:
    """uv's CycloneDX components of the locked runtime set, by (canonical name, version)."""
    out = work.parent / f".{work.name}.lock.cdx.json"
    argv = ["uv", "export", "--frozen", "--no-dev", "--no-emit-project", "--quiet"]
    argv += ["--preview-features", "sbom-export", "--format", "cyclonedx1.5", "-o", str(out)]
    try:
        run_uv(
            argv,
            cwd=root,
            env=env,
            what="export the locked dependencies as CycloneDX (for the image's SBOM)",
        )
        bom = json.loads(out.read_text(encoding="utf-8"))
    finally:
        out.unlink(missing_ok=True)
    return {
        (str(canonicalize_name(str(c.get("name")))), str(c.get("version"))): c
        for c in bom.get("components", [])
    }
