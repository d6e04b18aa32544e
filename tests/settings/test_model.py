"""[tool.taskbelt] validation: defaults, environment overrides, clear errors."""

from __future__ import annotations

import datetime as dt

import pytest

from taskbelt.errors import ConfigError
from taskbelt.settings.model import load_settings


class TestLoadSettings:
    def test_empty_table_gives_defaults(self) -> None:
        """An absent table is valid and leaves everything at its default."""
        settings = load_settings({})
        assert settings.python is None
        assert settings.fail_under is None
        assert settings.audit.timeout == 30.0
        assert settings.audit.ignore == []

    def test_kebab_keys_are_read(self) -> None:
        """TOML keys are kebab-case, nested tables included."""
        settings = load_settings(
            {"fail-under": 75, "python": ["3.11", "3.12"], "audit": {"osv-url": "http://x"}}
        )
        assert settings.fail_under == 75
        assert settings.python == ["3.11", "3.12"]
        assert settings.audit.osv_url == "http://x"

    def test_typo_names_key_and_suggests(self) -> None:
        """A misspelt key is an error naming it and the key that was meant."""
        with pytest.raises(ConfigError) as info:
            load_settings({"fail_undr": 80})
        assert "fail_undr" in info.value.cause
        assert "did you mean 'fail-under'?" in info.value.fix

    def test_nested_typo(self) -> None:
        """Unknown keys in [tool.taskbelt.audit] are caught too, with their path."""
        with pytest.raises(ConfigError) as info:
            load_settings({"audit": {"timout": 5}})
        assert info.value.cause == "[tool.taskbelt.audit] unknown key 'timout'"
        assert "timeout" in info.value.fix

    @pytest.mark.parametrize("value", [-1, 100.5, 120])
    def test_fail_under_out_of_range(self, value: float) -> None:
        """fail-under must lie within 0-100; the error shows what was given."""
        with pytest.raises(ConfigError) as info:
            load_settings({"fail-under": value})
        assert info.value.cause.startswith("[tool.taskbelt] fail-under:")
        assert repr(value) in info.value.cause
        assert "TASKBELT_FAIL_UNDER" in info.value.fix

    def test_bad_python_version(self) -> None:
        """Python versions look like 3.12."""
        with pytest.raises(ConfigError, match=r"'3\.x' is not a Python version"):
            load_settings({"python": ["3.x"]})

    def test_ignore_needs_reason(self) -> None:
        """An audit ignore without a reason is refused."""
        with pytest.raises(
            ConfigError, match=r"\[tool.taskbelt.audit\] ignore\[0\].reason: Field required"
        ):
            load_settings({"audit": {"ignore": [{"id": "PYSEC-1"}]}})

    def test_ignore_until_is_a_date(self) -> None:
        """until is parsed as a date."""
        settings = load_settings(
            {"audit": {"ignore": [{"id": "PYSEC-1", "reason": "r", "until": "2030-01-02"}]}}
        )
        assert settings.audit.ignore[0].until == dt.date(2030, 1, 2)

    def test_environment_overrides_pyproject(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """TASKBELT_* variables win over the table, nested ones with __."""
        monkeypatch.setenv("TASKBELT_FAIL_UNDER", "42")
        monkeypatch.setenv("TASKBELT_PYTHON", "3.11,3.13")
        monkeypatch.setenv("TASKBELT_AUDIT__TIMEOUT", "7")
        settings = load_settings({"fail-under": 80, "python": ["3.12"]})
        assert settings.fail_under == 42
        assert settings.python == ["3.11", "3.13"]
        assert settings.audit.timeout == 7

    def test_invalid_environment_value(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """A bad environment value names the variable."""
        monkeypatch.setenv("TASKBELT_FAIL_UNDER", "lots")
        with pytest.raises(ConfigError) as info:
            load_settings({})
        assert "fail-under" in info.value.cause
        assert "TASKBELT_FAIL_UNDER" in info.value.fix


class TestTimeout:
    def test_default_is_generous_and_named(self) -> None:
        """Without the key every check may run 30 minutes, and the key to raise is `timeout`."""
        assert load_settings({}).timeout.of("test") == (1800.0, "timeout")

    def test_one_number_sets_every_check(self) -> None:
        """`timeout = 600` is every check's limit."""
        timeouts = load_settings({"timeout": 600}).timeout
        assert [timeouts.of(s) for s in ("lint", "test")] == [(600, "timeout")] * 2

    def test_a_table_sets_one_check(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """`timeout = { test = 3600 }` sets every Python's tests; TASKBELT_TIMEOUT__AUDIT another."""
        monkeypatch.setenv("TASKBELT_TIMEOUT__AUDIT", "90")
        timeouts = load_settings({"timeout": {"test": 3600}}).timeout
        assert timeouts.of("test") == (3600, "timeout.test")
        assert timeouts.of("audit") == (90, "timeout.audit")
        assert timeouts.of("lint") == (1800, "timeout")

    @pytest.mark.parametrize("table", [{"timeout": 0}, {"timeout": {"test": -5}}])
    def test_not_positive_is_refused(self, table: dict[str, object]) -> None:
        """Zero or a negative limit is an error naming the key."""
        with pytest.raises(ConfigError, match=r"\[tool\.taskbelt\.timeout\] (default|test)"):
            load_settings(table)

    def test_the_table_is_open(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Any check's name is a key (the registry checks them), from TOML or the environment."""
        monkeypatch.setenv("TASKBELT_TIMEOUT__SPELLING", "45")
        timeouts = load_settings({"timeout": {"default": 900, "docs": 30}}).timeout
        assert timeouts.checks == {"docs": 30, "spelling": 45}
        assert timeouts.of("spelling") == (45, "timeout.spelling")
        assert timeouts.of("lint") == (900, "timeout")


class TestSkip:
    def test_a_list_or_a_comma_separated_variable(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """`skip` is a TOML list; TASKBELT_SKIP is the same list, comma-separated."""
        assert load_settings({}).skip == []
        assert load_settings({"skip": ["typecheck"]}).skip == ["typecheck"]
        monkeypatch.setenv("TASKBELT_SKIP", "typecheck, audit")
        assert load_settings({"skip": ["lint"]}).skip == ["typecheck", "audit"]
