"""The app's Python packages, installed for the image's platform by uv.

Third-party dependencies come from ``uv.lock`` (``uv export --frozen``) and
are installed as wheels for the target platform and Python version with
``uv pip install --target --python-platform``, so no emulation is needed and
arm64 images build on amd64. Before installing, every locked package is
checked for a wheel that fits the target; those that have none are named in
one error. The installed tree is then arranged as a virtual environment
(``/opt/venv``) whose ``bin/python`` points at the base's interpreter.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import shutil
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

from taskbelt import proc
from taskbelt.container.base import Runtime, uv_platform, wheel_platforms
from taskbelt.errors import ConfigError, ProjectError
from taskbelt.settings.container import VENV

_UV_TIMEOUT = 1800.0
#: Files an installer writes into .dist-info that describe this machine (the
#: wheel's path, uv's cache timestamp), not the package: left out of the image.
_MACHINE_SPECIFIC = frozenset({"direct_url.json", "uv_cache.json"})


@dataclass(frozen=True)
class Target:
    """What the packages are installed for."""

    platform: str
    machine: str
    runtime: Runtime

    @property
    def uv_platform(self) -> str:
        """uv's ``--python-platform`` value."""
        return uv_platform(self.machine, self.runtime)

    @property
    def site_packages(self) -> PurePosixPath:
        """site-packages of the image's virtual environment."""
        return VENV / "lib" / f"python{self.runtime.python}" / "site-packages"

    def uv_args(self) -> list[str]:
        """The uv options that select the target."""
        return [
            "--python-platform",
            self.uv_platform,
            "--python-version",
            self.runtime.python,
            "--link-mode",
            "copy",
            "--no-deps",
            "--no-compile",
            "--quiet",
        ]

    def marker_env(self) -> dict[str, str]:
        """The environment markers evaluate against, for this target."""
        return {
            "implementation_name": "cpython",
            "implementation_version": f"{self.runtime.python}.0",
            "os_name": "posix",
            "platform_machine": self.machine,
            "platform_python_implementation": "CPython",
            "platform_release": "",
            "platform_system": "Linux",
            "platform_version": "",
            "python_full_version": f"{self.runtime.python}.0",
            "python_version": self.runtime.python,
            "sys_platform": "linux",
        }

    def tags(self) -> set[Tag]:
        """Wheel tags this target accepts."""
        version = self.runtime.version_tuple
        platforms = wheel_platforms(self.machine, self.runtime)
        found = set(cpython_tags(version, platforms=platforms))
        found |= set(compatible_tags(version, f"cp{version[0]}{version[1]}", platforms))
        return found


@dataclass(frozen=True)
class Pin:
    """One locked requirement of the export."""

    name: str
    version: str
    line: str


def run_uv(argv: list[str], *, cwd: Path, env: Mapping[str, str], what: str) -> proc.Completed:
    """Run uv; a non-zero exit is a ToolError carrying uv's words."""
    return proc.run(
        argv,
        cwd=cwd,
        env=env,
        timeout=_UV_TIMEOUT,
        error=(f"uv could not {what}", "read uv's message above"),
    )


def export(root: Path, work: Path, env: Mapping[str, str]) -> Path:
    """``uv export`` of the locked runtime dependencies, without the project itself."""
    target = work / "requirements.txt"
    run_uv(
        [
            "uv",
            "export",
            "--frozen",
            "--no-dev",
            "--no-emit-project",
            "--format",
            "requirements-txt",
            "--no-header",
            "--no-annotate",
            "--quiet",
            "--output-file",
            str(target),
        ],
        cwd=root,
        env=env,
        what="export the locked dependencies from uv.lock",
    )
    return target


def pins(requirements: Path, target: Target) -> list[Pin]:
    """The requirements of ``requirements`` whose markers hold for ``target``."""
    text = requirements.read_text(encoding="utf-8").replace("\\\n", " ")
    out = []
    for raw in text.splitlines():
        line = raw.split(" --hash", 1)[0].split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(("-e", ".", "/", "file:")) or " @ " in line:
            raise ProjectError(
                f"uv.lock has a local or direct-URL dependency: {line}",
                "the layers backend installs wheels from the index only; publish it, or use "
                'backend = "containerfile"',
            )
        try:
            req = Requirement(line)
        except (InvalidRequirement, InvalidMarker) as exc:
            raise ProjectError(f"cannot read exported requirement {line!r}: {exc}", "") from None
        if req.marker is not None and not Marker(str(req.marker)).evaluate(target.marker_env()):
            continue
        spec = next(iter(req.specifier), None)
        out.append(Pin(canonicalize_name(req.name), spec.version if spec else "", raw.strip()))
    return out


