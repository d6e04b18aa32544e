"""Facts about the repository being checked, read from its files.

Nothing here guesses what a file can tell: the root is where pyproject.toml
is, the layout is what the folders show, Python versions come from
``requires-python``, test dependencies from ``[dependency-groups]`` or extras.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from taskbelt import defaults
from taskbelt.errors import ConfigError, ProjectError
from taskbelt.ledger import base as ledger_base
from taskbelt.ledger import book
from taskbelt.repository import (
    build_packages,
    nox_config,
    test_dependencies,
    tool_choice,
    tox_config,
)
from taskbelt.repository.toml_file import lookup, read_toml
from taskbelt.settings.model import Settings, load_settings

_NOT_PACKAGES = frozenset(
    {"tests", "test", "docs", "doc", "examples", "benchmarks", "build", "dist", "scripts", "tasks"}
)
#: ``branch = true`` (coverage's configuration) or ``--cov-branch`` (pytest-cov's option).
_BRANCH_ON = re.compile(r"branch\s*=\s*(true|1|yes|on)\b|--cov-branch", re.I)
_NOT_MODULES = frozenset({"setup.py", "noxfile.py", "conftest.py", "fabfile.py", "tasks.py"})


def _requirement_names(items: Iterable[Any]) -> set[str]:
    names = set()
    for item in items:
        if isinstance(item, str):
            try:
                names.add(Requirement(item).name.lower())
            except InvalidRequirement:
                continue
    return names


#: One git lookup of the ledger's base at a time (the ledger's checks run in threads).
_LOCK = threading.Lock()


def _import_name(path: Path) -> str:
    return path.stem if path.suffix == ".py" else path.name


def _expanded(path: Path, base: Path, depth: int = 0) -> list[tuple[Path, str]]:
    """``path`` with its import name below ``base``; a namespace folder as the packages it holds.

    Only folders with an ``__init__.py`` and ``.py`` files count: a
    namespace folder holding neither (data, docs) yields nothing.
    """
    dotted = ".".join(path.relative_to(base).with_suffix("").parts)
    if path.suffix == ".py" or (path / "__init__.py").is_file():
        return [(path, dotted)]
    if not path.is_dir() or depth >= build_packages.MAX_DEPTH:
        return []
    return [
        found
        for child in sorted(path.iterdir())
        if (child.is_dir() and child.name.isidentifier())
        or (child.suffix == ".py" and child.stem.isidentifier())
        for found in _expanded(child, base, depth + 1)
    ]


@dataclass(frozen=True)
class Project:
    """One repository: its root, its pyproject data and its validated settings."""

    root: Path
    data: Mapping[str, Any]
    settings: Settings = field(repr=False)

    @classmethod
    def load(cls, root: Path) -> Project:
        """Read ``root/pyproject.toml`` and validate ``[tool.taskbelt]``."""
        pyproject = root / "pyproject.toml"
        if not pyproject.is_file():
            raise ProjectError(
                f"no pyproject.toml in {root}",
                "create one with a [project] table, or run taskbelt from your project's root",
            )
        data = read_toml(pyproject)
        table = lookup(data, "tool", "taskbelt") or {}
        if not isinstance(table, Mapping):
            raise ConfigError("[tool.taskbelt] must be a table", "write it as [tool.taskbelt]")
        project = cls(root=root, data=data, settings=load_settings(table))
        if project.settings.test_groups is not None or project.settings.test_extras is not None:
            project.test_choice  # noqa: B018 - a test-groups name the project lacks fails here
        project.ledger  # noqa: B018 - a ledger that breaks its rules fails here, before any check
        return project

    @cached_property
    def ledger(self) -> book.Ledger:
        """The findings the repository knows of (:mod:`taskbelt.ledger`); empty without a file."""
        return book.load(self.root)

    @cached_property
    def _ledger_bases(self) -> dict[tuple[str, ...], ledger_base.Base]:
        return {}

    def ledger_base(self, environ: Mapping[str, str]) -> ledger_base.Base:
        """The ledger where this change started (:mod:`taskbelt.ledger.base`), asked of git once."""
        targets = ledger_base.targets(environ)
        with _LOCK:
            found = self._ledger_bases.get(targets)
            if found is None:
                found = ledger_base.find(self.root, self.settings.diff_base, environ)
                self._ledger_bases[targets] = found
        return found

    # -- names and paths -------------------------------------------------

    @property
    def name(self) -> str:
        """The distribution name, or the folder name when [project] has none."""
        return str(lookup(self.data, "project", "name") or self.root.name)

    @property
    def state_dir(self) -> Path:
        """Where taskbelt keeps environments, results and reports for this repo."""
        return self.root / defaults.STATE_DIR_NAME

    @property
    def reports_dir(self) -> Path:
        """Reports (JUnit, coverage XML/HTML, SARIF) for this repo."""
        return self.state_dir / defaults.REPORTS_SUBDIR

    @property
    def excluded(self) -> tuple[str, ...]:
        """Folders no check looks into: taskbelt's state, and taskbelt itself when vendored here."""
        found = [defaults.STATE_DIR_NAME]
        home = defaults.TASKBELT_HOME
        if home != self.root and home.is_relative_to(self.root):
            found.append(home.relative_to(self.root).as_posix())
        return tuple(found)

    @property
    def lock(self) -> Path | None:
        """``uv.lock`` when the repo has one."""
        lock = self.root / "uv.lock"
        return lock if lock.is_file() else None

    @cached_property
    def layout(self) -> Literal["src", "flat"]:
        """``src`` when the code lives under ``src/``, else ``flat``."""
        src = self.root / "src"
        return "src" if src.is_dir() and self._modules_in(src) else "flat"

    @cached_property
    def _sources(self) -> tuple[tuple[Path, str], ...]:
        """Each package or module to check, with its import name (``acme.widgets``).

        ``[tool.taskbelt] src`` first; else what the build settings ship
        (:mod:`taskbelt.repository.build_packages`); else what the tree shows.
        """
        if self.settings.src is not None:
            return tuple((p, _import_name(p)) for p in self._existing(self.settings.src, "src"))
        declared = [
            p for p in build_packages.declared(self.root, self.data) if p.name not in _NOT_PACKAGES
        ]
        if declared:
            return tuple(found for path in declared for found in _expanded(path, path.parent))
        base = self.root / "src" if self.layout == "src" else self.root
        return tuple(self._modules_in(base))

    @property
    def source_paths(self) -> tuple[Path, ...]:
        """Packages and modules to lint, type-check, measure and scan."""
        return tuple(path for path, _ in self._sources)

    @property
    def import_names(self) -> tuple[str, ...]:
        """Import names of the project's code (for coverage): ``acme.widgets`` in a namespace."""
        return tuple(name for _, name in self._sources)

    @property
    def namespace_bases(self) -> tuple[Path, ...]:
        """The folders holding a namespace package's top folder (``src`` for ``src/acme/widgets``)."""
        bases = []
        for path, name in self._sources:
            base = path.parents[name.count(".")]
            if "." in name and base not in bases:
                bases.append(base)
        return tuple(bases)

    @cached_property
    def test_paths(self) -> tuple[Path, ...]:
        """Folders that hold the tests."""
        if self.settings.tests is not None:
            return tuple(self._existing(self.settings.tests, "tests"))
        return tuple(
            self.root / name for name in defaults.TEST_DIR_CANDIDATES if (self.root / name).is_dir()
        )[:1]

    def relative(self, path: Path) -> str:
        """``path`` relative to the root, for commands run in the root."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def _existing(self, entries: Iterable[str], key: str) -> Iterable[Path]:
        for entry in entries:
            path = (self.root / entry).resolve()
            if not path.exists():
                raise ConfigError(
                    f"[tool.taskbelt] {key}: {entry!r} does not exist in {self.root}",
                    f"set '{key}' to folders that exist, relative to the project root",
                )
            yield path

    def _modules_in(self, base: Path) -> list[tuple[Path, str]]:
        """Packages and modules in ``base``; a namespace folder where it is the project's.

        A folder without ``__init__.py`` that holds packages is a namespace
        package (PEP 420) when it is under ``src/``, when it bears the first
        part of the distribution's name (``acme`` for ``acme.widgets``), or
        when nothing else is found.
        """
        found: list[tuple[Path, str]] = []
        namespaces: list[Path] = []
        for entry in sorted(base.iterdir()):
            if entry.name.startswith((".", "_")) or entry.name in _NOT_PACKAGES:
                continue
            is_module = (
                entry.suffix == ".py"
                and entry.name not in _NOT_MODULES
                and (base.name == "src" or not entry.name.startswith("test"))
            )
            if (entry.is_dir() and (entry / "__init__.py").is_file()) or is_module:
                found.append((entry, _import_name(entry)))
            elif entry.is_dir() and entry.name.isidentifier():
                namespaces.append(entry)
        first = re.split(r"[-_.]", self.name.lower())[0]
        for folder in namespaces:
            if base.name == "src" or folder.name.lower() == first or not found:
                found.extend(_expanded(folder, base))
        return sorted(found)

    # -- Python versions and dependencies ---------------------------------

    @property
    def requires_python(self) -> SpecifierSet | None:
        """``[project] requires-python``, else setuptools' ``setup.cfg`` ``python_requires``."""
        raw = lookup(self.data, "project", "requires-python")
        if raw is None:
            raw = build_packages.setup_cfg_option(self.root, "python_requires")
        if raw is None:
            return None
        try:
            return SpecifierSet(str(raw))
        except InvalidSpecifier:
            raise ConfigError(
                f"[project] requires-python: {raw!r} is not a version specifier",
                "write it like '>=3.10'",
            ) from None

    @property
    def python_version_file(self) -> list[str]:
        """Versions listed in ``.python-version`` (major.minor), if present."""
        path = self.root / ".python-version"
        if not path.is_file():
            return []
        versions = []
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.strip().split(".")
            if len(parts) >= 2 and parts[0] == "3" and parts[1].isdigit():  # noqa: PLR2004
                versions.append(f"3.{parts[1]}")
        return versions

    @property
    def dependency_groups(self) -> dict[str, list[Any]]:
        """``[dependency-groups]`` as written."""
        return test_dependencies.groups_of(self.data)

    @property
    def optional_dependencies(self) -> dict[str, list[Any]]:
        """``[project.optional-dependencies]`` as written."""
        return test_dependencies.extras_of(self.data)

    @cached_property
    def test_choice(self) -> test_dependencies.Choice:
        """The groups, extras and requirements the test environments install."""
        return test_dependencies.choose(self.data, self.settings, lambda: self.test_command)

    @cached_property
    def typing_choice(self) -> test_dependencies.Choice:
        """What the type checker's environment installs: the tests' and the typing groups."""
        return test_dependencies.choose(
            self.data, self.settings, lambda: self.test_command, typing=True
        )

    @cached_property
    def test_command(self) -> test_dependencies.TestCommand | None:
        """What the repository's own test run installs: its tox environment, else nox session."""
        env = self.tox_test_env
        if env is not None:
            return test_dependencies.TestCommand.of_tox(env)
        sessions = nox_config.declared(self.root, self.state_dir)
        session = None if sessions is None else nox_config.test_session(sessions)
        if session is None:
            return None
        extras, groups, deps = session.installed()
        return test_dependencies.TestCommand(f"nox session {session.name}", extras, groups, deps)

    @cached_property
    def tox_test_env(self) -> tox_config.ToxEnv | None:
        """The tox environment that runs pytest, as tox resolves it (None without one)."""
        config = tox_config.declared(self.root, self.state_dir)
        return None if config is None else tox_config.test_env(config)

    @cached_property
    def test_set_env(self) -> dict[str, str]:
        """The variables the tox environment that runs pytest sets for the tests.

        Only what the repository declares (:func:`taskbelt.repository.tox_config.declared`
        leaves out tox's own), and not a value inside tox's work folder
        (``{envtmpdir}``), which no tox run has made here.
        """
        env = self.tox_test_env
        work = str(self.state_dir / tox_config.WORK_SUBDIR)
        return {} if env is None else {k: v for k, v in env.set_env.items() if work not in v}

    def _all_requirement_names(self) -> set[str]:
        names = _requirement_names(lookup(self.data, "project", "dependencies") or [])
        for items in (*self.optional_dependencies.values(), *self.dependency_groups.values()):
            names |= _requirement_names(items)
        return names

    # -- tool configuration the repo brings ------------------------------

    @property
    def has_bandit_config(self) -> bool:
        """The repo has a ``[tool.bandit]`` table."""
        return lookup(self.data, "tool", "bandit") is not None

    @cached_property
    def tools(self) -> tool_choice.Choices:
        """Which formatter, linter rules and type checker run, and why."""
        return tool_choice.choose(
            self.root, self.data, self.settings, self._all_requirement_names()
        )

    @property
    def may_measure_branches(self) -> bool:
        """True unless no file that configures coverage or pytest asks for branch coverage.

        A plain text search, on purpose: a false alarm (``branch`` that is not
        coverage's) only costs speed, while parsing every format coverage and
        pytest read would be code of our own that could miss a case.
        """
        for name in defaults.COVERAGE_CONFIG_FILES:
            path = self.root / name
            if path.is_file() and _BRANCH_ON.search(
                path.read_text(encoding="utf-8", errors="replace")
            ):
                return True
        return False
