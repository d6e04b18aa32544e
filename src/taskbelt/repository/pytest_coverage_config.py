"""What the repository configures for pytest and coverage, found where those tools look.

taskbelt adds options to the repository's pytest run (a JUnit file, a cache
folder, what coverage measures). Each addition must be one that the
repository's own configuration does not already decide or forbid: a
``--cov=src/pkg`` beside coverage's own ``include`` makes coverage warn, and
a repository with ``filterwarnings = error`` then crashes at start (seen on
pytest-dev/pluggy). So taskbelt reads, without running them, the two
configurations the way the tools find them:

- coverage: ``$COVERAGE_RCFILE``, else ``.coveragerc``, else the first of
  ``setup.cfg``, ``tox.ini`` (sections ``[coverage:*]``) and
  ``pyproject.toml`` (``[tool.coverage.*]``) that has coverage settings;
- pytest: the first of ``pytest.ini``, ``.pytest.ini``, ``pyproject.toml``
  (``[tool.pytest.ini_options]`` or pytest 9's ``[tool.pytest]``),
  ``tox.ini`` (``[pytest]``) and ``setup.cfg`` (``[tool:pytest]``), plus
  ``$PYTEST_ADDOPTS``.

Our own reader, because neither tool offers one that works without
importing it into taskbelt's process (coverage and pytest live in the test
environment, at the repository's versions, not in taskbelt's).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from taskbelt import defaults
from taskbelt.repository.ini_file import read_ini
from taskbelt.repository.project import Project
from taskbelt.repository.toml_file import read_toml


def _ini_section(path: Path, section: str) -> dict[str, str] | None:
    parser = read_ini(path)
    if parser is None or not parser.has_section(section):
        return None
    return dict(parser.items(section))


def _toml_table(path: Path, *keys: str) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    node: Any = read_toml(path)
    for key in keys:
        node = node.get(key) if isinstance(node, Mapping) else None
    return dict(node) if isinstance(node, Mapping) else None


def coverage_file(project: Project, env: Mapping[str, str]) -> Path | None:
    """The file coverage reads its settings from for this repository, if any."""
    named = env.get("COVERAGE_RCFILE")
    if named:
        path = Path(named) if Path(named).is_absolute() else project.root / named
        return path if path.is_file() else None
    rc = project.root / ".coveragerc"
    if rc.is_file():
        return rc
    for name in ("setup.cfg", "tox.ini"):
        parser = read_ini(project.root / name)
        if parser is not None and any(s.startswith("coverage:") for s in parser.sections()):
            return project.root / name
    pyproject = project.root / "pyproject.toml"
    return pyproject if _toml_table(pyproject, "tool", "coverage") else None


def coverage_run(project: Project, env: Mapping[str, str]) -> dict[str, Any]:
    """coverage's ``[run]`` settings for this repository (empty when it sets none)."""
    path = coverage_file(project, env)
    if path is None:
        return {}
    if path.name == "pyproject.toml" or path.suffix == ".toml":
        return _toml_table(path, "tool", "coverage", "run") or {}
    prefix = "" if path.name not in {"setup.cfg", "tox.ini"} else "coverage:"
    return _ini_section(path, f"{prefix}run") or {}


def fail_under(project: Project, env: Mapping[str, str], effective: float = 0.0) -> float:
    """The coverage gate: taskbelt's ``fail-under``, else coverage's own, else 90.

    Coverage's ``[report] fail_under`` is read from whichever file coverage
    itself reads (``.coveragerc``, ``setup.cfg``, ``tox.ini``, pyproject), so
    the gate is the one the repository's own ``coverage report`` applies.
    ``effective``: the value coverage itself ended up with, plugins included
    (``covdefaults`` sets 100); it counts when the files set none.
    """
    if project.settings.fail_under is not None:
        return project.settings.fail_under
    value = _report_option(project, env, "fail_under")
    try:
        if value is not None and str(value).strip():
            return float(value)
    except ValueError:
        pass
    return effective or defaults.FAIL_UNDER