def _wheel_names(lock: Mapping[str, Any]) -> dict[tuple[str, str], list[str]]:
    names: dict[tuple[str, str], list[str]] = {}
    for package in lock.get("package", []):
        key = (canonicalize_name(str(package.get("name", ""))), str(package.get("version", "")))
        files = []
        for wheel in package.get("wheels", []):
            ref = wheel.get("filename") or wheel.get("url") or wheel.get("path") or ""
            files.append(str(ref).rsplit("/", 1)[-1].split("#", 1)[0])
        names[key] = files
    return names


def check_wheels(lock_path: Path, wanted: Iterable[Pin], target: Target) -> None:
    """Every wanted package has a wheel for ``target`` in uv.lock.

    Raises:
        ProjectError: naming every package without one.
    """
    lock = tomllib.loads(lock_path.read_text(encoding="utf-8"))
    wheels = _wheel_names(lock)
    accepted = target.tags()
    missing = []
    for pin in wanted:
        files = wheels.get((pin.name, pin.version), [])
        if not any(_fits(name, accepted) for name in files):
            missing.append(f"{pin.name}=={pin.version}")
    if missing:
        py = target.runtime.python
        raise ProjectError(
            f"no wheel for {target.platform} (Python {py}, {target.uv_platform}) in uv.lock "
            f"for: {', '.join(missing)}",
            "the layers backend installs wheels only (no build, no emulation): pick versions "
            "that publish such wheels, or build with RUN steps: set backend = "
            '"containerfile" in [tool.taskbelt.container] (see docs/container.md)',
        )


def _fits(filename: str, accepted: set[Tag]) -> bool:
    try:
        tags = parse_wheel_filename(filename)[3]
    except InvalidWheelFilename:
        return False
    return not accepted.isdisjoint(tags)


def install(
    requirements: list[str],
    stage: Path,
    target: Target,
    env: Mapping[str, str],
    *,
    cwd: Path,
    hashes: bool,
) -> None:
    """``uv pip install --target stage`` for the image's platform."""
    if not requirements:
        return
    argv = ["uv", "pip", "install", "--target", str(stage), *target.uv_args()]
    if hashes:
        argv.append("--require-hashes")
    run_uv([*argv, *requirements], cwd=cwd, env=env, what=f"install packages for {target.platform}")


def build_wheel(root: Path, out: Path, env: Mapping[str, str]) -> Path:
    """The project's own wheel, built by ``uv build``."""
    run_uv(
        ["uv", "build", "--wheel", "--quiet", "--out-dir", str(out), str(root)],
        cwd=root,
        env=env,
        what="build the project's wheel",
    )
    wheels = sorted(out.glob("*.whl"))
    if len(wheels) != 1:
        raise ProjectError(f"uv build wrote {len(wheels)} wheels in {out}, expected one", "")
    return wheels[0]


def arrange(stage: Path, site: Path, scripts: Path) -> list[str]:
    """Move a ``--target`` install into venv form: packages to ``site``, scripts to ``scripts``.

    Script shebangs (uv wrote this machine's Python) are rewritten to the
    image's ``/opt/venv/bin/python``; RECORD files follow; ``direct_url.json``
    and ``uv_cache.json`` (this machine's build folder, a timestamp) are
    dropped. Returns the script names.
    """
    site.mkdir(parents=True, exist_ok=True)
    scripts.mkdir(parents=True, exist_ok=True)
    (stage / ".lock").unlink(missing_ok=True)
    for name in _MACHINE_SPECIFIC:
        for path in stage.glob(f"*.dist-info/{name}"):
            path.unlink()
    moved: dict[str, tuple[str, int]] = {}
    bin_dir = stage / "bin"
    if bin_dir.is_dir():
        for script in sorted(bin_dir.iterdir()):
            data = _reshebang(script.read_bytes())
            dest = scripts / script.name
            dest.write_bytes(data)
            dest.chmod(0o755)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            moved[f"bin/{script.name}"] = (f"sha256={digest.decode()}", len(data))
        shutil.rmtree(bin_dir)
    for entry in sorted(stage.iterdir()):
        shutil.move(str(entry), site / entry.name)
    for record in sorted(site.glob("*.dist-info/RECORD")):
        _rewrite_record(record, moved)
    return sorted(p.name for p in scripts.iterdir())


