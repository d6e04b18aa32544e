"""The licence policy judged on SBOM components: SPDX logic, unknown licences, overrides."""

from __future__ import annotations

from typing import Any

import pytest

from taskbelt.checks.audit import licence_verdict
from taskbelt.settings.licences import LicencePolicy


def component(name: str, *licences: str, version: str = "1.0") -> dict[str, Any]:
    """A CycloneDX component listing ``licences`` as cyclonedx-py writes them."""
    entries: list[dict[str, Any]] = []
    for text in licences:
        if " " in text and text.split()[1] in ("OR", "AND", "WITH"):
            entries.append({"expression": text})
        elif text[:1].isupper() and " " not in text:
            entries.append({"license": {"id": text}})
        else:
            entries.append({"license": {"name": text}})
    return {"name": name, "version": version, "licenses": entries}


def verdicts(policy: LicencePolicy, *components: dict[str, Any]) -> dict[str, str]:
    return {j.package: j.verdict for j in licence_verdict.judge(policy, components)}


ALLOW = LicencePolicy(allow=["MIT", "BSD-3-Clause", "Apache-2.0"], deny=["GPL-3.0-only"])


@pytest.mark.parametrize(
    ("licences", "verdict"),
    [
        (("MIT",), "allowed"),
        (("Apache-2.0 OR GPL-3.0-only",), "allowed"),
        (("MIT AND GPL-3.0-only",), "denied"),
        (("GPL-3.0-only",), "denied"),
        (("LGPL-2.1-only",), "denied"),  # not in allow
        (("MIT", "LGPL-2.1-only"), "denied"),  # two listed: both must pass
        (("License :: OSI Approved :: BSD License",), "unknown"),
        ((), "unknown"),
        (("mit OR apache-2.0",), "allowed"),  # SPDX ids are not case-sensitive
    ],
)
def test_expressions_under_an_allow_list(licences: tuple[str, ...], verdict: str) -> None:
    assert verdicts(ALLOW, component("pkg", *licences)) == {"pkg": verdict}


def test_without_an_allow_list_only_denied_licences_fail() -> None:
    policy = LicencePolicy(deny=["GPL-3.0-only", "AGPL-3.0-only"])
    found = verdicts(
        policy,
        component("a", "LGPL-2.1-only"),
        component("b", "GPL-3.0-or-later OR AGPL-3.0-only"),
        component("c", "AGPL-3.0-only"),
        component("d", "Some words"),
    )
    assert found == {"a": "allowed", "b": "allowed", "c": "denied", "d": "unknown"}


def test_an_exception_passes_where_its_licence_or_the_pair_is_allowed() -> None:
    pair = "GPL-2.0-only WITH Classpath-exception-2.0"
    assert verdicts(LicencePolicy(allow=[pair]), component("a", pair)) == {"a": "allowed"}
    assert verdicts(LicencePolicy(allow=["GPL-2.0-only"]), component("a", pair)) == {"a": "allowed"}
    assert verdicts(LicencePolicy(deny=["GPL-2.0-only"]), component("a", pair)) == {"a": "denied"}
    assert verdicts(LicencePolicy(allow=["MIT"]), component("a", pair)) == {"a": "denied"}


def test_a_package_entry_decides_an_unknown_licence() -> None:
    policy = ALLOW.model_copy(update={"packages": {"jinja2": "BSD-3-Clause", "gone": "MIT"}})
    words = component("Jinja2", "License :: OSI Approved :: BSD License")
    assert verdicts(policy, words) == {"Jinja2": "allowed"}
    assert licence_verdict.unused(policy, [words]) == ["gone"]


def test_each_failure_names_the_dependency_and_the_licence() -> None:
    judged = licence_verdict.judge(
        ALLOW,
        [
            component("a", "MIT AND GPL-3.0-only", version="2.0"),
            component("b", "License :: OSI Approved :: BSD License"),
            component("c"),
        ],
    )
    assert [j.line for j in judged] == [
        "a 2.0: licence GPL-3.0-only not allowed",
        "b 1.0: licence unknown (License :: OSI Approved :: BSD License)",
        "c 1.0: no licence found",
    ]
    assert judged[0].to_json() == {
        "package": "a",
        "version": "2.0",
        "licenses": ["MIT AND GPL-3.0-only"],
        "verdict": "denied",
        "why": ["GPL-3.0-only"],
    }
