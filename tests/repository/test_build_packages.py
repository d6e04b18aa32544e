"""Namespace packages (PEP 420): found from the build settings, else from the tree.

``acme/widgets/`` in a folder ``acme/`` with no ``__init__.py`` was not
found: typecheck and audit ended in ``error`` ("no Python package or module
found") and a real bandit finding was never seen. The unit cases read each
backend's settings; the slow case runs the real mypy, bandit, pytest and
coverage on a throwaway namespace project.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MakeRepo, run_rows, write_files

from taskbelt.repository.project import Project

WIDGETS = {
    "__init__.py": (
        '"""Widgets."""\n\nfrom acme.widgets.core import size\n\n'
        "# A type error mypy sees only when it follows the import to acme.widgets.core:\n"
        'LABEL: str = size(1)\n__all__ = ["LABEL", "size"]\n'
    ),
    "core.py": (
        '"""Core."""\n\n\n'
        "def size(x: int) -> int:\n"
        '    """One more."""\n'
        "    return x + 1\n\n\n"
        "def evaluate(text: str) -> int:\n"
        '    """A real medium-severity finding (B307) and a real type error."""\n'
        "    return eval(text)\n\n\n"
        "def wrong() -> int:\n"
        '    """A real type error."""\n'
        '    return "no"\n'
    ),
}
HEAD = '[project]\nname = "{name}"\nversion = "0.1.0"\nrequires-python = ">=3.9"\n'


def _project(root: Path, pyproject: str, files: dict[str, str]) -> Project:
    write_files(root, {"pyproject.toml": pyproject, **files})
    return Project.load(root)


def _found(project: Project) -> list[tuple[str, str]]:
    return [
        (project.relative(path), name)
        for path, name in zip(project.source_paths, project.import_names, strict=True)
    ]


def _widgets(prefix: str) -> dict[str, str]:
    return {f"{prefix}acme/widgets/{name}": text for name, text in WIDGETS.items()}


@pytest.mark.parametrize(
    ("settings", "prefix", "expected"),
    [
        pytest.param(
            '[tool.setuptools.packages.find]\nwhere = ["src"]\n',
            "src/",
            [("src/acme/widgets", "acme.widgets")],
            id="setuptools-find-where-src",
        ),
        pytest.param(
            '[tool.setuptools.packages.find]\ninclude = ["acme*"]\n',
            "",
            [("acme/widgets", "acme.widgets")],
            id="setuptools-find-include",
        ),
        pytest.param(
            '[tool.setuptools]\npackages = ["acme.widgets"]\n',
            "",
            [("acme/widgets", "acme.widgets")],
            id="setuptools-packages-list",
        ),
        pytest.param(
            '[tool.hatch.build.targets.wheel]\npackages = ["src/acme"]\n',
            "src/",
            [("src/acme/widgets", "acme.widgets")],
            id="hatch-packages",
        ),
        pytest.param(
            '[tool.flit.module]\nname = "acme.widgets"\n',
            "",
            [("acme/widgets", "acme.widgets")],
            id="flit-module",
        ),
        pytest.param(
            '[tool.uv.build-backend]\nmodule-name = "acme.widgets"\n',
            "src/",
            [("src/acme/widgets", "acme.widgets")],
            id="uv-build-module-name",
        ),
        pytest.param(
            '[tool.poetry]\npackages = [{ include = "acme", from = "src" }]\n',
            "src/",
            [("src/acme/widgets", "acme.widgets")],
            id="poetry-packages",
        ),
        pytest.param("", "src/", [("src/acme/widgets", "acme.widgets")], id="tree-src"),
        pytest.param("", "", [("acme/widgets", "acme.widgets")], id="tree-flat-by-name"),
    ],
)
def test_namespace_package_is_found(
    tmp_path: Path, settings: str, prefix: str, expected: list[tuple[str, str]]
) -> None:
    """Each way a project says where its namespace package is, and the tree where it says none."""
    project = _project(tmp_path, HEAD.format(name="acme.widgets") + settings, _widgets(prefix))
    assert _found(project) == expected


def test_setup_cfg_find_namespace(tmp_path: Path) -> None:
    """``setup.cfg``'s ``packages = find_namespace:`` with ``package_dir = =src``."""
    setup_cfg = (
        "[metadata]\nname = acme.widgets\n\n[options]\npackage_dir =\n    =src\n"
        "packages = find_namespace:\n\n[options.packages.find]\nwhere = src\n"
    )
    project = _project(
        tmp_path,
        "[build-system]\nrequires = ['setuptools']\n",
        {"setup.cfg": setup_cfg, **_widgets("src/")},
    )
    assert _found(project) == [("src/acme/widgets", "acme.widgets")]


