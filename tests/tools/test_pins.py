"""taskbelt's tool pins: config/tools.in's groups and their hashed locks."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskbelt.errors import ConfigError
from taskbelt.tools import pins


class TestToolPins:
    def test_groups_parsed(self) -> None:
        """tools.in yields each group with its pins; ruff appears in lint and format."""
        groups = pins.read_groups()
        assert {"lint", "format", "typecheck", "test", "coverage", "audit"} <= set(groups)
        assert any(r.startswith("ruff==") for r in groups["lint"].requirements)
        assert any(r.startswith("black==") for r in groups["format"].requirements)

    def test_locks_match_pins(self) -> None:
        """Every pinned version appears, hashed, in its group's lock."""
        for group in pins.read_groups().values():
            lock = group.lock_file.read_text()
            for pin in group.requirements:
                name, version = pin.split("==")
                assert f"{name}=={version}" in lock, (group.name, pin)
            assert "--hash=sha256:" in lock

    def test_unpinned_line_rejected(self, tmp_path: Path) -> None:
        """A requirement without == is refused with its line number."""
        path = tmp_path / "tools.in"
        path.write_text("# group: lint\nruff>=0.5\n")
        with pytest.raises(ConfigError, match=r"tools.in:2: 'ruff>=0.5' is not pinned"):
            pins.read_groups(path)

    def test_pin_outside_group(self, tmp_path: Path) -> None:
        """Every pin belongs to a group."""
        path = tmp_path / "tools.in"
        path.write_text("ruff==1\n")
        with pytest.raises(ConfigError, match="outside a group"):
            pins.read_groups(path)

    def test_missing_lock(self) -> None:
        """A group without a lock file says how to make it."""
        with pytest.raises(ConfigError, match="lock-tools"):
            pins.lock_digest("no-such-group")
