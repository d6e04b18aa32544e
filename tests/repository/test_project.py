"""Project discovery: root, layout, paths, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MakeRepo, write_files
from packaging.specifiers import SpecifierSet

from taskbelt.errors import ConfigError
from taskbelt.repository import pytest_coverage_config
from taskbelt.repository.project import Project


def project_at(root: Path, files: dict[str, str]) -> Project:
    write_files(root, files)
    return Project.load(root)


class TestRoot:
    def test_malformed_toml(self, tmp_path: Path) -> None:
        """Broken TOML names the file and the spot."""
        write_files(tmp_path, {"pyproject.toml": "[project\nname = 'x'\n"})
        with pytest.raises(ConfigError) as info:
            Project.load(tmp_path)
        assert "pyproject.toml: invalid TOML" in info.value.cause
        assert "line 1" in info.value.cause

    def test_taskbelt_not_a_table(self, tmp_path: Path) -> None:
        """tool.taskbelt must be a table."""
        write_files(tmp_path, {"pyproject.toml": "[tool]\ntaskbelt = 3\n"})
        with pytest.raises(ConfigError, match="must be a table"):
            Project.load(tmp_path)


class TestLayout:
    def test_src_layout(self, make_repo: MakeRepo) -> None:
        """Packages under src/ are found, tests/ too."""
        project = make_repo()
        assert project.layout == "src"
        assert [p.name for p in project.source_paths] == ["demo"]
        assert [p.name for p in project.test_paths] == ["tests"]
        assert project.import_names == ("demo",)

    def test_flat_layout(self, tmp_path: Path) -> None:
        """Top-level packages and modules, not tests or tooling files."""
        project = project_at(
            tmp_path,
            {
                "pyproject.toml": "[project]\nname='flat'\n",
                "flat/__init__.py": "",
                "helper.py": "",
                "noxfile.py": "",
                "docs/conf.py": "",
                "test/test_x.py": "",
            },
        )
        assert project.layout == "flat"
        assert sorted(p.name for p in project.source_paths) == ["flat", "helper.py"]
        assert [p.name for p in project.test_paths] == ["test"]

    def test_configured_paths(self, tmp_path: Path) -> None:
        """src and tests from [tool.taskbelt] win over detection."""
        project = project_at(
            tmp_path,
            {
                "pyproject.toml": "[tool.taskbelt]\nsrc=['lib/pkg']\ntests=['checks']\n",
                "lib/pkg/__init__.py": "",
                "checks/test_a.py": "",
            },
        )
        assert project.source_paths == (tmp_path / "lib" / "pkg",)
        assert project.test_paths == (tmp_path / "checks",)

    def test_configured_path_missing(self, tmp_path: Path) -> None:
        """A configured path that does not exist is named in the error."""
        project = project_at(tmp_path, {"pyproject.toml": "[tool.taskbelt]\nsrc=['nope']\n"})
        with pytest.raises(ConfigError, match="src: 'nope' does not exist"):
            _ = project.source_paths


class TestFacts:
    def test_fail_under_sources(self, tmp_path: Path) -> None:
        """taskbelt's fail-under wins, then coverage's fail_under where coverage reads it, then 90."""
        gate = pytest_coverage_config.fail_under
        assert gate(project_at(tmp_path / "a", {"pyproject.toml": ""}), {}) == 90
        cov = "[tool.coverage.report]\nfail_under = 70\n"
        assert gate(project_at(tmp_path / "b", {"pyproject.toml": cov}), {}) == 70
        both = cov + "[tool.taskbelt]\nfail-under = 95\n"
        assert gate(project_at(tmp_path / "c", {"pyproject.toml": both}), {}) == 95
        rc = {"pyproject.toml": cov, ".coveragerc": "[report]\nfail_under = 81.5\n"}
        assert gate(project_at(tmp_path / "d", rc), {}) == 81.5, ".coveragerc wins, as in coverage"
        cfg = {"pyproject.toml": "", "setup.cfg": "[coverage:report]\nfail_under = 60\n"}
        assert gate(project_at(tmp_path / "e", cfg), {}) == 60

    def test_test_groups_and_extras(self, tmp_path: Path) -> None:
        """Groups and extras named like test dependencies are found."""
        project = project_at(
            tmp_path,
            {
                "pyproject.toml": (
                    "[project]\nname='x'\n[project.optional-dependencies]\ntest=['a']\ncli=['b']\n"
                    "[dependency-groups]\ndev=['c']\ndocs=['d']\n"
                )
            },
        )
        assert project.test_choice.extras == ("test",)
        assert project.test_choice.groups == (), "dev only where nothing is named like tests"

    def test_python_version_file(self, tmp_path: Path) -> None:
        """.python-version lines become major.minor versions."""
        project = project_at(
            tmp_path, {"pyproject.toml": "", ".python-version": "3.12.1\n3.11\npypy3.10\n"}
        )
        assert project.python_version_file == ["3.12", "3.11"]

    def test_bad_requires_python(self, tmp_path: Path) -> None:
        """An unparsable requires-python is a clear error."""
        project = project_at(tmp_path, {"pyproject.toml": "[project]\nrequires-python='>>3'\n"})
        with pytest.raises(ConfigError, match="requires-python"):
            _ = project.requires_python


def test_setup_cfg_python_requires_is_the_requires_python(tmp_path: Path) -> None:
    """pytest-dev/pytest-timeout declares it in ``setup.cfg`` only: 3.9 is not in its matrix."""
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\n', encoding="utf-8"
    )
    (tmp_path / "setup.cfg").write_text(
        "[metadata]\nname = demo\n\n[options]\npython_requires = >=3.10\npy_modules = demo\n",
        encoding="utf-8",
    )
    project = Project.load(tmp_path)
    assert project.requires_python == SpecifierSet(">=3.10")
    assert "3.9" not in project.requires_python
    assert "3.10" in project.requires_python
