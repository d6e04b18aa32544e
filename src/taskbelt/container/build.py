"""`taskbelt container`: a reproducible OCI image of the app from uv.lock.

Pipeline: check the inputs (uv.lock, a pinned base, platforms; see
:mod:`.inputs`) -> date the build (SOURCE_DATE_EPOCH, default the commit
time of HEAD) -> make the base available -> per platform: dependencies
layer, project layer, configuration layer (backend ``layers``,
:mod:`.layered`) or the repository's Containerfile built by an engine
(backend ``containerfile``, :mod:`.engines`) -> write the OCI layout in a
temporary folder and rename it into place -> write the digest file, then
the archive, load or push asked for. The digest of the
top descriptor (a manifest, or an index for several platforms) is the image
digest.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from taskbelt import proc
from taskbelt.container import deps, documents, engines, layered, oci
from taskbelt.container.inputs import (
    load_project,
    machine_platform,
    require_base,
    require_lock,
    source_date_epoch,
)
from taskbelt.errors import ConfigError
from taskbelt.files import write_atomic
from taskbelt.settings.container import (
    ARCHIVE_NAME,
    LAYOUT_NAME,
    PLATFORMS,
    STATE_SUBDIR,
    TAG,
    ContainerSettings,
)

DIGEST_FILE = "image.digest"
_TOOL_TIMEOUT = 1800.0
_TRANSPORTS = (
    "docker://",
    "oci:",
    "oci-archive:",
    "dir:",
    "docker-archive:",
    "containers-storage:",
)


@dataclass(frozen=True)
class BuildOptions:
    """How this build runs (command-line choices, not project configuration)."""

    output: Path | None = None
    platforms: Sequence[str] = ()
    archive: bool = False
    load: str | None = None
    push: str | None = None
    source_date_epoch: int | None = None
    revision: str | None = None
    cache: Path | None = None
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))


@dataclass(frozen=True)
class BuildResult:
    """What a build produced."""

    digest: str
    layout: Path
    digest_file: Path
    platforms: tuple[str, ...]
    epoch: int
    seconds: float
    archive: Path | None = None


def build(
    root: Path, settings: ContainerSettings, options: BuildOptions | None = None
) -> BuildResult:
    """Build the image; return its digest and where it was written.

    Raises:
        ConfigError: the configuration is invalid (unpinned base, bad platform, ...).
        ProjectError: the project cannot be built as asked (no uv.lock, no wheel, ...).
        ToolError: uv, skopeo or an engine failed.
    """
    opts = options or BuildOptions()
    started = time.perf_counter()
    root = root.resolve()
    env = deps.clean_env(opts.env)
    info = load_project(root, opts.revision, env)
    lock = require_lock(root)
    ref = require_base(settings)
    platforms = tuple(dict.fromkeys(opts.platforms or settings.platforms or [machine_platform()]))
    for name in platforms:
        if name not in PLATFORMS:
            raise ConfigError(f"unknown platform {name!r}", f"use some of: {', '.join(PLATFORMS)}")
    epoch = source_date_epoch(root, opts.source_date_epoch, env)
    env["SOURCE_DATE_EPOCH"] = str(epoch)
    output = (opts.output or root / settings.output).resolve()
    cache = opts.cache or root / ".taskbelt-cache" / STATE_SUBDIR
    work = Path(tempfile.mkdtemp(prefix="taskbelt-container-"))
    try:
        with oci.LayoutWriter(output / LAYOUT_NAME) as writer:
            if settings.backend == "containerfile":
                job = engines.Job(
                    root, settings, ref, platforms, epoch, work, cache, env, exclude=(output,)
                )
                descs = engines.build(job, writer)
            else:
                layers_job = layered.LayersJob(
                    info, lock, settings, ref, platforms, epoch, work, cache, env, writer
                )
                descs = layered.build(layers_job)
            top = _top(descs, writer)
            referred = documents.attach_all(
                writer, descs, info=info, settings=settings, ref=ref, epoch=epoch, env=env
            )
            layout = writer.commit(top, TAG, referred)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    digest = str(top["digest"])
    archive = deliver(layout, digest, opts, epoch=epoch, multi=len(platforms) > 1)
    return BuildResult(
        digest,
        layout,
        output / DIGEST_FILE,
        platforms,
        epoch,
        time.perf_counter() - started,
        archive,
    )


def deliver(
    layout: Path, digest: str, opts: BuildOptions, *, epoch: int, multi: bool
) -> Path | None:
    """Write the digest file, then the archive, load and push that ``opts`` ask for."""
    output = layout.parent
    write_atomic(output / DIGEST_FILE, digest + "\n")
    (output / DIGEST_FILE).chmod(0o644)
    archive = None
    if opts.archive or opts.load:
        archive = oci.write_archive(layout, output / ARCHIVE_NAME, epoch)
    env = deps.clean_env(opts.env)
    if opts.load and archive is not None:
        _load(opts.load, archive, env)
    if opts.push:
        push(layout, opts.push, multi, env)
    return archive


def _top(descs: list[dict[str, Any]], writer: oci.LayoutWriter) -> dict[str, Any]:
    if len(descs) == 1:
        return descs[0]
    index = {"schemaVersion": 2, "mediaType": oci.INDEX, "manifests": descs}
    digest, size = writer.add_json(index)
    return oci.descriptor(oci.INDEX, digest, size)


def _load(engine: str, archive: Path, env: Mapping[str, str]) -> None:
    proc.run(
        [engine, "load", "-i", str(archive)],
        env=dict(env),
        timeout=_TOOL_TIMEOUT,
        error=(
            f"{engine} could not load {archive}",
            f"check that {engine} works (`{engine} info`); the image is in {archive.parent}",
        ),
    )


def push(layout: Path, destination: str, multi: bool, env: Mapping[str, str]) -> None:
    """``skopeo copy --preserve-digests`` the image in the layout to ``destination``.

    Only the image: skopeo 1.9 rewrites a referrers index without the
    ``artifactType`` of its entries, so the SBOM and provenance stay in the
    layout (``oras cp -r`` copies an image with its referrers).
    """
    dest = destination if destination.startswith(_TRANSPORTS) else f"docker://{destination}"
    argv = ["skopeo", "copy", "--preserve-digests", "--quiet"]
    if multi:
        argv.append("--all")
    proc.run(
        [*argv, f"oci:{layout}:{TAG}", dest],
        env=dict(env),
        timeout=_TOOL_TIMEOUT,
        error=(
            f"skopeo could not push the image to {destination}",
            "check the destination and your credentials (`skopeo login`)",
        ),
    )
