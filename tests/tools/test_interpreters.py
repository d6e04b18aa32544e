"""Finding interpreters that are really present, and the test matrix."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_files
from packaging.specifiers import SpecifierSet

from taskbelt.environments import matrix
from taskbelt.errors import ConfigError
from taskbelt.repository.project import Project
from taskbelt.tools import interpreters


class TestFind:
    @pytest.mark.parametrize("version", ["3.11", "3.12", "3.13"])
    def test_present_versions_are_found(self, version: str) -> None:
        """The machine's pyenv interpreters are found although their shims fail."""
        found = interpreters.find(version)
        assert found.path is not None
        assert interpreters.probe(found.path) == version

    def test_absent_version(self) -> None:
        """A version nobody installed has no path and says how to get it."""
        found = interpreters.find("3.99")
        assert found.path is None
        assert "mise install python@3.99" in found.install_hint

    def test_broken_shim_is_skipped(self, tmp_path: Path) -> None:
        """A python3.X on PATH that fails to run is not taken."""
        shim = tmp_path / "python3.12"
        shim.write_text("#!/bin/sh\nexit 127\n")
        shim.chmod(0o755)
        assert interpreters.probe(shim) is None


class TestWantedVersions:
    def test_explicit_wins(self) -> None:
        """[tool.taskbelt] python wins, each version once (in version order: tests/test_version_order.py)."""
        assert interpreters.wanted_versions(["3.12", "3.12"], ["3.9"], None) == (["3.12"], True)

    def test_python_version_file_next(self) -> None:
        """.python-version is used when python is not set."""
        assert interpreters.wanted_versions(None, ["3.11"], None) == (["3.11"], True)

    def test_requires_python_last(self) -> None:
        """Otherwise every known version that requires-python admits."""
        versions, explicit = interpreters.wanted_versions(None, [], SpecifierSet(">=3.11,<3.13"))
        assert (versions, explicit) == (["3.11", "3.12"], False)


def _project(tmp_path: Path, python: str) -> Project:
    write_files(tmp_path, {"pyproject.toml": f"[tool.taskbelt]\npython = {python}\n"})
    return Project.load(tmp_path)


class TestMatrix:
    def test_missing_named_version_skipped_locally(self, tmp_path: Path) -> None:
        """Locally, a named but missing version is kept aside to be reported as skipped."""
        result = matrix.resolve(
            _project(tmp_path, '["3.12", "3.99"]'),
            {"PATH": "", "HOME": str(tmp_path), "PYENV_ROOT": str(Path.home() / ".pyenv")},
        )
        assert [i.version for i in result.present] == ["3.12"]
        assert [i.version for i in result.missing] == ["3.99"]

    def test_missing_named_version_fails_in_ci(self, tmp_path: Path) -> None:
        """In CI the same matrix is an error naming the version and the install command."""
        env = {"CI": "true", "PATH": "", "PYENV_ROOT": str(Path.home() / ".pyenv")}
        with pytest.raises(ConfigError) as info:
            matrix.resolve(_project(tmp_path, '["3.12", "3.99"]'), env)
        assert "Python 3.99" in info.value.cause
        assert "mise install python@3.99" in info.value.fix

    def test_nothing_present(self, tmp_path: Path) -> None:
        """A matrix with no present interpreter cannot run."""
        with pytest.raises(ConfigError, match="no Python interpreter"):
            matrix.resolve(_project(tmp_path, '["3.98"]'), {"PATH": "", "HOME": str(tmp_path)})

    def test_newest(self, tmp_path: Path) -> None:
        """Type-checking uses the newest present version (3.13 sorts after 3.9)."""
        env = {"PATH": "", "PYENV_ROOT": str(Path.home() / ".pyenv")}
        result = matrix.resolve(_project(tmp_path, '["3.13", "3.9"]'), env)
        assert result.newest[0] == "3.13"
