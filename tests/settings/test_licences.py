"""`[tool.taskbelt.audit] licenses`: SPDX values read when the settings are, errors naming them."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CLEAN_PYPROJECT, assert_two_line_error, git, taskbelt, write_files

from taskbelt.errors import ConfigError
from taskbelt.settings.licences import LicencePolicy
from taskbelt.settings.model import load_settings


def policy(**table: object) -> LicencePolicy | None:
    return load_settings({"audit": {"licenses": table}}).audit.licenses


def test_values_are_written_as_spdx_writes_them() -> None:
    read = policy(
        allow=["mit", "GPL-2.0"], deny=["agpl-3.0-only"], packages={"Jinja2": "bsd-3-clause OR mit"}
    )
    assert read is not None
    assert read.allow == ["MIT", "GPL-2.0-only"]
    assert read.deny == ["AGPL-3.0-only"]
    assert read.packages == {"jinja2": "BSD-3-Clause OR MIT"}
    assert load_settings({}).audit.licenses is None


@pytest.mark.parametrize(
    ("table", "cause"),
    [
        ({"allow": ["MIT OR Apache-2.0"]}, "'MIT OR Apache-2.0' is an expression, not one licence"),
        ({"deny": ["GPL-4.0"]}, "'GPL-4.0' names no SPDX licence: GPL-4.0"),
        ({"packages": {"x": "MIT AND ("}}, "x: 'MIT AND (' is not an SPDX expression"),
        ({"allow": ["MIT"], "deny": ["mit"]}, "MIT both allowed and denied"),
        ({"allow": ["MIT"], "permit": ["MIT"]}, "permit"),
    ],
)
def test_a_value_that_is_not_spdx_is_a_configuration_error(
    table: dict[str, object], cause: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        policy(**table)
    assert cause in raised.value.cause
    assert raised.value.cause.startswith("[tool.taskbelt.audit] licenses")


def test_the_cli_says_it_in_two_lines(tmp_path: Path) -> None:
    pyproject = CLEAN_PYPROJECT + '\n[tool.taskbelt.audit]\nlicenses = { deny = ["MIT AND ("] }\n'
    write_files(tmp_path, {"pyproject.toml": pyproject})
    git(tmp_path, "init", "-q")
    done = taskbelt(tmp_path, "run", "audit")
    assert_two_line_error(done, "licenses.deny: 'MIT AND (' is not an SPDX expression")
