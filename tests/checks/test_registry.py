"""The check registry: what each name means, in which order, and a test's own check."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from taskbelt.checks import registry
from taskbelt.checks.base import CheckContext
from taskbelt.checks.interface import Check, Environment
from taskbelt.environments.matrix import Matrix
from taskbelt.errors import ConfigError
from taskbelt.repository.project import Project
from taskbelt.results import CheckResult, Status
from taskbelt.settings.model import load_settings
from taskbelt.tools.interpreters import Interpreter


def _passes(ctx: CheckContext) -> CheckResult:
    return CheckResult("spelling", Status.PASSED, summary="no typos")


@pytest.fixture
def spelling() -> Iterator[Check]:
    """A check of the test's own, registered for the test only."""
    check = Check("spelling", "typos in the docs", _passes, tools="lint")
    registry.register(check)
    yield check
    registry.unregister(check.name)


def test_summary_order_and_what_check_runs() -> None:
    """The summary lists the checks in this order; ``check`` runs all but fix."""
    assert [c.name for c in registry.checks()] == [
        "lint",
        "format",
        "typecheck",
        "test",
        "coverage",
        "audit",
        "fix",
    ]
    assert registry.in_check() == ("lint", "format", "typecheck", "test", "coverage", "audit")
    assert registry.expand(["check", "fix", "lint"]) == [*registry.in_check(), "fix"]


def test_names_run_takes() -> None:
    """Each check by name, plus ``pytest`` (each Python's tests without the gate)."""
    assert set(registry.names()) == {
        "lint",
        "format",
        "typecheck",
        "test",
        "pytest",
        "coverage",
        "audit",
        "fix",
    }


def test_what_a_name_asks_for() -> None:
    """``test-3.12`` is one Python's tests; ``pytest`` the tests alone; a typo nothing."""
    one = registry.resolve("test-3.12")
    assert one is not None
    assert (one.check.name, one.version, one.alone) == ("test", "3.12", False)
    alone = registry.resolve("pytest")
    assert alone is not None
    assert (alone.check.name, alone.alone) == ("test", True)
    assert registry.resolve("lnt") is None
    assert registry.resolve("lint-3.12") is None  # lint is not per Python


def test_what_each_check_needs() -> None:
    """Environments, waits and cacheability, as planning and the cache read them."""
    by_name = {c.name: c for c in registry.checks()}
    assert by_name["test"].environment is Environment.PROJECT_EACH
    assert by_name["typecheck"].environment is Environment.PROJECT_NEWEST
    assert {n for n, c in by_name.items() if c.needs_matrix} == {"test", "typecheck"}
    assert {n for n, c in by_name.items() if c.uses_dependencies} == {"test", "typecheck", "audit"}
    assert by_name["coverage"].after == ("test",)
    assert by_name["coverage"].follows
    assert [c.name for c in registry.followers(by_name["test"])] == ["coverage"]
    assert registry.followers(by_name["lint"]) == []
    assert by_name["test"].alone == "pytest"
    starts = sorted(by_name, key=lambda n: by_name[n].starts)
    assert starts == ["test", "typecheck", "audit", "coverage", "format", "fix", "lint"]


def test_cache_keys_besides_files(tmp_path: Path, python312: Interpreter) -> None:
    """The interpreter for tests and mypy, nothing for lint, never for fix."""
    tests = Matrix((python312,), ())
    by_name = {c.name: c for c in registry.checks()}
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n', encoding="utf-8")
    project = Project.load(tmp_path)  # typecheck's reads which mypy runs (an old one: 3.11)
    test, typecheck, lint, fix = (by_name[n] for n in ("test", "typecheck", "lint", "fix"))
    assert test.key(project, tests, test.session("3.12")) == {"interpreter": str(python312.path)}
    assert typecheck.key(project, tests, typecheck.session()) == {"newest": str(python312.path)}
    assert lint.key(project, tests, lint.session()) == {}
    assert fix.key(project, tests, fix.session()) is None


def test_a_tests_own_check_is_listed_and_resolved(spelling: Check) -> None:
    """Registered from a test, it is a name like any other, listed last."""
    assert registry.checks()[-1] is spelling
    assert "spelling" in registry.in_check()
    asked = registry.resolve("spelling")
    assert asked is not None
    assert asked.check is spelling
    with pytest.raises(ValueError, match="registered already"):
        registry.register(spelling)


def test_unregister_takes_out_a_registered_check_only(spelling: Check) -> None:
    """A built-in check stays whatever a noxfile or test unregisters; its own goes."""
    registry.unregister("lint")
    assert registry.get("lint") is registry.BUILT_IN[0]
    assert [c.name for c in registry.checks()][: len(registry.BUILT_IN)] == [
        c.name for c in registry.BUILT_IN
    ]
    registry.unregister("spelling")
    assert registry.get("spelling") is None
    registry.register(spelling)


def test_a_check_cannot_be_named_check() -> None:
    """``check`` means every check: no check may take that name."""
    with pytest.raises(ValueError, match="'check'"):
        registry.register(Check("check", "?", _passes, tools="lint"))


class TestSettingsNameChecks:
    """`timeout`'s keys and `skip`'s entries are checks the registry has."""

    def test_a_misspelt_timeout_key_names_the_check(self) -> None:
        with pytest.raises(ConfigError) as info:
            registry.check_settings(load_settings({"timeout": {"tests": 60}}))
        assert info.value.cause == "[tool.taskbelt.timeout] unknown key 'tests'"
        assert "did you mean 'test'?" in info.value.fix

    def test_a_misspelt_skip_names_the_check(self) -> None:
        with pytest.raises(ConfigError) as info:
            registry.check_settings(load_settings({"skip": ["lint", "typechek"]}))
        assert info.value.cause == "[tool.taskbelt] skip: 'typechek' is not a check"
        assert info.value.fix == "did you mean 'typecheck'?"

    def test_known_names_pass(self) -> None:
        settings = load_settings({"timeout": {"default": 60, "test": 600}, "skip": ["audit"]})
        registry.check_settings(settings)

    def test_a_tests_own_check_has_a_timeout_key_without_a_field(self, spelling: Check) -> None:
        """A new check's limit is a key of the table: nothing in the settings model changes."""
        settings = load_settings({"timeout": {"spelling": 5}, "skip": ["spelling"]})
        registry.check_settings(settings)
        assert settings.timeout.of("spelling") == (5, "timeout.spelling")
        registry.unregister("spelling")
        with pytest.raises(ConfigError, match="unknown key 'spelling'"):
            registry.check_settings(settings)
        registry.register(spelling)
