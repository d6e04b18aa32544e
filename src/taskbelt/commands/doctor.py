"""``doctor`` and ``python:sync``: what taskbelt needs, and what is present.

``doctor`` lists each requirement with its version, or with the command that
provides it when it is missing, and exits 0 only when every configured check
can run. It judges each Python as ``check`` does (:mod:`taskbelt.environments.matrix`): a
version ``check`` would skip is a ``skipped`` row with ``check``'s reason, not
a failure; one that stops ``check`` (named but missing in CI, or no version of
the matrix installed at all) is ``missing``.

``python:sync`` links pyenv's and uv's interpreters into mise
(``mise sync python``) and reports which versions mise, uv and taskbelt see.
uv only looks on PATH and in its own install folder, so a version mise knows
through a pyenv link stays invisible to a bare ``uv``; taskbelt therefore
hands uv and nox absolute interpreter paths, and for your own shell
``mise use python@3.X ...`` puts every listed version on PATH.
"""

from __future__ import annotations

import importlib.metadata
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from taskbelt import proc
from taskbelt.environments import matrix
from taskbelt.environments.matrix import Matrix
from taskbelt.errors import ToolError
from taskbelt.tools import interpreters


@dataclass(frozen=True)
class Requirement:
    """One thing taskbelt needs: its version when present, how to get it when not."""

    name: str
    version: str | None
    provide: str
    required: bool = True
    skipped: bool = False

    @property
    def ok(self) -> bool:
        """Present, or not needed."""
        return self.version is not None or not self.required

    @property
    def status(self) -> str:
        """``ok``, ``skipped`` (``check`` goes on without it), ``missing`` or ``optional``."""
        if self.version is not None:
            return "ok"
        if self.skipped:
            return "skipped"
        return "missing" if self.required else "optional"


def tool_version(argv: list[str], env: Mapping[str, str] | None = None) -> str | None:
    """First line of ``argv``'s output, or None if the tool is missing or fails."""
    try:
        done = proc.run(argv, env=env, timeout=30)
    except ToolError:
        return None
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.output.strip() else ""


def requirements(tests: Matrix, env: Mapping[str, str] | None = None) -> list[Requirement]:
    """Everything the configured checks need."""
    found = [
        Requirement(
            "mise", tool_version(["mise", "--version"], env), "npm install -g @jdxcode/mise"
        ),
        Requirement("uv", tool_version(["uv", "--version"], env), "pip install uv"),
        Requirement(
            "nox", f"nox {importlib.metadata.version('nox')}", "part of taskbelt's environment"
        ),
        Requirement("git", tool_version(["git", "--version"], env), "apt-get install git"),
    ]
    found += pythons(tests, matrix.in_ci(os.environ if env is None else env))
    engines = ("buildah", "podman", "skopeo")
    for engine in engines:
        found.append(
            Requirement(
                engine,
                tool_version([engine, "--version"], env),
                f"apt-get install {engine} (only for `mise run container`)",
                required=False,
            )
        )
    return found


def pythons(tests: Matrix, ci: bool) -> list[Requirement]:
    """Each wanted Python, judged as ``check`` judges it (see the module's docstring)."""
    found = [
        Requirement(f"python{i.version}", f"{i.version} at {i.path}", i.install_hint)
        for i in tests.present
    ]
    stopping = tests.stops_check(ci)
    for interp in tests.skipped:
        stops_check = interp in stopping
        hint = interp.install_hint if stops_check else tests.why_skipped(interp)
        name = f"python{interp.version}"
        found.append(Requirement(name, None, hint, required=stops_check, skipped=not stops_check))
    return found


def render(console: Console, found: list[Requirement]) -> None:
    """The requirement table."""
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("needs", "status", "version or how to get it"):
        table.add_column(column)
    for item in found:
        table.add_row(
            item.name, item.status, item.provide if item.version is None else item.version
        )
    console.print(table)


@dataclass(frozen=True)
class Seen:
    """Which tools see an interpreter version."""

    version: str
    mise: bool
    uv: bool
    taskbelt: Path | None


def mise_versions(env: Mapping[str, str]) -> set[str]:
    """Minor versions installed in (or linked into) mise's data folder."""
    root = (
        Path(env.get("MISE_DATA_DIR") or Path.home() / ".local/share/mise") / "installs" / "python"
    )
    if not root.is_dir():
        return set()
    return {".".join(p.name.split(".")[:2]) for p in root.iterdir() if p.name.count(".") >= 1}


def uv_sees(version: str, env: Mapping[str, str]) -> bool:
    """True when a bare ``uv python find`` finds ``version`` without downloading."""
    try:
        proc.run(["uv", "python", "find", "--no-python-downloads", version], env=env, timeout=30)
    except ToolError:
        return False
    return True


def sync(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> list[str]:
    """Run ``mise sync python`` for pyenv and uv; returns what mise printed."""
    environ = dict(os.environ if env is None else env)
    messages = []
    pyenv_root = Path(environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    sources = (["--pyenv"] if (pyenv_root / "versions").is_dir() else []) + (
        ["--uv"] if proc.which("uv", environ.get("PATH")) else []
    )
    for flag in sources:
        done = proc.run(
            ["mise", "sync", "python", flag],
            cwd=cwd,
            env=environ,
            timeout=120,
            error=(f"mise sync python {flag} failed", "read mise's message above"),
        )
        messages += done.output.splitlines()
    return messages


def seen(versions: list[str], env: Mapping[str, str] | None = None) -> list[Seen]:
    """For each version: does mise have it, does uv find it, where taskbelt finds it."""
    environ = dict(os.environ if env is None else env)
    in_mise = mise_versions(environ)
    return [
        Seen(v, v in in_mise, uv_sees(v, environ), interpreters.find(v, environ).path)
        for v in versions
    ]
