"""`taskbelt container`: a reproducible OCI image of the app from uv.lock.

Pipeline: check the inputs (uv.lock, a pinned base, platforms) -> date the
build (SOURCE_DATE_EPOCH, default the commit time of HEAD) -> make the base
available -> per platform: dependencies layer, project layer, configuration
layer (backend ``layers``) or the repository's Containerfile built by an
engine (backend ``containerfile``) -> write the OCI layout in a temporary
folder and rename it into place -> write the digest file. The digest of the
top descriptor (a manifest, or an index for several platforms) is the image
digest.
"""

from __future__ import annotations

import copy
import os
import platform as host
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name, parse_wheel_filename

from taskbelt import proc
from taskbelt.container import base, deps, engines, layers, oci, reference
from taskbelt.container.settings import (
    ARCHIVE_NAME,
    LAYOUT_NAME,
    PLATFORMS,
    STATE_SUBDIR,
    TAG,
    VENV,
    WORKDIR,
    ContainerSettings,
)
from taskbelt.errors import ConfigError, ProjectError, ToolError
from taskbelt.project import read_toml
from taskbelt.store import write_text_atomic

DIGEST_FILE = "image.digest"
_MACHINES = {
    "x86_64": "linux/amd64",
    "amd64": "linux/amd64",
    "aarch64": "linux/arm64",
    "arm64": "linux/arm64",
}
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


@dataclass(frozen=True)
class ProjectInfo:
    """Facts about the project that go into the image."""

    root: Path
    name: str
    scripts: tuple[str, ...]
    revision: str | None


def machine_platform() -> str:
    """This machine's platform, e.g. ``linux/amd64``."""
    machine = host.machine().lower()
    if machine not in _MACHINES:
        raise ConfigError(
            f"cannot build for this machine's architecture {machine!r} by default",
            f"set platforms in [tool.taskbelt.container] to some of {', '.join(PLATFORMS)}",
        )
    return _MACHINES[machine]


def source_date_epoch(root: Path, explicit: int | None, env: Mapping[str, str]) -> int:
    """SOURCE_DATE_EPOCH: given, else from the environment, else HEAD's commit time."""
    if explicit is not None:
        return explicit
    raw = env.get("SOURCE_DATE_EPOCH", "").strip()
    if raw:
        if not raw.isdigit():
            raise ConfigError(
                f"SOURCE_DATE_EPOCH={raw!r} is not a number of seconds",
                "set it to a Unix time, e.g. $(git log -1 --format=%ct)",
            )
        return int(raw)
    done = proc.run(["git", "log", "-1", "--format=%ct", "HEAD"], cwd=root, env=dict(env), ok=None)
    if done.returncode != 0 or not done.stdout.strip().isdigit():
        raise ProjectError(
            f"cannot date the image: {root} has no git commit and SOURCE_DATE_EPOCH is not set",
            "commit your work (the image takes HEAD's commit time), or set SOURCE_DATE_EPOCH",
        )
    return int(done.stdout.strip())


def git_revision(root: Path, env: Mapping[str, str]) -> str | None:
    """HEAD's commit id, when the project is a git checkout."""
    try:
        done = proc.run(["git", "rev-parse", "HEAD"], cwd=root, env=dict(env))
    except ToolError:
        return None
    text = done.stdout.strip()
    return text if len(text) == 40 else None  # noqa: PLR2004


def load_project(root: Path, revision: str | None, env: Mapping[str, str]) -> ProjectInfo:
    """Read pyproject.toml for the name and console scripts."""
    pyproject = root / "pyproject.toml"
    if not pyproject.is_file():
        raise ProjectError(
            f"no pyproject.toml in {root}", "run taskbelt container in your project's root"
        )
    data = read_toml(pyproject)
    project = data.get("project") or {}
    scripts = project.get("scripts") or {}
    return ProjectInfo(
        root=root,
        name=str(project.get("name") or root.name),
        scripts=tuple(scripts) if isinstance(scripts, Mapping) else (),
        revision=revision or git_revision(root, env),
    )


def require_lock(root: Path) -> Path:
    """``uv.lock``, which the image is built from."""
    lock = root / "uv.lock"
    if not lock.is_file():
        raise ProjectError(
            f"no uv.lock in {root}: the image is built from the locked dependency set only",
            "run `uv lock` and commit uv.lock, then build again",
        )
    return lock


def require_base(settings: ContainerSettings) -> reference.BaseRef:
    """The pinned base reference."""
    if not settings.base:
        raise ConfigError(
            "[tool.taskbelt.container] has no base image",
            'set base = "<image>@sha256:<digest>" (registry) or '
            '"oci:<layout folder>@sha256:<digest>" (local OCI layout)',
        )
    return reference.parse(settings.base)


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
                ctx = _Context(
                    info, lock, settings, ref, platforms, epoch, work, cache, env, writer
                )
                descs = _layers_backend(ctx)
            top = _top(descs, writer)
            layout = writer.commit(top, TAG)
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
    write_text_atomic(output / DIGEST_FILE, digest)
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


@dataclass(frozen=True)
class _Context:
    """One layers-backend build: its inputs and the layout being written."""

    info: ProjectInfo
    lock: Path
    settings: ContainerSettings
    ref: reference.BaseRef
    platforms: Sequence[str]
    epoch: int
    work: Path
    cache: Path
    env: Mapping[str, str]
    writer: oci.LayoutWriter


def _layers_backend(ctx: _Context) -> list[dict[str, Any]]:
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
    ctx: _Context, target: deps.Target, wheel: Path, requirements: Path, count: int
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
    base_labels: Mapping[str, str] | None,
) -> dict[str, str]:
    """Base labels, then taskbelt's OCI labels, then the configured ones."""
    out = dict(base_labels or {})
    out["org.opencontainers.image.created"] = oci.rfc3339(epoch)
    out["org.opencontainers.image.title"] = info.name
    out["org.opencontainers.image.version"] = version
    if info.revision:
        out["org.opencontainers.image.revision"] = info.revision
    out.update(settings.labels)
    return out


def _assemble(
    ctx: _Context,
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
    run["Labels"] = labels(settings, info, version, epoch, run.get("Labels"))
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
        "org.opencontainers.image.base.digest": platform_base.image.ref.digest,
    }
    if platform_base.image.ref.kind == "registry":
        annotations["org.opencontainers.image.base.name"] = platform_base.image.ref.location
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
    """``skopeo copy --preserve-digests`` the layout to ``destination``."""
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
