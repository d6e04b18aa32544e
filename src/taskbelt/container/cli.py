"""`taskbelt container`: build (or, with ``--verify``, prove) the app's image.

``add_parser(subparsers)`` registers the subcommand on taskbelt's CLI and
``run(args) -> int`` executes it; ``main(argv)`` runs it on its own (as
``python -m taskbelt.container``, which ``--verify`` uses for its builds).
The image digest is always the last line printed.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taskbelt.errors import ExitCode
from taskbelt.output import console
from taskbelt.repository import locate
from taskbelt.repository.project import Project
from taskbelt.settings import container as container_settings
from taskbelt.settings.container import ARCHIVE_NAME, LAYOUT_NAME, STATE_SUBDIR, ContainerSettings

if TYPE_CHECKING:
    from taskbelt.container.build import BuildOptions

# The builder (its inputs, layers, OCI, engine and verify modules) is imported
# by the functions that build, not here: every `taskbelt check` registers this
# subcommand and should not pay for loading them.

HELP = "build a reproducible OCI image of the app from uv.lock"


def _umask(text: str) -> int:
    try:
        value = int(text, 8)
    except ValueError:
        msg = f"{text!r} is not an octal umask like 022"
        raise argparse.ArgumentTypeError(msg) from None
    if not 0 <= value <= 0o777:  # noqa: PLR2004
        msg = f"{text!r} is not a umask"
        raise argparse.ArgumentTypeError(msg)
    return value


def configure(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the container options to ``parser``."""
    parser.add_argument(
        "--verify", action="store_true", help="build twice under variation and compare digests"
    )
    parser.add_argument(
        "--platform",
        dest="platforms",
        action="append",
        default=[],
        metavar="OS/ARCH",
        help="build for this platform (repeatable; default: the configured ones)",
    )
    parser.add_argument("--output", type=Path, help="output folder (default: build/container)")
    parser.add_argument(
        "--archive",
        action="store_true",
        help=f"also write {ARCHIVE_NAME} (an OCI archive of the image)",
    )
    parser.add_argument(
        "--load", choices=("podman", "docker"), help="load the image into an engine"
    )
    parser.add_argument("--push", metavar="DEST", help="push with skopeo copy --preserve-digests")
    # Used by --verify for its builds; not for everyday use.
    parser.add_argument("--umask", type=_umask, help=argparse.SUPPRESS)
    parser.add_argument("--source-date-epoch", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--revision", help=argparse.SUPPRESS)
    parser.add_argument("--base", help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", type=Path, help=argparse.SUPPRESS)
    return parser


def add_parser(
    subparsers: Any, parents: Sequence[argparse.ArgumentParser] = ()
) -> argparse.ArgumentParser:
    """Register ``container`` on taskbelt's subcommands (``parents``: the common options)."""
    parser = subparsers.add_parser("container", parents=list(parents), help=HELP, description=HELP)
    return configure(parser)


def project_root(args: argparse.Namespace) -> Path:
    """``--root``, else TASKBELT_PROJECT_ROOT, else the nearest pyproject.toml."""
    return locate.project_root(getattr(args, "root", None))


def load_settings(root: Path) -> ContainerSettings:
    """``[tool.taskbelt.container]`` of the project at ``root``, validated with the rest.

    Read through the project's settings, so ``TASKBELT_CONTAINER__*``
    overrides apply and a misspelt key is the same two-line error as
    anywhere in ``[tool.taskbelt]``.
    """
    return Project.load(root).settings.container


def _with_base(settings: ContainerSettings, base: str | None) -> ContainerSettings:
    if base is None:
        return settings
    return container_settings.load({**_as_table(settings), "base": base})


def _as_table(settings: ContainerSettings) -> dict[str, Any]:
    data = settings.model_dump(exclude_none=True)
    data["files"] = [f.model_dump(exclude_none=True) for f in settings.files]
    return {k.replace("_", "-"): v for k, v in data.items()}


def _verify_extra(args: argparse.Namespace, root: Path, settings: ContainerSettings) -> list[str]:
    """Options both verify builds get: platforms, the base as an absolute reference, the cache."""
    extra: list[str] = []
    for platform in args.platforms:
        extra += ["--platform", platform]
    from taskbelt.container.inputs import require_base  # noqa: PLC0415 - the builder: see top

    ref = require_base(settings)
    base = settings.base or ""
    if ref.kind != "registry" and not Path(ref.location).is_absolute():
        prefix = "oci-archive:" if base.startswith("oci-archive:") else "oci:"
        base = f"{prefix}{(root / ref.location).resolve()}@{ref.digest}"
    extra += ["--base", base]
    extra += ["--cache-dir", str(args.cache_dir or root / ".taskbelt-cache" / STATE_SUBDIR)]
    return extra


def run(args: argparse.Namespace) -> int:
    """Execute ``taskbelt container``; return the exit status.

    Raises:
        TaskbeltError: for the entry boundary (:mod:`taskbelt.frontends.exit_status`).
    """
    from taskbelt.container import verify  # noqa: PLC0415 - the builder: see top
    from taskbelt.container.build import build, deliver  # noqa: PLC0415 - as above
    from taskbelt.container.inputs import require_lock, source_date_epoch  # noqa: PLC0415

    if args.umask is not None:
        os.umask(args.umask)
    root = project_root(args)
    settings = _with_base(load_settings(root), args.base)
    if args.verify:
        require_lock(root)
        target = (args.output or root / settings.output).resolve()
        verdict = verify.verify(root, _verify_extra(args, root, settings), output=target)
        print(f"build 1: {verdict.digests[0]}")
        print(f"build 2: {verdict.digests[1]}")
        if not verdict.reproducible:
            for line in verdict.report:
                print(console.redact(line))
            return int(ExitCode.FAILED)
        epoch = source_date_epoch(root, args.source_date_epoch, os.environ)
        multi = len(set(args.platforms or settings.platforms or [""])) > 1
        deliver(target / LAYOUT_NAME, verdict.digests[0], _options(args), epoch=epoch, multi=multi)
        print(f"reproducible: both builds gave the same image, written to {_shown(target, root)}")
        print(verdict.digests[0])
        return int(ExitCode.OK)
    result = build(root, settings, _options(args))
    where = _shown(result.layout, root)
    print(
        f"image: {where} ({', '.join(result.platforms)}, {settings.backend} backend, "
        f"{result.seconds:.1f} s); digest in {_shown(result.digest_file, root)}"
    )
    if result.archive is not None:
        print(f"archive: {_shown(result.archive, root)}")
    if args.push:
        print(f"pushed: {args.push}")
    print(result.digest)
    return int(ExitCode.OK)


def _options(args: argparse.Namespace) -> BuildOptions:
    from taskbelt.container.build import BuildOptions  # noqa: PLC0415 - the builder: see top

    return BuildOptions(
        output=args.output,
        platforms=tuple(args.platforms),
        archive=args.archive,
        load=args.load,
        push=args.push,
        source_date_epoch=args.source_date_epoch,
        revision=args.revision,
        cache=args.cache_dir,
    )


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
