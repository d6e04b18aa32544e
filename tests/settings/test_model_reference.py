"""The README's configuration reference matches the settings model exactly."""

from __future__ import annotations

import re

from conftest import TASKBELT_ROOT

from taskbelt.settings.container import ContainerSettings
from taskbelt.settings.model import AuditSettings, CoverageSettings, Settings

README = (TASKBELT_ROOT / "README.md").read_text(encoding="utf-8")


def documented(heading: str) -> set[str]:
    """Keys in the first column of the table under ``heading``."""
    section = README.split(heading, 1)[1].split("\n### ", 1)[0]
    return set(re.findall(r"^\| `([a-z-]+)` \|", section, re.M))


def kebab(
    model: type[Settings] | type[AuditSettings] | type[CoverageSettings] | type[ContainerSettings],
) -> set[str]:
    return {name.replace("_", "-") for name in model.model_fields}


def test_every_top_level_key_is_documented() -> None:
    """[tool.taskbelt] keys in the README are exactly the model's fields."""
    assert documented("### `[tool.taskbelt]`") == kebab(Settings) - {
        "audit",
        "coverage",
        "container",
    }


def test_every_audit_key_is_documented() -> None:
    """[tool.taskbelt.audit] keys in the README are exactly the model's fields."""
    assert documented("### `[tool.taskbelt.audit]`") == kebab(AuditSettings)


def test_every_coverage_key_is_documented() -> None:
    """[tool.taskbelt.coverage] keys in the README are exactly the model's fields."""
    assert documented("### `[tool.taskbelt.coverage]`") == kebab(CoverageSettings)


def test_every_container_key_is_documented() -> None:
    """[tool.taskbelt.container] keys in the README are exactly the model's fields."""
    assert documented("### `[tool.taskbelt.container]`") == kebab(ContainerSettings)


def test_quick_start_has_at_most_five_steps() -> None:
    """From nothing to `mise run check` in five numbered steps or fewer."""
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    steps = re.findall(r"^(\d+)\. ", section, re.M)
    assert 0 < len(steps) <= 5
    assert "mise run check" in section
