"""The top-level packages and modules a build backend ships, as its settings name them.

Read to find the code to check where the tree alone cannot tell, above all
a namespace package (PEP 420: ``acme/widgets/`` in a folder ``acme/`` that
has no ``__init__.py``). No build backend has a command that lists what it
would ship short of building a wheel (seconds, and build dependencies, at
every plan), so each backend's keys are read here as its documentation
describes them: setuptools (``pyproject.toml`` and ``setup.cfg``), hatch,
flit, poetry, pdm and uv's own backend. A project whose backend finds its
packages by itself (setuptools' automatic discovery, hatch's defaults) names
nothing here, and the tree decides (:mod:`taskbelt.repository.project`).
"""

from __future__ import annotations

import configparser
import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from taskbelt.repository.ini_file import read_ini
from taskbelt.repository.toml_file import lookup

#: How deep a namespace folder is walked for the packages it holds.
MAX_DEPTH = 4


def declared(root: Path, data: Mapping[str, Any]) -> list[Path]:
    """Top-level folders and ``.py`` modules the build settings name, that exist, in order."""
    found: list[Path] = []
    for reader in (_setuptools, _setup_cfg, _hatch, _flit, _poetry, _pdm, _uv_build):
        for path in reader(root, data):
            if path.exists() and path not in found:
                found.append(path)
    return found


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _top(base: Path, dotted: str) -> Path:
    """The folder or module of ``dotted``'s first name under ``base``."""
    first = dotted.split(".", maxsplit=1)[0]
    folder = base / first
    return (
        folder if folder.is_dir() or not (base / f"{first}.py").is_file() else base / f"{first}.py"
    )


def _package_base(root: Path, package_dir: Mapping[str, Any]) -> Path:
    """Where setuptools' ``package-dir`` puts the root package (``{"": "src"}``)."""
    where = package_dir.get("")
    return root / where if isinstance(where, str) else root


def _found(root: Path, where: list[str], include: list[str], exclude: list[str]) -> Iterator[Path]:
    """The top folders of what setuptools' ``find``/``find_namespace`` would find.

    A folder counts when its dotted name, or one of a folder below it,
    matches an ``include`` pattern and no ``exclude`` pattern.
    """
    for base in (root / w for w in where):
        if not base.is_dir():
            continue
        for top in sorted(p for p in base.iterdir() if p.is_dir() and p.name.isidentifier()):
            names = [top.name, *_dotted_below(top, top.name, 1)]
            if any(_matches(n, include) and not _matches(n, exclude) for n in names):
                yield top


def _dotted_below(folder: Path, dotted: str, depth: int) -> Iterator[str]:
    if depth > MAX_DEPTH:
        return
    for child in sorted(folder.iterdir()):
        if child.is_dir() and child.name.isidentifier():
            name = f"{dotted}.{child.name}"
            yield name
            yield from _dotted_below(child, name, depth + 1)


def _matches(name: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


def _setuptools(root: Path, data: Mapping[str, Any]) -> Iterator[Path]:
    table = lookup(data, "tool", "setuptools")
    if not isinstance(table, Mapping):
        return
    package_dir = table.get("package-dir")
    base = _package_base(root, package_dir if isinstance(package_dir, Mapping) else {})
    packages = table.get("packages")
    if isinstance(packages, list):
        yield from (_top(base, name) for name in _strings(packages))
    elif isinstance(packages, Mapping) and isinstance(packages.get("find"), Mapping):
        find = packages["find"]
        yield from _found(
            root,
            _strings(find.get("where")) or ["."],
            _strings(find.get("include")) or ["*"],
            _strings(find.get("exclude")),
        )
    yield from (_top(base, name) for name in _strings(table.get("py-modules")))


def _cfg_list(value: str) -> list[str]:
    return [item.strip() for item in value.replace(",", "\n").splitlines() if item.strip()]


def _setup_cfg_parser(root: Path) -> configparser.RawConfigParser | None:
    """``setup.cfg`` as setuptools reads it (an INI file), where it has ``[options]``."""
    parser = read_ini(root / "setup.cfg")
    return parser if parser is not None and parser.has_section("options") else None


def setup_cfg_option(root: Path, key: str) -> str | None:
    """``setup.cfg [options] key`` (``python_requires``), stripped; None where unset."""
    parser = _setup_cfg_parser(root)
    value = None if parser is None else parser["options"].get(key)
    return value.strip() if value and value.strip() else None


def _setup_cfg(root: Path, _data: Mapping[str, Any]) -> Iterator[Path]:
    parser = _setup_cfg_parser(root)
    if parser is None:
        return
    options = parser["options"]
    mapping = {
        key.strip(): value.strip()
        for key, _, value in (
            entry.partition("=") for entry in _cfg_list(options.get("package_dir", ""))
        )
    }
    base = _package_base(root, mapping)
    packages = options.get("packages", "").strip()
    if packages.startswith(("find:", "find_namespace:")):
        find = (
            parser["options.packages.find"] if parser.has_section("options.packages.find") else {}
        )
        yield from _found(
            root,
            _cfg_list(find.get("where", "")) or [base.relative_to(root).as_posix()],
            _cfg_list(find.get("include", "")) or ["*"],
            _cfg_list(find.get("exclude", "")),
        )
    else:
        yield from (_top(base, name) for name in _cfg_list(packages))
    yield from (_top(base, name) for name in _cfg_list(options.get("py_modules", "")))


def _hatch(root: Path, data: Mapping[str, Any]) -> Iterator[Path]:
    for table in (
        lookup(data, "tool", "hatch", "build", "targets", "wheel"),
        lookup(data, "tool", "hatch", "build"),
    ):
        if isinstance(table, Mapping):
            yield from (root / entry for entry in _strings(table.get("packages")))


def _flit(root: Path, data: Mapping[str, Any]) -> Iterator[Path]:
    name = lookup(data, "tool", "flit", "module", "name")
    if isinstance(name, str):
        # flit looks for the module in the root, then in src/.
        yield _top(root, name) if _top(root, name).exists() else _top(root / "src", name)


def _poetry(root: Path, data: Mapping[str, Any]) -> Iterator[Path]:
    packages = lookup(data, "tool", "poetry", "packages")
    for entry in packages if isinstance(packages, list) else []:
        if isinstance(entry, Mapping) and isinstance(entry.get("include"), str):
            where = entry.get("from")
            base = root / where if isinstance(where, str) else root
            include = entry["include"]
            if not any(char in include for char in "*?["):
                yield base / include.removesuffix("/")


def _pdm(root: Path, data: Mapping[str, Any]) -> Iterator[Path]:
    includes = lookup(data, "tool", "pdm", "build", "includes")
    for entry in _strings(includes):
        if not any(char in entry for char in "*?["):
            yield root / entry.removesuffix("/")


def _uv_build(root: Path, data: Mapping[str, Any]) -> Iterator[Path]:
    table = lookup(data, "tool", "uv", "build-backend")
    if not isinstance(table, Mapping):
        return
    module_root = table.get("module-root", "src")
    base = root / module_root if isinstance(module_root, str) else root / "src"
    yield from (_top(base, name) for name in _strings(table.get("module-name")))
