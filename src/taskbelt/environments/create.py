"""The environments a check runs in: tools in one, the project in another, made once.

taskbelt keeps its environments under ``.taskbelt-cache/envs/``
(:func:`env_dir`): one per tool group at the versions the repository pins
(:func:`tool_env`) and one per project session (:func:`project_env`). This
module fills a project environment (made by :mod:`taskbelt.tools.venvs` on the
interpreter :mod:`taskbelt.tools.interpreters` found) with the project and its
locked (or, without ``uv.lock``, resolved) dependencies. The install leaves
a stamp holding the hash of its inputs, so an unchanged environment is not
touched again; changing the lock or pyproject.toml reinstalls.
"""

from __future__ import annotations

import hashlib
import logging
import shlex
import tempfile
from collections.abc import Sequence
from pathlib import Path

from taskbelt import defaults, proc
from taskbelt.environments import build_byproducts, build_failure
from taskbelt.errors import ToolError
from taskbelt.repository import test_dependencies
from taskbelt.repository.project import Project
from taskbelt.tools import pins
from taskbelt.tools.venvs import (
    UV_TIMEOUT,
    base_python,
    building,
    create_venv,
    install_tools,
    stamp_ok,
    uv_pip_install,
    write_stamp,
)

LOGGER = logging.getLogger("taskbelt")

#: Bumped when what a project environment holds changes, so that every
#: environment made by an older taskbelt is rebuilt (2: the project's own
#: versions are never replaced by taskbelt's test tools; 3: only the chosen
#: groups and extras, not every one).
_ENV_LAYOUT = b"3"


def env_dir(project: Project, name: str) -> Path:
    """The folder of one environment in the repository's state folder."""
    return project.state_dir / defaults.ENVS_SUBDIR / name


def tool_env(project: Project, group: str) -> Path:
    """The environment holding tool ``group``, created and filled if needed.

    Tools the repository pins run at its versions (:mod:`taskbelt.repository.tool_versions`),
    in an environment of their own named by those versions: made once, kept
    beside the one with taskbelt's pins.
    """
    versions = project.tools.repository_versions(pins.group_tools(group))
    suffix = "".join(f"-{tool}{version}" for tool, version in sorted(versions.items()))
    venv = env_dir(project, f"tools-{group}{suffix}")
    with building(venv):
        create_venv(venv, base_python())
        install_tools(venv, group, versions)
    return venv


def project_env(
    project: Project, name: str, python: Path, choice: test_dependencies.Choice | None = None
) -> Path:
    """An environment named ``name`` on ``python`` with the project and ``choice`` installed."""
    venv = env_dir(project, name)
    with building(venv):
        create_venv(venv, python)
        install_project(venv, project, choice)
    return venv


