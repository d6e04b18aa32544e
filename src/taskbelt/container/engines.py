"""The second backend: the repository's own Containerfile, built by an engine.

For images that need RUN steps. buildah (daemonless; ``--storage-driver vfs
--isolation chroot`` in a private store that is thrown away), podman, or
docker buildx, each with its reproducibility flags:

- buildah / podman: ``--timestamp $SOURCE_DATE_EPOCH`` (created time, history
  and every file's mtime), ``--identity-label=false``, ``--format oci``, no
  layer cache; the image is pushed to an OCI layout with ``push ... oci:``.
- docker buildx: ``--output type=oci,rewrite-timestamp=true``,
  ``--provenance=false --sbom=false``, ``SOURCE_DATE_EPOCH`` in the
  environment and as a build argument.

The Containerfile receives the pinned base as ``--build-arg BASE=...``
(``ARG BASE`` / ``FROM ${BASE}``) and ``SOURCE_DATE_EPOCH`` as a build arg.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from taskbelt import proc
from taskbelt.container import base, context, oci
from taskbelt.errors import ConfigError, ToolError
from taskbelt.settings.container import ContainerSettings
from taskbelt.settings.image_reference import BaseRef

ENGINES = ("buildah", "podman", "docker")
BASE_TAG = "base"
_TIMEOUT = 3600.0


@dataclass(frozen=True)
class Job:
    """One Containerfile build for the given platforms."""

    root: Path
    settings: ContainerSettings
    ref: BaseRef
    platforms: Sequence[str]
    epoch: int
    work: Path
    cache: Path
    env: Mapping[str, str]
    exclude: tuple[Path, ...] = ()

    @property
    def context(self) -> Path:
        """The normalised copy of the project the engine builds from."""
        return self.work / "context"


def choose(settings: ContainerSettings, env: Mapping[str, str]) -> str:
    """The configured engine, else the first of buildah, podman, docker installed."""
    wanted = [settings.engine] if settings.engine else list(ENGINES)
    for name in wanted:
        if proc.which(name, env.get("PATH")):
            return name
    raise ToolError(
        f"no container engine found (looked for {', '.join(wanted)})",
        "install buildah (`apt-get install buildah`), podman or docker buildx",
    )


def _base_arg(
    job: Job, platform: str, engine: str, storage: Sequence[str]
) -> tuple[str, list[str]]:
    """The BASE build argument, and extra engine options that make it available."""
    if job.ref.kind == "registry":
        job.ref.say_pulled_by_digest()
        return job.ref.pinned, []
    image = base.resolve(job.ref, job.root, job.cache)
    chosen = base.for_platform(image, platform)
    slug = platform.replace("/", "-")
    folder = job.work / f"base-{slug}"
    with oci.LayoutWriter(folder) as writer:
        desc = chosen.descriptor
        for blob in [manifest_config(chosen.manifest), *chosen.manifest.get("layers", [])]:
            writer.copy_blob(image.layout.blob(str(blob["digest"])), str(blob["digest"]))
        writer.copy_blob(image.layout.blob(str(desc["digest"])), str(desc["digest"]))
        writer.commit(
            oci.descriptor(
                str(desc.get("mediaType", oci.MANIFEST)), str(desc["digest"]), int(desc["size"])
            ),
            BASE_TAG,
        )
    if engine == "docker":
        return "taskbelt-base", [
            "--build-context",
            f"taskbelt-base=oci-layout://{folder}:{BASE_TAG}",
        ]
    # Copy into the private store under a name that does not depend on this
    # build's folder (the engine records "FROM <name>" in the history; an
    # engine's own pull would name it after the folder, which may not even be
    # a valid reference).
    name = f"localhost/taskbelt-base:{str(desc['digest']).split(':', 1)[1][:20]}"
    store = f"containers-storage:[vfs@{storage[1]}+{storage[3]}]{name}"
    _run(["skopeo", "copy", "--quiet", f"oci:{folder}:{BASE_TAG}", store], job, "store the base")
    return name, []


def manifest_config(manifest: Mapping[str, Any]) -> dict[str, Any]:
    """The config descriptor of a manifest."""
    return dict(manifest.get("config") or {})


def _run(
    argv: list[str], job: Job, what: str, env: Mapping[str, str] | None = None
) -> proc.Completed:
    return proc.run(
        argv,
        cwd=job.root,
        env=dict(env or job.env),
        timeout=_TIMEOUT,
        error=(
            f"{argv[0]} could not {what}",
            "read the engine's output above; the Containerfile must start with "
            "`ARG BASE` and `FROM ${BASE}`",
        ),
    )


def _common_args(job: Job, platform: str, base_arg: str, containerfile: Path) -> list[str]:
    args = [
        "--platform",
        platform,
        "--file",
        str(containerfile),
        "--build-arg",
        f"BASE={base_arg}",
        "--build-arg",
        f"SOURCE_DATE_EPOCH={job.epoch}",
    ]
    for key, value in job.ref.labels.items():  # BASE is pulled by digest alone
        args += ["--label", f"{key}={value}"]
    return args


def build_one(job: Job, platform: str, engine: str) -> oci.Layout:
    """Build the Containerfile for ``platform``; return the OCI layout it was pushed to."""
    containerfile = job.root / job.settings.containerfile
    if not containerfile.is_file():
        raise ConfigError(
            f"[tool.taskbelt.container] containerfile: {containerfile} does not exist",
            "write a Containerfile (`ARG BASE` / `FROM ${BASE}` / ...) or set `containerfile`",
        )
    slug = platform.replace("/", "-")
    store = job.work / f"store-{slug}"
    storage = [
        "--root", str(store / "root"), "--runroot", str(store / "run"),
        "--storage-driver", "vfs",
    ]  # fmt: skip
    base_arg, extra = _base_arg(job, platform, engine, storage)
    out = job.work / f"image-{slug}"
    common = _common_args(job, platform, base_arg, containerfile)
    if engine == "docker":
        env = {**job.env, "SOURCE_DATE_EPOCH": str(job.epoch)}
        argv = [
            "docker", "buildx", "build", *common, *extra,
            "--provenance=false", "--sbom=false", "--no-cache",
            "--output", f"type=oci,dest={out}.tar,rewrite-timestamp=true",
            str(job.context),
        ]  # fmt: skip
        _run(argv, job, "build the Containerfile", env)
        oci.unpack_archive(Path(f"{out}.tar"), out)
        return oci.Layout.open(out, "engine output")
    iid = job.work / f"iid-{slug}"
    argv = [
        engine, *storage, "build", *common,
        "--isolation", "chroot", "--timestamp", str(job.epoch), "--identity-label=false",
        "--format", "oci", "--layers=false", "--pull=never" if job.ref.kind != "registry" else "--pull=missing",
        "--iidfile", str(iid), str(job.context),
    ]  # fmt: skip
    _run(argv, job, "build the Containerfile")
    image_id = iid.read_text(encoding="utf-8").strip()
    _run(
        [engine, *storage, "push", "--quiet", image_id, f"oci:{out}:latest"],
        job,
        "write the image as an OCI layout",
    )
    return oci.Layout.open(out, "engine output")


def build(job: Job, writer: oci.LayoutWriter) -> list[dict[str, Any]]:
    """Build every platform and copy each image into ``writer``; return their descriptors.

    The build context is a normalised copy of the project's files (modes
    0644/0755, mtimes at SOURCE_DATE_EPOCH): the checkout's umask and times
    cannot reach the image through ``COPY``.
    """
    engine = choose(job.settings, job.env)
    files = context.project_files(job.root, job.env, job.exclude)
    context.normalised_copy(job.root, files, job.context, job.epoch)
    descs = []
    for platform in job.platforms:
        layout = build_one(job, platform, engine)
        found = list(layout.manifests(layout.top()))
        if len(found) != 1:
            raise ToolError(f"{engine} wrote {len(found)} images for {platform}, expected one", "")
        desc, manifest = found[0]
        for blob in [manifest_config(manifest), *manifest.get("layers", [])]:
            writer.copy_blob(layout.blob(str(blob["digest"])), str(blob["digest"]))
        writer.copy_blob(layout.blob(str(desc["digest"])), str(desc["digest"]))
        config = layout.read_json(str(manifest_config(manifest)["digest"]))
        platform_obj = {
            "architecture": str(config.get("architecture")),
            "os": str(config.get("os")),
        }
        if config.get("variant"):
            platform_obj["variant"] = str(config["variant"])
        media = oci.TO_OCI.get(
            str(desc.get("mediaType")), str(desc.get("mediaType") or oci.MANIFEST)
        )
        descs.append(
            oci.descriptor(media, str(desc["digest"]), int(desc["size"]), platform=platform_obj)
        )
    return descs
