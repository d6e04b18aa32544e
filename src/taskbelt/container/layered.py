"""The ``layers`` backend: the image as the base plus three layers taskbelt writes itself.

Per platform: a dependencies layer (the locked wheels installed into the
virtual environment), a project layer (the project's own wheel), and a
configuration layer (the working directory and the files
``[tool.taskbelt.container]`` copies), then the image configuration with
its entrypoint, environment and labels. Every byte is decided here and in
:mod:`.layers`, never by a build engine: that is what makes two builds of
the same inputs identical.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name, parse_wheel_filename

from taskbelt.container import base, deps, layers, oci
from taskbelt.container.inputs import ProjectInfo
from taskbelt.errors import ConfigError
from taskbelt.settings import image_reference
from taskbelt.settings.container import VENV, WORKDIR, ContainerSettings


@dataclass(frozen=True)
class LayersJob:
    """One layers-backend build: its inputs and the layout being written."""

    info: ProjectInfo
    lock: Path
    settings: ContainerSettings
    ref: image_reference.BaseRef
    platforms: Sequence[str]
    epoch: int
    work: Path
    cache: Path
    env: Mapping[str, str]
    writer: oci.LayoutWriter


def build(ctx: LayersJob) -> list[dict[str, Any]]:
    """Each platform's manifest descriptor, its layers written into ``ctx.writer``.

    Every platform's wheels are checked against the lock before any layer is
    written, so a missing wheel fails the build before the slow part.
    """
    image = base.resolve(ctx.ref, ctx.info.root, ctx.cache)
    targets = []
    for name in ctx.platforms:
        platform_base = base.for_platform(image, name)
        runtime = base.inspect(platform_base, ctx.settings.python)
        targets.append((platform_base, deps.Target(name, platform_base.machine, runtime)))
    requirements = deps.export(ctx.info.root, ctx.work, ctx.env)
    wanted = {}
    for _, target in targets:
        wanted[target.platform] = deps.pins(requirements, target)
        deps.check_wheels(ctx.lock, wanted[target.platform], target)
    extra = _config_layer(ctx.info.root, ctx.settings)
    wheel = deps.build_wheel(ctx.info.root, ctx.work / "dist", ctx.env)
    descs = []
    for platform_base, target in targets:
        built = _python_layers(ctx, target, wheel, requirements, len(wanted[target.platform]))
        descs.append(_assemble(ctx, platform_base, target, built, extra))
    return descs


@dataclass(frozen=True)
class _Built:
    deps: layers.LayerContents
    project: layers.LayerContents
    scripts: tuple[str, ...]
    packages: tuple[str, ...]
    count: int
    wheel: Path


def _python_layers(
    ctx: LayersJob, target: deps.Target, wheel: Path, requirements: Path, count: int
) -> _Built:
    settings, env = ctx.settings, ctx.env
    work = ctx.work / target.platform.replace("/", "-")
    site = target.site_packages
    dep_stage, proj_stage = work / "deps", work / "project"
    deps.install(["-r", str(requirements)], dep_stage, target, env, cwd=work.parent, hashes=True)
    dep_stage.mkdir(parents=True, exist_ok=True)
    deps.arrange(dep_stage, work / "deps-site", work / "deps-bin")
    deps.install([str(wheel)], proj_stage, target, env, cwd=work.parent, hashes=False)
    proj_stage.mkdir(parents=True, exist_ok=True)
    scripts = deps.arrange(proj_stage, work / "project-site", work / "project-bin")
    if settings.compile_bytecode:
        deps.compile_bytecode(work / "deps-site", site, target, env)
        deps.compile_bytecode(work / "project-site", site, target, env)
    dep_layer = layers.LayerContents()
    for rel, value in deps.venv_files(target).items():
        if isinstance(value, bytes):
            dep_layer.add_file(VENV / rel, data=value, mode=0o644)
        else:
            dep_layer.add_symlink(VENV / rel, value)
    dep_layer.add_tree(work / "deps-site", site)
    dep_layer.add_tree(work / "deps-bin", VENV / "bin")
    project_layer = layers.LayerContents()
    project_layer.add_tree(work / "project-site", site)
    if scripts:
        project_layer.add_tree(work / "project-bin", VENV / "bin")
    packages = tuple(
        sorted(
            p.name
            for p in (work / "project-site").iterdir()
            if p.is_dir() and (p / "__init__.py").is_file()
        )
    )
    return _Built(dep_layer, project_layer, tuple(scripts), packages, count, wheel)


def _config_layer(root: Path, settings: ContainerSettings) -> layers.LayerContents:
    contents = layers.LayerContents()
    contents.add_dir(WORKDIR, mode=0o755, uid=settings.uid, gid=settings.gid)
    for item in settings.files:
        source = root / item.source
        if not source.exists():
            raise ConfigError(
                f"[tool.taskbelt.container] files: {item.source!r} does not exist in {root}",
                "list files that exist, relative to the project root",
            )
        mode = int(item.mode, 8) if item.mode else None
        if source.is_dir():
            contents.add_tree(source, item.target)
        else:
            contents.add_file(item.target, source=source, mode=mode)
    return contents


def entrypoint(settings: ContainerSettings, info: ProjectInfo, built: _Built) -> list[str]:
    """The configured entrypoint, else the console script, else ``python -m <package>``."""
    if settings.entrypoint:
        return list(settings.entrypoint)
    scripts = [s for s in info.scripts if s in built.scripts] or list(built.scripts)
    if scripts:
        own = str(canonicalize_name(info.name))
        chosen = next((s for s in scripts if canonicalize_name(s) == own), sorted(scripts)[0])
        return [str(VENV / "bin" / chosen)]
    module = (
        built.packages[0]
        if built.packages
        else parse_wheel_filename(built.wheel.name)[0].replace("-", "_")
    )
    return [str(VENV / "bin" / "python"), "-m", module]


def _env(base_env: Sequence[str], settings: ContainerSettings) -> list[str]:
    values: dict[str, str] = {}
    for item in base_env:
        key, _, value = item.partition("=")
        values[key] = value
    path = values.get("PATH") or "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    values["PATH"] = f"{VENV}/bin:{path}"
    values["VIRTUAL_ENV"] = str(VENV)
    values["HOME"] = str(WORKDIR)
    values["PYTHONUNBUFFERED"] = "1"
    if not settings.compile_bytecode:
        values["PYTHONDONTWRITEBYTECODE"] = "1"
    return [f"{k}={v}" for k, v in values.items()]


def labels(
    settings: ContainerSettings,
    info: ProjectInfo,
    version: str,
    epoch: int,
    *,
    base_labels: Mapping[str, str] | None,
    base_ref: image_reference.BaseRef,
) -> dict[str, str]:
    """Base labels, then taskbelt's OCI labels, then the configured ones.

    A registry base is named as written, tag included (it is pulled by digest
    alone, so the label is where the tag is kept).
    """
    out = dict(base_labels or {})
    out["org.opencontainers.image.created"] = oci.rfc3339(epoch)
    out["org.opencontainers.image.title"] = info.name
    out["org.opencontainers.image.version"] = version
    if info.revision:
        out["org.opencontainers.image.revision"] = info.revision
    out.update(base_ref.labels)
    out.update(settings.labels)
    return out


def _assemble(
    ctx: LayersJob,
    platform_base: base.PlatformBase,
    target: deps.Target,
    built: _Built,
    extra: layers.LayerContents,
) -> dict[str, Any]:
    info, settings, epoch, writer = ctx.info, ctx.settings, ctx.epoch, ctx.writer
    layout = platform_base.image.layout
    base_layers = []
    for layer in platform_base.manifest.get("layers", []):
        writer.copy_blob(layout.blob(str(layer["digest"])), str(layer["digest"]))
        desc = dict(layer)
        desc["mediaType"] = oci.TO_OCI.get(str(layer.get("mediaType")), str(layer.get("mediaType")))
        base_layers.append(desc)
    version = str(parse_wheel_filename(built.wheel.name)[1])
    written = [
        (
            layers.write_layer(built.deps, epoch, writer.blobs),
            f"dependencies from uv.lock ({built.count} packages)",
        ),
        (layers.write_layer(built.project, epoch, writer.blobs), f"project {info.name} {version}"),
        (layers.write_layer(extra, epoch, writer.blobs), "configuration"),
    ]
    created = oci.rfc3339(epoch)
    config = copy.deepcopy(platform_base.config)
    for key in ("container", "container_config", "docker_version"):
        config.pop(key, None)
    config["created"] = created
    run = dict(config.get("config") or {})
    run.pop("Cmd", None)
    run["Entrypoint"] = entrypoint(settings, info, built)
    run["Env"] = _env(run.get("Env") or [], settings)
    run["User"] = settings.user
    run["WorkingDir"] = str(WORKDIR)
    run["Labels"] = labels(
        settings,
        info,
        version,
        epoch,
        base_labels=run.get("Labels"),
        base_ref=platform_base.image.ref,
    )
    config["config"] = run
    rootfs = dict(config.get("rootfs") or {"type": "layers"})
    rootfs["diff_ids"] = [*rootfs.get("diff_ids", []), *(layer.diff_id for layer, _ in written)]
    config["rootfs"] = rootfs
    history = list(config.get("history") or [])
    history += [
        {"created": created, "created_by": f"taskbelt: {what}", "comment": "taskbelt"}
        for _, what in written
    ]
    config["history"] = history
    config_digest, config_size = writer.add_json(config)
    annotations = {
        "org.opencontainers.image.created": created,
        image_reference.BASE_DIGEST: platform_base.image.ref.digest,
        **platform_base.image.ref.labels,
    }
    manifest = {
        "schemaVersion": 2,
        "mediaType": oci.MANIFEST,
        "config": oci.descriptor(oci.CONFIG, config_digest, config_size),
        "layers": [
            *base_layers,
            *(oci.descriptor(oci.LAYER_GZIP, lay.digest, lay.size) for lay, _ in written),
        ],
        "annotations": annotations,
    }
    digest, size = writer.add_json(manifest)
    return oci.descriptor(oci.MANIFEST, digest, size, platform=_platform(config, target))


def _platform(config: Mapping[str, Any], target: deps.Target) -> dict[str, str]:
    out = {
        "architecture": str(
            config.get("architecture") or oci.platform_of(target.platform)["architecture"]
        ),
        "os": str(config.get("os") or "linux"),
    }
    if config.get("variant"):
        out["variant"] = str(config["variant"])
    return out
