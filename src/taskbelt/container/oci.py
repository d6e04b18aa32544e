"""OCI image layouts: reading a base, writing an image, canonical JSON.

Every JSON document taskbelt writes (config, manifest, index, index.json,
oci-layout) goes through :func:`canonical_json`: keys sorted, no spaces,
UTF-8, so equal content always has the same digest. A layout is written in a
temporary folder beside its destination and renamed into place, so a failed
build never leaves a half-written image behind.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskbelt.container import layers
from taskbelt.errors import ConfigError, ProjectError

LAYOUT_VERSION = "1.0.0"
MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
CONFIG = "application/vnd.oci.image.config.v1+json"
LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip"
LAYER_TAR = "application/vnd.oci.image.layer.v1.tar"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
#: Docker media types whose blobs are byte-identical to an OCI type.
TO_OCI = {
    DOCKER_MANIFEST: MANIFEST,
    DOCKER_LIST: INDEX,
    DOCKER_CONFIG: CONFIG,
    "application/vnd.docker.image.rootfs.diff.tar.gzip": LAYER_GZIP,
    "application/vnd.docker.image.rootfs.diff.tar": LAYER_TAR,
}
REF_NAME = "org.opencontainers.image.ref.name"
_CHUNK = 1 << 20


def canonical_json(data: Any) -> bytes:
    """``data`` as canonical JSON bytes: sorted keys, no whitespace, UTF-8."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_bytes(data: bytes) -> str:
    """``sha256:<hex>`` of ``data``."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """``sha256:<hex>`` of the file at ``path``."""
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            sha.update(chunk)
    return "sha256:" + sha.hexdigest()


def rfc3339(epoch: int) -> str:
    """SOURCE_DATE_EPOCH as the RFC 3339 UTC time the image records."""
    return dt.datetime.fromtimestamp(epoch, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def descriptor(
    media_type: str,
    digest: str,
    size: int,
    *,
    platform: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """An OCI content descriptor."""
    out: dict[str, Any] = {"mediaType": media_type, "digest": digest, "size": size}
    if platform:
        out["platform"] = dict(platform)
    if annotations:
        out["annotations"] = dict(annotations)
    return out


def platform_of(text: str) -> dict[str, str]:
    """``linux/arm64/v8`` as an OCI platform object."""
    parts = text.split("/")
    out = {"os": parts[0], "architecture": parts[1]}
    if len(parts) > 2:  # noqa: PLR2004 - os/arch/variant
        out["variant"] = parts[2]
    return out


def platform_text(platform: Mapping[str, Any]) -> str:
    """An OCI platform object as ``os/arch[/variant]``."""
    text = f"{platform.get('os', '?')}/{platform.get('architecture', '?')}"
    return f"{text}/{platform['variant']}" if platform.get("variant") else text


# -- reading --------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    """An OCI image layout folder that exists and says so in ``oci-layout``."""

    root: Path

    @classmethod
    def open(cls, root: Path, what: str = "image") -> Layout:
        """Check that ``root`` is an OCI image layout.

        Raises:
            ProjectError: it is not (missing ``oci-layout`` or ``index.json``).
        """
        marker = root / "oci-layout"
        fix = (
            "point it at an OCI image layout (a folder with oci-layout, index.json and "
            "blobs/), e.g. one written by `skopeo copy docker://... oci:<folder>:<tag>`"
        )
        if not root.is_dir():
            raise ProjectError(f"{what} {root} is not a folder", fix)
        try:
            version = json.loads(marker.read_text(encoding="utf-8"))["imageLayoutVersion"]
            json.loads((root / "index.json").read_text(encoding="utf-8"))["manifests"]
        except (OSError, ValueError, KeyError, TypeError):
            raise ProjectError(
                f"{what} {root} is not an OCI image layout (no valid oci-layout and index.json)",
                fix,
            ) from None
        if not str(version).startswith("1."):
            raise ProjectError(f"{what} {root}: unsupported layout version {version!r}", fix)
        return cls(root)

    def blob(self, digest: str) -> Path:
        """The path of the blob ``digest`` (which must exist)."""
        algorithm, _, hexpart = digest.partition(":")
        path = self.root / "blobs" / algorithm / hexpart
        if not path.is_file():
            raise ProjectError(
                f"{self.root} has no blob {digest}",
                "the layout is incomplete: copy it again (skopeo copy ... oci:<folder>)",
            )
        return path

    def read_json(self, digest: str, *, verify: bool = True) -> dict[str, Any]:
        """A JSON blob, its digest checked."""
        data = self.blob(digest).read_bytes()
        if verify and sha256_bytes(data) != digest:
            raise ProjectError(
                f"{self.root}: blob {digest} does not match its digest",
                "the layout is corrupt: copy it again",
            )
        parsed = json.loads(data)
        if not isinstance(parsed, dict):
            raise ProjectError(f"{self.root}: blob {digest} is not a JSON object", "copy it again")
        return parsed

    def index(self) -> dict[str, Any]:
        """``index.json``."""
        data: dict[str, Any] = json.loads((self.root / "index.json").read_text(encoding="utf-8"))
        return data

    def find(self, digest: str) -> dict[str, Any]:
        """The descriptor of ``digest``: from index.json, else built from the blob."""
        for desc in self.index().get("manifests", []):
            if desc.get("digest") == digest:
                return dict(desc)
        path = self.blob(digest)
        data = self.read_json(digest)
        media = data.get("mediaType") or (INDEX if "manifests" in data else MANIFEST)
        return descriptor(media, digest, path.stat().st_size)

    def find_tag(self, tag: str) -> dict[str, Any]:
        """The descriptor index.json tags ``tag``."""
        for desc in self.index().get("manifests", []):
            if (desc.get("annotations") or {}).get(REF_NAME) == tag:
                return dict(desc)
        raise ProjectError(f"{self.root} has no image tagged {tag!r}", "copy the image again")

    def top(self) -> dict[str, Any]:
        """The single image in index.json (what taskbelt writes), its referrers left out.

        A referrer is an artifact (``artifactType``) or a referrers index,
        tagged ``sha256-<hex>`` (:mod:`taskbelt.container.referrers`).
        """
        manifests = [
            m
            for m in self.index().get("manifests", [])
            if not m.get("artifactType")
            and not str((m.get("annotations") or {}).get(REF_NAME, "")).startswith("sha256-")
        ]
        if len(manifests) != 1:
            raise ProjectError(
                f"{self.root}: index.json lists {len(manifests)} images, expected one",
                "build again into an empty folder",
            )
        return dict(manifests[0])

    def manifests(self, desc: Mapping[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """(descriptor, manifest) for every image manifest under ``desc``."""
        media = TO_OCI.get(str(desc.get("mediaType")), str(desc.get("mediaType")))
        data = self.read_json(str(desc["digest"]))
        if media == INDEX or "manifests" in data:
            for child in data.get("manifests", []):
                yield from self.manifests(child)
        else:
            yield dict(desc), data


def unpack_archive(archive: Path, dest: Path) -> Path:
    """Extract an OCI archive (a tar of a layout) into ``dest``; return ``dest``."""
    try:
        with tarfile.open(archive) as tar:
            tar.extractall(dest, filter="data")
    except (OSError, tarfile.TarError) as exc:
        raise ProjectError(
            f"{archive} is not a readable OCI archive: {exc}",
            "point base at an OCI layout folder or an archive made by `skopeo copy ... "
            "oci-archive:<file>`",
        ) from None
    return dest


# -- writing --------------------------------------------------------------


class LayoutWriter:
    """Builds an OCI layout in a temporary folder; :meth:`commit` renames it into place."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))
        self.blobs = self.tmp / "blobs" / "sha256"
        self.blobs.mkdir(parents=True)

    def __enter__(self) -> LayoutWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()

    def discard(self) -> None:
        """Remove the temporary folder (no-op after :meth:`commit`)."""
        if self.tmp.exists():
            shutil.rmtree(self.tmp, ignore_errors=True)

    def add_json(self, data: Any) -> tuple[str, int]:
        """Write a canonical JSON blob; return (digest, size)."""
        return self.add_bytes(canonical_json(data))

    def add_bytes(self, raw: bytes) -> tuple[str, int]:
        """Write a blob; return (digest, size)."""
        digest = sha256_bytes(raw)
        target = self.blobs / digest.split(":", 1)[1]
        if not target.is_file():
            target.write_bytes(raw)
        return digest, len(raw)

    def copy_blob(self, source: Path, digest: str, *, verify: bool = True) -> None:
        """Copy a blob byte for byte (checking its digest)."""
        target = self.blobs / digest.split(":", 1)[1]
        if target.is_file():
            return
        if verify and sha256_file(source) != digest:
            raise ProjectError(
                f"blob {source} does not match its digest {digest}",
                "the base layout is corrupt: copy it again",
            )
        shutil.copyfile(source, target)

    def commit(
        self, top: Mapping[str, Any], tag: str, extra: Sequence[Mapping[str, Any]] = ()
    ) -> Path:
        """Write index.json and oci-layout, then rename the layout into place.

        ``extra``: further entries of index.json after the image (its referrers).
        """
        entry = dict(top)
        entry["annotations"] = {**dict(top.get("annotations") or {}), REF_NAME: tag}
        index = {"schemaVersion": 2, "mediaType": INDEX, "manifests": [entry, *map(dict, extra)]}
        (self.tmp / "index.json").write_bytes(canonical_json(index))
        (self.tmp / "oci-layout").write_bytes(
            canonical_json({"imageLayoutVersion": LAYOUT_VERSION})
        )
        _normalise_modes(self.tmp)
        old = self.dest.with_name(f".{self.dest.name}.old-{os.getpid()}")
        if self.dest.exists():
            self.dest.replace(old)
        self.tmp.replace(self.dest)
        if old.exists():
            shutil.rmtree(old, ignore_errors=True)
        return self.dest


