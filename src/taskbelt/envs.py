"""Put the right packages into a virtual environment, once.

nox creates and reuses the environments (with uv); this module fills them:
a tool group from taskbelt's hashed locks, or the project with its locked
(or, without ``uv.lock``, resolved) dependencies. Each install leaves a stamp
holding the hash of its inputs, so an unchanged environment is not touched
again; changing a pin, the lock or pyproject.toml reinstalls.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Sequence
from pathlib import Path

from taskbelt import defaults, proc, toolpins
from taskbelt.errors import ToolError
from taskbelt.project import Project

_UV_TIMEOUT = 900.0


def venv_python(venv: Path) -> Path:
    """The interpreter inside ``venv``."""
    return venv / "bin" / "python"


def _stamp_ok(venv: Path, name: str, key: str) -> bool:
    stamp = venv / f".taskbelt-{name}"
    return stamp.is_file() and stamp.read_text(encoding="utf-8") == key


def _write_stamp(venv: Path, name: str, key: str) -> None:
    (venv / f".taskbelt-{name}").write_text(key, encoding="utf-8")


def uv_pip_install(
    venv: Path, args: Sequence[str], *, cwd: Path | None = None, verb: str = "install"
) -> None:
    """``uv pip install ARGS`` into ``venv``; a failure is a ToolError with uv's words.

    ``verb="sync"`` makes the environment hold exactly ``ARGS``' requirements.

    Installed packages are compiled to bytecode now, once: a tool started on
    every run must not compile its imports again each time, which is what
    happens where ``PYTHONDONTWRITEBYTECODE`` is set (common in containers
    and CI images; measured: ``import pytest, coverage`` 1.3 s -> 0.5 s).
    """
    done = proc.run(
        ["uv", "pip", verb, "--compile-bytecode", "--python", str(venv_python(venv)), *args],
        cwd=cwd,
        timeout=_UV_TIMEOUT,
    )
    if done.returncode != 0:
        raise ToolError(
            f"uv could not install {' '.join(args)[:120]}",
            "read uv's message below; a network or resolution problem is the usual cause",
            argv=done.argv,
            returncode=done.returncode,
            output=done.output,
        )


def create_venv(venv: Path, python: Path) -> None:
    """Create ``venv`` with uv for ``python`` unless it already runs that interpreter."""
    marker = venv / ".taskbelt-python"
    if (
        venv_python(venv).exists()
        and marker.is_file()
        and marker.read_text(encoding="utf-8") == str(python)
    ):
        return
    done = proc.run(
        ["uv", "venv", "--quiet", "--clear", "--python", str(python), str(venv)],
        timeout=_UV_TIMEOUT,
    )
    if done.returncode != 0:
        raise ToolError(f"uv could not create {venv}", done.stderr.strip(), output=done.output)
    marker.write_text(str(python), encoding="utf-8")


def install_tools(venv: Path, group: str) -> None:
    """Install taskbelt's pinned tool ``group`` (hashes required)."""
    key = toolpins.lock_digest(group)
    if _stamp_ok(venv, f"tools-{group}", key):
        return
    lock = defaults.LOCKS_DIR / f"{group}.txt"
    uv_pip_install(venv, ["--require-hashes", "-r", str(lock)])
    _write_stamp(venv, f"tools-{group}", key)


#: Bumped when what a project environment holds changes, so that every
#: environment made by an older taskbelt is rebuilt (2: the project's own
#: versions are never replaced by taskbelt's test tools).
_ENV_LAYOUT = b"2"


