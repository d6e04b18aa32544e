"""What a container build starts from, each checked before anything is built.

The project's name and console scripts, its git revision and commit time
(``SOURCE_DATE_EPOCH``), ``uv.lock``, the base image pinned by digest, and
the machine's platform when none is configured. Each fact that is missing
is a :class:`ProjectError` or :class:`ConfigError` with a fix, raised before
any tool starts.
"""

from __future__ import annotations

import platform as host
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from taskbelt import proc
from taskbelt.errors import ConfigError, ProjectError, ToolError
from taskbelt.repository.toml_file import read_toml
from taskbelt.settings import image_reference
from taskbelt.settings.container import PLATFORMS, ContainerSettings

_MACHINES = {
    "x86_64": "linux/amd64",
    "amd64": "linux/amd64",
    "aarch64": "linux/arm64",
    "arm64": "linux/arm64",
}


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


def require_base(settings: ContainerSettings) -> image_reference.BaseRef:
    """The pinned base reference."""
    if not settings.base:
        raise ConfigError(
            "[tool.taskbelt.container] has no base image",
            'set base = "<image>@sha256:<digest>" (registry) or '
            '"oci:<layout folder>@sha256:<digest>" (local OCI layout)',
        )
    return image_reference.parse(settings.base)
