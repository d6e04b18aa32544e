"""Documents about an image, attached to it in the OCI layout as referrers (OCI 1.1).

Each document (the SBOM, the provenance) is an artifact: an image manifest
with an ``artifactType``, the empty config, the document as its one layer,
and a ``subject`` naming the image manifest it is about. Tools find them
two ways, both written here:

- ``index.json`` lists each artifact manifest with its ``artifactType``,
  as ``oras attach --oci-layout`` leaves them;
- a referrers index per image manifest, tagged ``sha256-<hex>`` after the
  manifest's digest: the OCI distribution spec's referrers tag schema, the
  fallback for stores without a referrers API. skopeo reads it by that tag
  (``skopeo inspect --raw oci:<layout>:sha256-<hex>``) and copies it with
  the artifacts (``skopeo copy --all``), and oras, regclient and notation
  read the same tag in a registry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from taskbelt.container import oci

SBOM = "application/vnd.cyclonedx+json"
PROVENANCE = "application/vnd.in-toto+json"
EMPTY = "application/vnd.oci.empty.v1+json"
EMPTY_BLOB = b"{}"


def tag_for(digest: str) -> str:
    """The referrers tag of a manifest: ``sha256:abc`` -> ``sha256-abc``."""
    return digest.replace(":", "-", 1)


def attach(
    writer: oci.LayoutWriter,
    subject: Mapping[str, Any],
    artifact_type: str,
    document: Any,
    created: str,
) -> dict[str, Any]:
    """Write ``document`` as an artifact about ``subject``; return its descriptor."""
    layer_digest, layer_size = writer.add_json(document)
    empty_digest, empty_size = writer.add_bytes(EMPTY_BLOB)
    annotations = {"org.opencontainers.image.created": created}
    manifest = {
        "schemaVersion": 2,
        "mediaType": oci.MANIFEST,
        "artifactType": artifact_type,
        "config": oci.descriptor(EMPTY, empty_digest, empty_size),
        "layers": [oci.descriptor(artifact_type, layer_digest, layer_size)],
        "subject": oci.descriptor(
            str(subject["mediaType"]), str(subject["digest"]), int(subject["size"])
        ),
        "annotations": annotations,
    }
    digest, size = writer.add_json(manifest)
    described = oci.descriptor(oci.MANIFEST, digest, size, annotations=annotations)
    return {**described, "artifactType": artifact_type}


def index_for(
    writer: oci.LayoutWriter, subject: Mapping[str, Any], artifacts: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The referrers index of ``subject``, written; its descriptor, tagged by the schema."""
    index = {"schemaVersion": 2, "mediaType": oci.INDEX, "manifests": [dict(a) for a in artifacts]}
    digest, size = writer.add_json(index)
    tag = tag_for(str(subject["digest"]))
    return oci.descriptor(oci.INDEX, digest, size, annotations={oci.REF_NAME: tag})


def found(layout: oci.Layout) -> dict[tuple[str, str], str]:
    """The layout's artifacts: (subject digest, artifact type) -> artifact manifest digest."""
    out: dict[tuple[str, str], str] = {}
    for entry in layout.index().get("manifests", []):
        kind = entry.get("artifactType")
        if not kind or entry.get("mediaType") != oci.MANIFEST:
            continue
        manifest = layout.read_json(str(entry["digest"]))
        subject = (manifest.get("subject") or {}).get("digest")
        if subject:
            out[str(subject), str(kind)] = str(entry["digest"])
    return out
