"""The coverage plugins the repository's coverage settings name, installed where coverage runs.

coverage imports every module its ``[run] plugins`` setting names, in the
test run (pytest-cov starts coverage there) and in the process that
combines and reports. A plugin missing from either crashed that process
with ``ModuleNotFoundError`` (seen on tox-dev/platformdirs, which uses
``covdefaults``). So both environments get the plugins: at the version the
project locks in ``uv.lock`` where it locks them, else the newest. A plugin
that cannot be installed is an ``error`` that names it and where it is set.

The distribution is assumed to be named like the module (``covdefaults``,
``coverage_conditional_plugin`` -> ``coverage-conditional-plugin``), which
holds for the plugins on PyPI; one that is not is reported as not
installable, with the fix to add it to the test dependencies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

from packaging.utils import canonicalize_name

from taskbelt import proc
from taskbelt.errors import ToolError
from taskbelt.repository import pytest_coverage_config
from taskbelt.repository.project import Project
from taskbelt.repository.toml_file import read_toml
from taskbelt.tools import venvs

_STAMP = ".taskbelt-coverage-plugins"
_FIND = "import importlib.util, sys; print(' '.join(n for n in sys.argv[1:] if importlib.util.find_spec(n) is None))"


def named(project: Project, env: Mapping[str, str]) -> list[str]:
    """The top-level modules of the plugins the coverage settings name, in order."""
    value = pytest_coverage_config.coverage_run(project, env).get("plugins") or []
    items = value if isinstance(value, list) else re.split(r"[\s,]+", str(value))
    return list(dict.fromkeys(str(i).strip().split(".")[0] for i in items if str(i).strip()))


def locked_versions(project: Project) -> dict[str, str]:
    """Canonical name -> version of every package in the project's ``uv.lock``."""
    if project.lock is None:
        return {}
    packages = read_toml(project.lock).get("package", [])
    return {
        canonicalize_name(str(p["name"])): str(p["version"])
        for p in packages
        if isinstance(p, Mapping) and "name" in p and "version" in p
    }


def requirements(project: Project, modules: list[str]) -> dict[str, str]:
    """Module -> ``covdefaults==2.3.0`` where the project locks it, else ``covdefaults``."""
    locked = locked_versions(project)
    found = {}
    for module in modules:
        name = canonicalize_name(module.replace("_", "-"))
        found[module] = f"{name}=={locked[name]}" if name in locked else str(name)
    return found


def absent(python: Path, modules: list[str]) -> list[str]:
    """The modules ``python`` cannot import."""
    done = proc.run([str(python), "-c", _FIND, *modules], timeout=120.0, ok=None)
    if done.returncode != 0:
        return list(modules)
    return done.stdout.split()


def ensure(venv: Path, project: Project, env: Mapping[str, str], where: str) -> list[str]:
    """Install into ``venv`` the plugins it lacks; return the requirements installed.

    ``where`` names the environment for messages ("the test environment").
    A stamp holds the plugin list last made importable, so an unchanged
    list costs a file read.
    """
    modules = named(project, env)
    if not modules:
        return []
    stamp = venv / _STAMP
    reqs = requirements(project, modules)
    wanted = json.dumps(list(reqs.values()))
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == wanted:
        return []
    todo = absent(venvs.venv_python(venv), modules)
    for module in todo:
        req = reqs[module]
        try:
            venvs.uv_pip_install(venv, [req])
        except ToolError as exc:
            setting = pytest_coverage_config.coverage_file(project, env)
            source = project.relative(setting) if setting else "the coverage settings"
            first = next((ln for ln in (exc.output or "").splitlines() if ln.strip()), exc.cause)
            raise ToolError(
                f"the coverage plugin {module} (named in {source}, plugins) could not be "
                f"installed in {where}: {first.strip()}",
                f"add the package that provides {module} to the project's test dependencies "
                f"(and lock them), or remove it from plugins in {source}",
                output=exc.output,
            ) from None
    stamp.write_text(wanted, encoding="utf-8")
    return [reqs[m] for m in todo]
