"""Virtual environments taskbelt makes and fills with uv, once: the tool layer.

Every environment is made with ``uv venv`` on an interpreter given by
absolute path, and filled with ``uv pip``. A fill leaves a stamp holding
the hash of its inputs, so an unchanged environment is not touched again.
This module knows tool groups (taskbelt's hashed locks, or the versions a
repository pins) and nothing of projects: :mod:`taskbelt.environments.create` fills
project environments on top of it, and modules that read a repository's
declarations through a tool (:mod:`taskbelt.repository.tox_config`) use it without
depending on the project.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from taskbelt import defaults, proc
from taskbelt.tools import pins

UV_TIMEOUT = 900.0

#: One lock per environment folder: the checks run in threads, and two of them
#: may need the same environment at once (lint's tools are also the audit's;
#: two checks may ask nox what the noxfile declares). Runs in one repository
#: take turns already (:func:`taskbelt.state.folder.repo_lock`).
_BUILDING: dict[Path, threading.Lock] = {}
_BUILDING_GUARD = threading.Lock()


@contextlib.contextmanager
def building(venv: Path) -> Iterator[None]:
    """Hold ``venv``'s lock while it is created or filled (seen: two ``uv venv --clear`` at once)."""
    with _BUILDING_GUARD:
        lock = _BUILDING.setdefault(venv, threading.Lock())
    with lock:
        yield


def venv_python(venv: Path) -> Path:
    """The interpreter inside ``venv``."""
    return venv / "bin" / "python"


def stamp_ok(venv: Path, name: str, key: str) -> bool:
    """Whether ``venv`` was last filled for ``name`` from inputs hashing to ``key``."""
    stamp = venv / f".taskbelt-{name}"
    return stamp.is_file() and stamp.read_text(encoding="utf-8") == key


def write_stamp(venv: Path, name: str, key: str) -> None:
    """Record that ``venv`` is filled for ``name`` from inputs hashing to ``key``."""
    (venv / f".taskbelt-{name}").write_text(key, encoding="utf-8")


def uv_pip_install(
    venv: Path,
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    verb: str = "install",
    fix: str = "read uv's message above; a network or resolution problem is the usual cause",
    env: Mapping[str, str] | None = None,
) -> None:
    """``uv pip install ARGS`` into ``venv``; a failure is a ToolError with uv's words.

    ``verb="sync"`` makes the environment hold exactly ``ARGS``' requirements.

    Installed packages are compiled to bytecode now, once: a tool started on
    every run must not compile its imports again each time, which is what
    happens where ``PYTHONDONTWRITEBYTECODE`` is set (common in containers
    and CI images; measured: ``import pytest, coverage`` 1.3 s -> 0.5 s).
    """
    proc.run(
        ["uv", "pip", verb, "--compile-bytecode", "--python", str(venv_python(venv)), *args],
        cwd=cwd,
        env=env,
        timeout=UV_TIMEOUT,
        error=(f"uv could not install into {venv}: {' '.join(args)}", fix),
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
    proc.run(
        ["uv", "venv", "--quiet", "--clear", "--python", str(python), str(venv)],
        timeout=UV_TIMEOUT,
        error=(f"uv could not create {venv}", "read uv's message above"),
    )
    marker.write_text(str(python), encoding="utf-8")


def install_tools(venv: Path, group: str, versions: Mapping[str, str] | None = None) -> None:
    """Install tool ``group``: taskbelt's hashed lock, or ``versions`` where the repo pins them.

    With ``versions`` (tool name -> the repository's version) the group's
    requirements are installed with those versions instead of taskbelt's,
    resolved by uv without hashes: the repository's own pins (a pre-commit
    ``rev``, a ``==`` in a dependency group) carry none to check against.
    """
    if not versions:
        key = pins.lock_digest(group)
        if stamp_ok(venv, f"tools-{group}", key):
            return
        lock = defaults.LOCKS_DIR / f"{group}.txt"
        uv_pip_install(venv, ["--require-hashes", "-r", str(lock)])
        write_stamp(venv, f"tools-{group}", key)
        return
    requirements = pins.requirements_with(group, versions)
    key = "\n".join(requirements)
    if stamp_ok(venv, f"tools-{group}", key):
        return
    uv_pip_install(
        venv,
        requirements,
        fix="the repository pins this version (see -v for where); check that pin, or set "
        '[tool.taskbelt] tool-versions = "taskbelt" to run taskbelt\'s',
    )
    write_stamp(venv, f"tools-{group}", key)


def base_python() -> Path:
    """The interpreter tool environments are made from: the one running taskbelt.

    Inside a virtual environment this is its base interpreter, so a tool
    environment outlives the environment taskbelt itself runs from.
    """
    return Path(getattr(sys, "_base_executable", "") or sys.executable)


def asking_env(state_dir: Path, group: str) -> Path:
    """The environment of tool ``group`` at taskbelt's pins, made and filled if needed.

    For the tools taskbelt asks what a repository declares (tox, nox): their
    answers are read, not verdicts, so the repository's own pins do not apply.
    """
    venv = state_dir / defaults.ENVS_SUBDIR / f"tools-{group}"
    with building(venv):
        create_venv(venv, base_python())
        install_tools(venv, group)
    return venv
