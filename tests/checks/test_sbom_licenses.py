"""Which environment each pin is installed for to read its licence, and the SBOM's stamp."""

from __future__ import annotations

import json

import pytest

from taskbelt.checks.audit import sbom, sbom_licenses
from taskbelt.tools.hashed_requirements import entries


def target(line: str) -> sbom_licenses.Target:
    (entry,) = entries(f"{line} \\\n    --hash=sha256:aa\n")
    return sbom_licenses.target_for(entry, sbom_licenses.targets())


@pytest.mark.parametrize(
    ("line", "platform", "python"),
    [
        ("pywin32==306 ; sys_platform == 'win32'", "windows", None),
        ("appnope==0.1.4 ; sys_platform == 'darwin'", "macos", None),
        ("numpy==1.24.4 ; python_full_version < '3.9'", None, "3.8"),
        (
            "tomli==2.0.1 ; python_version < '3.11' and platform_system == 'Windows'",
            "windows",
            "3.10",
        ),
        ("jinja2==3.1.4", None, None),
    ],
)
def test_each_pin_is_installed_for_an_environment_its_marker_selects(
    line: str, platform: str | None, python: str | None
) -> None:
    chosen = target(line)
    first = sbom_licenses.targets()[0]
    assert chosen.platform == platform
    assert chosen.python == (python or first.python)


def test_a_marker_no_target_selects_falls_back_to_this_machine() -> None:
    assert target("x==1 ; implementation_name == 'pypy'") == sbom_licenses.targets()[0]


def test_the_stamp_is_made_from_the_content_and_the_epoch() -> None:
    bom = {"bomFormat": "CycloneDX", "specVersion": "1.5", "serialNumber": "urn:uuid:random",
           "metadata": {"timestamp": "now"}, "components": [{"name": "a", "version": "1"}]}  # fmt: skip
    one, two = sbom.stamped(bom, 0), sbom.stamped(json.loads(json.dumps(bom)), 0)
    assert one == two
    assert one["serialNumber"] != "urn:uuid:random"
    assert one["metadata"]["timestamp"] == "1970-01-01T00:00:00Z"
    changed = sbom.stamped({**bom, "components": [{"name": "a", "version": "2"}]}, 0)
    assert changed["serialNumber"] != one["serialNumber"]
    assert "timestamp" not in sbom.stamped(bom, None)["metadata"]
    assert list(one)[:3] == ["bomFormat", "specVersion", "serialNumber"]


def test_licences_are_listed_as_ids_expressions_or_names() -> None:
    bom = {
        "components": [
            {"name": "a", "version": "1", "licenses": [{"license": {"id": "MIT"}}]},
            {"name": "b", "version": "2", "licenses": [{"expression": "Apache-2.0 OR MIT"}]},
            {"name": "c", "version": "3", "licenses": [{"license": {"name": "Custom"}}]},
            {"name": "d", "version": "4"},
        ]
    }
    assert sbom.licences_of(bom) == {
        "a 1": ["MIT"],
        "b 2": ["Apache-2.0 OR MIT"],
        "c 3": ["Custom"],
        "d 4": [],
    }


def test_a_package_without_a_licence_says_why() -> None:
    bom = {"components": [{"name": "A", "version": "1"}, {"name": "b", "version": "2"},
                          {"name": "c", "version": "3"}]}  # fmt: skip
    found = sbom_licenses.Licences(found={("a", "1"): []}, missing={("b", "2"): "no wheel"})
    why = {
        c["name"]: c["properties"][-1]["value"]
        for c in sbom.with_licences(bom, found)["components"]
    }
    assert why == {
        "A": "its metadata declares none",
        "b": "not installable here: no wheel",
        "c": "not installed to be read (not a pinned package index requirement)",
    }