def _reshebang(data: bytes) -> bytes:
    lines = data.split(b"\n")
    if lines and lines[0] == b"#!/bin/sh" and lines[1:2] and lines[1].startswith(b"'''exec'"):
        lines = lines[3:]  # uv's /bin/sh trampoline for long interpreter paths
    elif lines and lines[0].startswith(b"#!") and b"python" in lines[0]:
        lines = lines[1:]
    else:
        return data
    return b"\n".join([f"#!{VENV}/bin/python".encode(), *lines])


def _rewrite_record(record: Path, moved: Mapping[str, tuple[str, int]]) -> None:
    rows = list(csv.reader(io.StringIO(record.read_text(encoding="utf-8"))))
    dist_info = record.parent.name
    out = []
    for row in rows:
        if not row:
            continue
        path = row[0]
        name = path.removeprefix(f"{dist_info}/")
        if name in _MACHINE_SPECIFIC and "/" not in name:
            (record.parent / name).unlink(missing_ok=True)
            continue
        if path in moved:
            digest, size = moved[path]
            out.append([f"../../../{path}", digest, str(size)])
        else:
            out.append(row)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(out)
    record.write_text(buffer.getvalue(), encoding="utf-8")


def venv_files(target: Target) -> dict[str, bytes | str]:
    """The venv skeleton: pyvenv.cfg (bytes) and bin/python* links (str targets)."""
    interpreter = PurePosixPath(target.runtime.interpreter)
    cfg = (
        f"home = {interpreter.parent}\n"
        "include-system-site-packages = false\n"
        f"version = {target.runtime.python}\n"
    ).encode()
    return {
        "pyvenv.cfg": cfg,
        "bin/python": str(interpreter),
        "bin/python3": "python",
        f"bin/python{target.runtime.python}": "python",
    }


# pycache_prefix: a PYTHONPYCACHEPREFIX around us (taskbelt's own test run sets
# one) would send the .pyc files out of the image tree.
_COMPILE = """
import pathlib, py_compile, sys
sys.pycache_prefix = None
site, image_site = pathlib.Path(sys.argv[1]), sys.argv[2]
for path in sorted(site.rglob("*.py"), key=lambda p: p.as_posix().encode()):
    rel = path.relative_to(site).as_posix()
    py_compile.compile(str(path), dfile=image_site + "/" + rel, doraise=False, quiet=1,
                       invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
"""


def compile_bytecode(
    site: Path, image_site: PurePosixPath, target: Target, env: Mapping[str, str]
) -> None:
    """Compile ``site`` to hash-based .pyc, sorted, in one process of the target's Python."""
    from taskbelt.tools import interpreters  # noqa: PLC0415 - only needed when opted in

    found = interpreters.find(target.runtime.python, env)
    if found.path is None:
        raise ConfigError(
            f"compile-bytecode needs Python {target.runtime.python} on this machine "
            "(bytecode is specific to the version)",
            f"{found.install_hint}, or set compile-bytecode = false",
        )
    proc.run(
        [str(found.path), "-c", _COMPILE, str(site), str(image_site)],
        env={**{k: v for k, v in env.items() if k != "PYTHONPYCACHEPREFIX"}, "PYTHONHASHSEED": "0"},
        timeout=_UV_TIMEOUT,
        error=("compiling bytecode failed", "read Python's message above"),
    )


def clean_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Our environment without variables that would change what uv installs."""
    env = dict(os.environ if base is None else base)
    for key in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT", "PYTHONPATH", "PIP_REQUIRE_VIRTUALENV"):
        env.pop(key, None)
    return env