def test_build_settings_leave_out_what_is_not_shipped(tmp_path: Path) -> None:
    """A folder of helper packages beside the shipped package is not the project's code."""
    settings = '[tool.setuptools.packages.find]\ninclude = ["acme*"]\n'
    files = {**_widgets(""), "tools/release/__init__.py": "", "acme/gadgets/__init__.py": ""}
    project = _project(tmp_path, HEAD.format(name="acme.widgets") + settings, files)
    assert _found(project) == [("acme/gadgets", "acme.gadgets"), ("acme/widgets", "acme.widgets")]


def test_tree_keeps_a_stray_namespace_folder_out(tmp_path: Path) -> None:
    """Flat layout, no build settings: a package, and ``tools/release/`` (no ``__init__.py``)."""
    files = {"demo/__init__.py": "", "tools/release/__init__.py": ""}
    project = _project(tmp_path, HEAD.format(name="demo"), files)
    assert _found(project) == [("demo", "demo")]


def test_tree_takes_a_namespace_folder_when_nothing_else_is_there(tmp_path: Path) -> None:
    """The distribution's name says nothing (``widgets-lib``), and ``acme/`` is all there is."""
    project = _project(tmp_path, HEAD.format(name="widgets-lib"), _widgets(""))
    assert _found(project) == [("acme/widgets", "acme.widgets")]


@pytest.mark.slow
def test_namespace_project_is_type_checked_measured_and_scanned(make_repo: MakeRepo) -> None:
    """src/acme/widgets with setuptools: mypy, bandit and coverage see the package.

    Before: typecheck and audit ended in ``error`` and B307 was never seen.
    """
    pyproject = (
        HEAD.format(name="acme.widgets")
        + '\n[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n'
        + '\n[tool.setuptools.packages.find]\nwhere = ["src"]\n'
        + '\n[tool.taskbelt]\npython = ["3.12"]\n'
    )
    tests = {
        "tests/test_widgets.py": (
            "from acme.widgets import size\n\n\ndef test_size() -> None:\n"
            "    assert size(1) == 2\n"
        )
    }
    project = make_repo({**_widgets("src/"), **tests}, pyproject=pyproject)
    done, rows = run_rows(project, "typecheck", "audit", "test", "coverage")
    output = done.stdout + done.stderr
    typecheck = rows["typecheck"]
    assert typecheck["status"] == "failed", output
    found = {(f["path"], f["line"]) for f in typecheck["details"]["findings"]}
    assert found == {
        ("src/acme/widgets/__init__.py", 6),
        ("src/acme/widgets/core.py", 11),
        ("src/acme/widgets/core.py", 16),
    }, output
    audit = rows["audit"]
    assert audit["status"] == "failed", output
    assert "B307 src/acme/widgets/core.py:11" in audit["summary"], audit["summary"]
    assert rows["test-3.12"]["status"] == "passed", output
    coverage = rows["coverage"]
    assert coverage["status"] == "failed", output  # evaluate() and wrong() never run: 7 of 9 lines
    assert coverage["summary"].startswith("77.78% covered"), coverage["summary"]