def project_key(project: Project, choice: test_dependencies.Choice | None = None) -> str:
    """Hash of what decides the project's environment (with ``choice``, default the tests')."""
    digest = hashlib.sha256(_ENV_LAYOUT)
    # TASKBELT_TEST_GROUPS may choose, not only pyproject
    choice = project.test_choice if choice is None else choice
    digest.update(repr((choice.groups, choice.extras, choice.requirements)).encode())
    for path in _files_named(project.root, choice.requirements):  # -r requirements-test.txt
        digest.update(path.read_bytes())
    for name in ("pyproject.toml", "uv.lock", "setup.py", "setup.cfg"):
        path = project.root / name
        if path.is_file():
            digest.update(name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _files_named(root: Path, requirements: Sequence[str]) -> list[Path]:
    """The files option lines such as ``-r requirements-test.txt`` name, where they exist."""
    found = []
    for arg in requirement_args([line for line in requirements if line.startswith("-")]):
        if arg.startswith("--"):
            name = arg.split("=", 1)[1] if "=" in arg else ""
        else:
            name = arg[2:] if arg[:2] in ("-r", "-c") else arg
        if name and (root / name).is_file():
            found.append(root / name)
    return found


def dependency_source(project: Project) -> str:
    """Say where dependencies come from, for the summary."""
    if project.lock is not None:
        return "uv.lock (frozen)"
    return "pyproject.toml (resolved now: no uv.lock)"


def install_project(
    venv: Path, project: Project, choice: test_dependencies.Choice | None = None
) -> None:
    """Install the project (editable) with its runtime and chosen test dependencies.

    The groups and extras are ``choice``, by default :attr:`Project.test_choice`
    (:mod:`taskbelt.repository.test_dependencies`; the type checker's environment is given
    :attr:`Project.typing_choice`). With ``uv.lock``
    the environment is synced to exactly that part of the locked set (hashes
    checked: nothing else stays); without it, uv resolves ``pyproject.toml``
    now. Test tools the project does not bring are added afterwards by
    :func:`taskbelt.environments.test_env.add_test_tools`. A set uv cannot install is a
    ToolError naming the group, the Python and the requirement.
    """
    choice = project.test_choice if choice is None else choice
    key = project_key(project, choice)
    if stamp_ok(venv, "project", key):
        return
    marker = venv / ".taskbelt-python"
    if (venv / ".taskbelt-project").is_file() and marker.is_file():
        # Changed inputs rebuild the environment from empty: nothing of the
        # old set (or of tools added to it) may outlive the new one.
        python = Path(marker.read_text(encoding="utf-8"))
        marker.unlink()
        create_venv(venv, python)
    LOGGER.info("%s: the project with %s", venv.name, choice.describe())
    kept_out = build_byproducts.kept_out(
        project.root, project.state_dir, venv.name, project.excluded
    )
    try:
        if project.lock is not None:
            with tempfile.TemporaryDirectory() as tmp:
                reqs = Path(tmp) / "requirements.txt"
                export_locked(project, reqs, groups=choice.groups, extras=choice.extras)
                uv_pip_install(venv, [str(reqs)], cwd=project.root, verb="sync")
            with kept_out as env:
                editable = ["--no-deps", "-e", str(project.root)]
                uv_pip_install(venv, editable, cwd=project.root, env=env)
            if choice.requirements:
                uv_pip_install(venv, requirement_args(choice.requirements), cwd=project.root)
        else:
            extras = ",".join(choice.extras)
            target = f"{project.root}[{extras}]" if extras else str(project.root)
            args = ["-e", target, *requirement_args(choice.requirements)]
            for group in choice.groups:
                args += ["--group", f"{project.root / 'pyproject.toml'}:{group}"]
            with kept_out as env:
                uv_pip_install(venv, args, cwd=project.root, env=env)
    except ToolError as exc:
        explained = test_dependencies.explain(
            project.data, choice, python_version(venv), exc.output
        ) or build_failure.explain(project.data, project.name, exc.output)
        if explained is None:
            raise
        raise ToolError(
            *explained, argv=exc.argv, returncode=exc.returncode, output=exc.output
        ) from None
    write_stamp(venv, "project", key)


def requirement_args(requirements: Sequence[str]) -> list[str]:
    """``uv pip install`` arguments for requirement lines as tox's ``deps`` holds them.

    A requirement (``freezegun>=1``) is one argument; an option line
    (``-r requirements-test.txt``, ``-cconstraints.txt``) is split as a shell
    would, and uv reads it as pip does, relative to the repository.
    """
    args: list[str] = []
    for line in requirements:
        args += shlex.split(line) if line.startswith("-") else [line]
    return args


def python_version(venv: Path) -> str:
    """``3.10.13``: the Python of ``venv``, from its ``pyvenv.cfg`` (``?`` if unreadable)."""
    try:
        text = (venv / "pyvenv.cfg").read_text(encoding="utf-8")
    except OSError:
        return "?"
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("version_info", "version"):
            return value.strip()
    return "?"


def export_locked(
    project: Project,
    out: Path,
    *,
    groups: Sequence[str] = (),
    extras: Sequence[str] = (),
    sbom: bool = False,
) -> None:
    """Write the locked set as hashed requirements (``uv export --frozen``).

    Runtime dependencies plus ``groups`` and ``extras``; no default group
    comes along unasked (uv's default would add ``dev``). ``sbom``: the same
    set as uv's CycloneDX 1.5 document instead (a preview feature of uv 0.13).
    """
    argv = ["uv", "export", "--frozen", "--no-emit-project", "--quiet"]
    if sbom:
        argv += ["--preview-features", "sbom-export", "--format", "cyclonedx1.5"]
    else:
        argv += ["--format", "requirements-txt"]
    argv += ["--no-default-groups", *[a for g in groups for a in ("--group", g)]]
    argv += [a for e in extras for a in ("--extra", e)]
    proc.run(
        [*argv, "-o", str(out)],
        cwd=project.root,
        timeout=UV_TIMEOUT,
        error=(
            "uv could not export the locked dependencies (is uv.lock out of date?)",
            "run `uv lock` and commit uv.lock",
        ),
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
    proc.run(
        [*argv, "--no-header", "--quiet", "-o", str(out)],
        cwd=project.root,
        timeout=UV_TIMEOUT,
        error=(
            "uv could not resolve the dependencies in pyproject.toml",
            "read uv's message above; `uv lock` shows the same problem",
        ),
    )