def precision(project: Project, env: Mapping[str, str]) -> int:
    """Decimals of the coverage figure: coverage's ``[report] precision`` where set, else 2."""
    value = _report_option(project, env, "precision")
    try:
        return int(str(value).strip()) if value is not None else defaults.COVERAGE_PRECISION
    except ValueError:
        return defaults.COVERAGE_PRECISION


def _report_option(project: Project, env: Mapping[str, str], key: str) -> Any:
    """``[report] key`` in whichever file coverage reads; None where unset."""
    path = coverage_file(project, env)
    if path is not None and (path.name == "pyproject.toml" or path.suffix == ".toml"):
        return (_toml_table(path, "tool", "coverage", "report") or {}).get(key)
    if path is not None:
        prefix = "coverage:" if path.name in {"setup.cfg", "tox.ini"} else ""
        return (_ini_section(path, f"{prefix}report") or {}).get(key)
    return None


def coverage_chooses_files(project: Project, env: Mapping[str, str]) -> bool:
    """True when the repository's coverage settings say what to measure.

    ``source``, ``source_pkgs`` or ``include``: taskbelt then passes a bare
    ``--cov`` (pytest-cov: "use coverage's settings") instead of its own paths.
    """
    run = coverage_run(project, env)
    return any(run.get(key) for key in ("source", "source_pkgs", "include"))


def _section(path: Path) -> str:
    if path.name == "pyproject.toml" or path.suffix == ".toml":
        return "[tool.coverage.run]"
    return "[coverage:run]" if path.name in {"setup.cfg", "tox.ini"} else "[run]"


def file_choice(project: Project, env: Mapping[str, str]) -> str | None:
    """Where and how the repository chooses what coverage measures, for a message.

    ``pyproject.toml [tool.coverage.run] source = ['jinja2', 'tests']``; None
    when it does not choose (taskbelt then names the package itself).
    """
    path = coverage_file(project, env)
    run = coverage_run(project, env)
    chosen = [(k, run[k]) for k in ("source", "source_pkgs", "include") if run.get(k)]
    if path is None or not chosen:
        return None
    settings = ", ".join(f"{k} = {' '.join(str(v).split())}" for k, v in chosen)
    return f"{project.relative(path)} {_section(path)} {settings}"


def pytest_addopts(project: Project, env: Mapping[str, str]) -> list[str]:
    """The repository's ``addopts`` and ``$PYTEST_ADDOPTS``, split as pytest splits them."""
    text = ""
    root = project.root
    for reader in (
        lambda: _ini_section(root / "pytest.ini", "pytest"),
        lambda: _ini_section(root / ".pytest.ini", "pytest"),
        lambda: _toml_table(root / "pyproject.toml", "tool", "pytest", "ini_options"),
        lambda: _toml_table(root / "pyproject.toml", "tool", "pytest"),
        lambda: _ini_section(root / "tox.ini", "pytest"),
        lambda: _ini_section(root / "setup.cfg", "tool:pytest"),
    ):
        table = reader()
        if table is None:
            continue
        value = table.get("addopts", "")
        text = " ".join(map(str, value)) if isinstance(value, list) else str(value)
        break
    try:
        return [*shlex.split(text), *shlex.split(env.get("PYTEST_ADDOPTS", ""))]
    except ValueError:
        return text.split()


def disabled_plugins(addopts: list[str]) -> set[str]:
    """Plugins the options turn off (``-p no:NAME`` and ``-pno:NAME``)."""
    names = set()
    for i, arg in enumerate(addopts):
        value = addopts[i + 1] if arg == "-p" and i + 1 < len(addopts) else ""
        if arg.startswith("-p") and arg != "-p":
            value = arg[2:]
        if value.startswith("no:"):
            names.add(value[3:])
    return names


def measures_coverage(addopts: list[str]) -> bool:
    """True when the options already turn pytest-cov on (``--cov`` or ``--cov=X``)."""
    return any(arg == "--cov" or arg.startswith("--cov=") for arg in addopts)
