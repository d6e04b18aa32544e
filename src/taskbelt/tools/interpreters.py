"""Find the Python interpreters that are present on this machine.

uv looks for ``python3.X`` on PATH; behind pyenv's shims that fails for
every version that is not the global one, and it does not read pyenv's or
mise's install folders. So taskbelt looks there itself, verifies each
candidate by running it, and gives uv the absolute path when it creates an
environment (:func:`taskbelt.tools.venvs.create_venv`). Where
none is found it asks ``uv python find``, which also sees uv-managed builds.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from taskbelt import proc
from taskbelt.errors import ToolError

#: Minor versions taskbelt considers when only ``requires-python`` is given.
KNOWN_MINORS = tuple(f"3.{minor}" for minor in range(9, 15))
_PROBE = "import sys; print('%d.%d' % sys.version_info[:2])"


@dataclass(frozen=True)
class Interpreter:
    """A Python version and the executable that runs it (None: not present)."""

    version: str
    path: Path | None

    @property
    def install_hint(self) -> str:
        """The command that provides this version."""
        return f"mise install python@{self.version} (or: uv python install {self.version})"


def _home_dir(env: Mapping[str, str], var: str, default: str) -> Path:
    return Path(env.get(var) or Path.home() / default)


def _install_roots(env: Mapping[str, str]) -> tuple[Path, ...]:
    """Where mise, pyenv and uv install Pythons, one folder per version."""
    return (
        _home_dir(env, "MISE_DATA_DIR", ".local/share/mise") / "installs" / "python",
        _home_dir(env, "PYENV_ROOT", ".pyenv") / "versions",
        _home_dir(env, "UV_PYTHON_INSTALL_DIR", ".local/share/uv/python"),
    )


def candidates(version: str, env: Mapping[str, str]) -> Iterator[Path]:
    """Places ``python<version>`` may live, most specific first."""
    exe = f"python{version}"
    for root in _install_roots(env):
        if root.is_dir():
            for folder in sorted(root.iterdir(), reverse=True):
                name = folder.name.removeprefix("cpython-")
                if name == version or name.startswith(f"{version}."):
                    yield folder / "bin" / exe
    for entry in env.get("PATH", "").split(os.pathsep):
        if entry:
            yield Path(entry) / exe


def install_bins(env: Mapping[str, str]) -> list[Path]:
    """The ``bin`` folders of every Python mise, pyenv and uv installed, newest first.

    For a tool that discovers interpreters on ``PATH`` itself (tox), so that
    it finds the ones taskbelt finds.
    """
    found = []
    for root in _install_roots(env):
        if root.is_dir():
            found += [
                d / "bin" for d in sorted(root.iterdir(), reverse=True) if (d / "bin").is_dir()
            ]
    return found


def probe(path: Path) -> str | None:
    """The ``major.minor`` that ``path`` runs, or None if it does not run."""
    if not (path.is_file() and os.access(path, os.X_OK)):
        return None
    try:
        done = proc.run([str(path), "-c", _PROBE], timeout=20)
    except ToolError:
        return None
    return done.stdout.strip()


def find(version: str, env: Mapping[str, str] | None = None) -> Interpreter:
    """Locate an interpreter for ``version`` (``"3.12"``)."""
    environ = os.environ if env is None else env
    for path in candidates(version, environ):
        if probe(path) == version:
            return Interpreter(version, path)
    return Interpreter(version, _uv_find(version, environ))


def _uv_find(version: str, env: Mapping[str, str]) -> Path | None:
    if proc.which("uv", env.get("PATH")) is None:
        return None
    try:
        done = proc.run(
            ["uv", "python", "find", "--no-python-downloads", version], env=env, timeout=30
        )
    except ToolError:
        return None
    found = Path(done.stdout.strip()) if done.stdout.strip() else None
    return found if found is not None and probe(found) == version else None


#: A Python named by version: ``3.12``, ``py312``, ``py3.12``, ``python3.12``, ``pypy3.10``.
_NAMED_VERSION = re.compile(r"(?:py|python|cpython|pypy)?(3)\.?(\d{1,2})")


def named_version(spec: str) -> str:
    """The ``3.X`` a tox ``base_python`` or nox ``python`` names; "" for a path or bare ``py3``."""
    match = _NAMED_VERSION.fullmatch(spec.strip())
    return f"{match[1]}.{match[2]}" if match else ""


def in_version_order(versions: Iterable[str]) -> list[str]:
    """``versions`` once each, oldest first: 3.9 before 3.10 (not as strings sort)."""
    return sorted(dict.fromkeys(versions), key=Version)


def wanted_versions(
    explicit: list[str] | None, version_file: list[str], requires: SpecifierSet | None
) -> tuple[list[str], bool]:
    """The versions a repo asks for (in version order), and whether it named them itself.

    ``[tool.taskbelt] python`` wins, then ``.python-version``; otherwise every
    known minor version that ``requires-python`` admits (only those present
    are used then).
    """
    if explicit:
        return in_version_order(explicit), True
    if version_file:
        return in_version_order(version_file), True
    spec = requires or SpecifierSet()
    return [v for v in KNOWN_MINORS if spec.contains(f"{v}.0", prereleases=True)], False
