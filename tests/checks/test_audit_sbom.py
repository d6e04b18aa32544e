"""The audit's SBOM: real uv, cyclonedx-py and the audit tools on throwaway locked projects.

The SBOM must list what the lock pins, as the lock pins it (version and
file hashes), with each package's licence read from the package, and
validate against the CycloneDX 1.5 schema (vendored in tests/data/cyclonedx).
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from conftest import ToolVenv, git, locked_repo, validate_cyclonedx

from taskbelt.checks.audit import check as audit
from taskbelt.checks.audit import sbom
from taskbelt.checks.base import CheckContext
from taskbelt.repository.project import Project
from taskbelt.results import Status
from taskbelt.settings.model import load_settings

pytestmark = pytest.mark.slow

#: A package at two versions for two Pythons, and one whose wheels are Windows-only.
DEPS = (
    '"jinja2==3.1.4", '
    "\"idna==3.6 ; python_version < '3.11'\", \"idna==3.7 ; python_version >= '3.11'\", "
    "\"windows-curses==2.4.1 ; sys_platform == 'win32'\""
)


@pytest.fixture(scope="module")
def locked(tmp_path_factory: pytest.TempPathFactory) -> Project:
    return locked_repo(tmp_path_factory.mktemp("sbom") / "locked", DEPS)


def ctx_for(project: Project, tool_venv: ToolVenv, **kw: Any) -> CheckContext:
    return CheckContext(project=project, tools_bin=tool_venv("audit") / "bin", **kw)


def written(project: Project) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((project.reports_dir / sbom.SBOM_FILE).read_text())
    return document


def by_name(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(c["name"], c["version"]): c for c in document["components"]}


def hashes_of(component: dict[str, Any]) -> set[str]:
    return {
        h["content"]
        for ref in component.get("externalReferences", [])
        for h in ref.get("hashes", [])
    } | {h["content"] for h in component.get("hashes", [])}


def test_the_sbom_of_a_lock_lists_every_locked_package_with_its_hash_and_licence(
    locked: Project, tool_venv: ToolVenv
) -> None:
    result = sbom.scan(ctx_for(locked, tool_venv))
    assert result.status is Status.PASSED, (result.summary, result.output)
    document = written(locked)
    validate_cyclonedx(document)
    components = by_name(document)
    lock = tomllib.loads((locked.root / "uv.lock").read_text())
    pinned = [p for p in lock["package"] if p["name"] != "demo"]
    assert {(p["name"], p["version"]) for p in pinned} == set(components)
    for package in pinned:
        files = [package.get("sdist", {}), *package.get("wheels", [])]
        locked_hashes = {f["hash"].removeprefix("sha256:") for f in files if "hash" in f}
        component = components[package["name"], package["version"]]
        assert locked_hashes <= hashes_of(component), package["name"]
        assert component["purl"] == f"pkg:pypi/{package['name']}@{package['version']}"
    # each licence read from the package, the Windows-only one on this Linux machine too
    licences = result.details["licenses"]
    markupsafe = next(f"{n} {v}" for n, v in components if n == "markupsafe")
    assert licences[markupsafe] == ["BSD-3-Clause"], "an SPDX id where the package names one"
    # a classifier that names no version is kept as it is, not guessed into an id
    assert licences["jinja2 3.1.4"] == ["License :: OSI Approved :: BSD License"]
    assert licences["windows-curses 2.4.1"], "installed for Windows to be read"
    assert all(licences.values()), licences
    assert set(licences) == {f"{n} {v}" for n, v in components}
    assert result.details["file"] == ".taskbelt-cache/reports/sbom.cdx.json"
    assert result.summary == f"SBOM of {len(components)} packages"


def test_the_same_set_gives_the_same_bytes(locked: Project, tool_venv: ToolVenv) -> None:
    """Made again from nothing (--no-cache) or kept: the same document, byte for byte."""
    sbom.scan(ctx_for(locked, tool_venv))
    kept = sbom.scan(ctx_for(locked, tool_venv))
    first = (locked.reports_dir / sbom.SBOM_FILE).read_bytes()
    fresh = sbom.scan(ctx_for(locked, tool_venv, reuse=False))
    assert kept.details["reused_sbom"] is True
    assert fresh.details["reused_sbom"] is False
    assert (locked.reports_dir / sbom.SBOM_FILE).read_bytes() == first
    document = json.loads(first)
    head = git(locked.root, "log", "-1", "--format=%ct").strip()
    assert document["metadata"]["timestamp"] == sbom.stamped({}, int(head))["metadata"]["timestamp"]
    assert document["serialNumber"].startswith("urn:uuid:")


def test_without_a_lock_the_resolved_set_is_described(tmp_path: Path, tool_venv: ToolVenv) -> None:
    project = locked_repo(tmp_path / "unlocked", '"jinja2==3.1.4"', lock=False)
    result = sbom.scan(ctx_for(project, tool_venv))
    assert result.status is Status.PASSED, (result.summary, result.output)
    document = written(project)
    validate_cyclonedx(document)
    components = by_name(document)
    assert set(components) >= {("jinja2", "3.1.4")}
    assert all(hashes_of(c) for c in components.values())
    assert all(result.details["licenses"].values()), result.details["licenses"]
    assert result.details["source"] == "resolved from pyproject.toml (no uv.lock)"
    assert document["metadata"]["component"]["name"] == "demo", "the project, from pyproject.toml"


def test_a_generator_that_cannot_run_is_an_error_and_leaves_no_sbom(
    locked: Project, tool_venv: ToolVenv
) -> None:
    """Tools without cyclonedx-py: the licences cannot be read, so no SBOM, and no pass."""
    stale = locked.reports_dir / sbom.SBOM_FILE
    stale.parent.mkdir(parents=True, exist_ok=True)
    stale.write_text("{}")
    ctx = CheckContext(project=locked, tools_bin=tool_venv("lint") / "bin", reuse=False)
    result = sbom.scan(ctx)
    assert result.status is Status.ERROR
    assert "cyclonedx-py" in result.summary
    assert not stale.exists()


def test_the_audit_row_carries_the_sbom(locked: Project, tool_venv: ToolVenv) -> None:
    ctx = CheckContext(project=locked, tools_bin=tool_venv("audit") / "bin")
    part = audit.merge([sbom.scan(ctx)], 0.0)
    assert part.details["sbom"]["status"] == "passed"
    assert part.details["sbom"]["licenses"]["idna 3.7"] == [
        "License :: OSI Approved :: BSD License"
    ]
    assert part.summary.startswith("SBOM of 5 packages")


def with_policy(project: Project, **table: Any) -> Project:
    return dataclasses.replace(project, settings=load_settings({"audit": {"licenses": table}}))


def test_a_denied_licence_fails_naming_the_dependency_and_the_licence(
    locked: Project, tool_venv: ToolVenv
) -> None:
    project = with_policy(locked, deny=["BSD-3-Clause"])
    result = sbom.scan(ctx_for(project, tool_venv))
    assert result.status is Status.FAILED
    markupsafe = next(k for k in result.details["licenses"] if k.startswith("markupsafe "))
    assert f"{markupsafe}: licence BSD-3-Clause not allowed" in result.output
    assert f"4 dependencies with a licence not allowed: {markupsafe} (BSD-3-Clause), " in (
        result.summary
    ), "the denied one first, then the unknown ones (idna twice, jinja2)"
    # said which licence the unknown ones carry: only the denied one fails
    said = {"jinja2": "BSD-3-Clause OR MIT", "idna": "MIT"}
    result = sbom.scan(
        ctx_for(with_policy(locked, deny=["BSD-3-Clause"], packages=said), tool_venv)
    )
    assert result.summary.endswith(
        f"1 dependency with a licence not allowed: {markupsafe} (BSD-3-Clause)"
    )
    (failure,) = result.details["policy"]["failures"]
    assert (failure["package"], failure["verdict"], failure["why"]) == (
        "markupsafe",
        "denied",
        ["BSD-3-Clause"],
    )
    assert (locked.reports_dir / sbom.SBOM_FILE).is_file(), "the SBOM is written all the same"


def test_an_allow_list_fails_unknown_licences_until_a_package_entry_says_which(
    locked: Project, tool_venv: ToolVenv
) -> None:
    allow = ["BSD-3-Clause", "BSD-2-Clause", "PSF-2.0", "Python-2.0"]
    result = sbom.scan(ctx_for(with_policy(locked, allow=allow), tool_venv))
    assert result.status is Status.FAILED
    unknown = {f["package"] for f in result.details["policy"]["failures"]}
    assert unknown == {"idna", "jinja2"}, "their classifiers name no single BSD licence"
    assert "jinja2 3.1.4: licence unknown (License :: OSI Approved :: BSD License)" in result.output
    said = {"jinja2": "BSD-3-Clause", "idna": "BSD-3-Clause"}
    result = sbom.scan(ctx_for(with_policy(locked, allow=allow, packages=said), tool_venv))
    assert result.status is Status.PASSED, result.output
    assert result.summary == "SBOM of 5 packages, every licence allowed"