def project_key(project: Project) -> str:
    """Hash of what decides the project's environment."""
    digest = hashlib.sha256(_ENV_LAYOUT)
    for name in ("pyproject.toml", "uv.lock", "setup.py", "setup.cfg"):
        path = project.root / name
        if path.is_file():
            digest.update(name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def dependency_source(project: Project) -> str:
    """Say where dependencies come from, for the summary."""
    if project.lock is not None:
        return "uv.lock (frozen)"
    return "pyproject.toml (resolved now: no uv.lock)"


def install_project(venv: Path, project: Project) -> None:
    """Install the project (editable) with its runtime and test dependencies.

    With ``uv.lock`` the environment is synced to exactly the locked set (every
    group and extra, hashes checked: nothing else stays); without it, uv
    resolves ``pyproject.toml`` now. Test tools the project does not bring
    are added afterwards by :func:`taskbelt.testenv.add_test_tools`.
    """
    key = project_key(project)
    if _stamp_ok(venv, "project", key):
        return
    marker = venv / ".taskbelt-python"
    if (venv / ".taskbelt-project").is_file() and marker.is_file():
        # Changed inputs rebuild the environment from empty: nothing of the
        # old set (or of tools added to it) may outlive the new one.
        python = Path(marker.read_text(encoding="utf-8"))
        marker.unlink()
        create_venv(venv, python)
    if project.lock is not None:
        with tempfile.TemporaryDirectory() as tmp:
            reqs = Path(tmp) / "requirements.txt"
            export_locked(project, reqs, all_groups=True)
            uv_pip_install(venv, [str(reqs)], cwd=project.root, verb="sync")
        uv_pip_install(venv, ["--no-deps", "-e", str(project.root)], cwd=project.root)
    else:
        extras = ",".join(project.test_extras)
        target = f"{project.root}[{extras}]" if extras else str(project.root)
        args = ["-e", target]
        for group in project.test_groups:
            args += ["--group", f"{project.root / 'pyproject.toml'}:{group}"]
        uv_pip_install(venv, args, cwd=project.root)
    _write_stamp(venv, "project", key)


def export_locked(
    project: Project, out: Path, *, all_groups: bool, groups: Sequence[str] = ()
) -> None:
    """Write the locked set as hashed requirements (``uv export --frozen``).

    Args:
        project: the project whose ``uv.lock`` is exported.
        out: where the requirements file goes.
        all_groups: include every dependency group and extra (test envs);
            otherwise only runtime dependencies plus ``groups`` (the audit).
        groups: extra dependency groups to include when not ``all_groups``.
    """
    argv = [
        "uv",
        "export",
        "--frozen",
        "--format",
        "requirements-txt",
        "--no-emit-project",
        "--quiet",
    ]
    if all_groups:
        argv += ["--all-groups", "--all-extras"]
    else:
        argv += ["--no-default-groups", *[a for g in groups for a in ("--group", g)]]
    done = proc.run([*argv, "-o", str(out)], cwd=project.root, timeout=_UV_TIMEOUT)
    if done.returncode != 0:
        raise ToolError(
            "uv could not export the locked dependencies (is uv.lock out of date?)",
            "run `uv lock` and commit uv.lock",
            argv=done.argv,
            returncode=done.returncode,
            output=done.output,
        )


def compile_unlocked(project: Project, out: Path, *, groups: Sequence[str] = ()) -> None:
    """Resolve ``pyproject.toml`` now into hashed requirements (no ``uv.lock``).

    The resolution is universal (every platform and Python, like ``uv lock``)
    and covers runtime dependencies plus ``groups``, the same set
    :func:`export_locked` writes for the audit when a lock exists.
    """
    pyproject = project.root / "pyproject.toml"
    argv = ["uv", "pip", "compile", str(pyproject), "--universal", "--generate-hashes"]
    argv += [a for g in groups for a in ("--group", f"{pyproject}:{g}")]
    done = proc.run(
        [*argv, "--no-header", "--quiet", "-o", str(out)], cwd=project.root, timeout=_UV_TIMEOUT
    )
    if done.returncode != 0:
        raise ToolError(
            "uv could not resolve the dependencies in pyproject.toml",
            "read uv's message below; `uv lock` shows the same problem",
            argv=done.argv,
            returncode=done.returncode,
            output=done.output,
        )