def _normalise_modes(root: Path) -> None:
    """0755 folders, 0644 files, whatever the umask was."""
    for here, dirs, files in os.walk(root):
        Path(here).chmod(0o755)
        for name in dirs:
            (Path(here) / name).chmod(0o755)
        for name in files:
            (Path(here) / name).chmod(0o644)


def write_archive(layout: Path, archive: Path, epoch: int) -> Path:
    """A deterministic OCI archive (tar of the layout) beside it, written atomically."""
    contents = layers.LayerContents()
    for here, dirs, files in os.walk(layout):
        dirs.sort()
        rel = Path(here).relative_to(layout)
        for name in sorted(files):
            contents.add_file(
                Path(*rel.parts, name).as_posix(), source=Path(here) / name, mode=0o644
            )
    tmp = archive.with_name(f".{archive.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("wb") as handle:
            layers.write_tar(contents.entries(), epoch, handle)
        tmp.replace(archive)
    finally:
        tmp.unlink(missing_ok=True)
    return archive


def require_digest_in(layout: Layout, digest: str, raw: str) -> dict[str, Any]:
    """The descriptor of the pinned ``digest``, or a ConfigError naming what is there."""
    try:
        return layout.find(digest)
    except ProjectError:
        listed = [str(d.get("digest")) for d in layout.index().get("manifests", [])]
        raise ConfigError(
            f"base image {raw!r}: {layout.root} has no manifest {digest}",
            f"pin one of the digests in its index.json: {', '.join(listed) or 'none'}",
        ) from None
