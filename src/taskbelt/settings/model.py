"""The `[tool.taskbelt]` settings model, validated at the edge.

Sources, lowest to highest: taskbelt's defaults (``defaults.py``), the
repository's ``[tool.taskbelt]`` table, then ``TASKBELT_*`` environment
variables (nested keys with ``__``, e.g. ``TASKBELT_AUDIT__TIMEOUT``).
TOML keys are kebab-case (``fail-under``); a key that is unknown or misspelt
is an error that names it and suggests the nearest valid key.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    ValidationError,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from taskbelt import defaults
from taskbelt.errors import ConfigError
from taskbelt.settings import env_variables, toml_tables
from taskbelt.settings.container import NESTED as CONTAINER_NESTED
from taskbelt.settings.container import ContainerSettings
from taskbelt.settings.licences import LicencePolicy

Level = Literal["low", "medium", "high"]
ReportKind = Literal["xml", "json", "html"]
_VERSION = re.compile(r"^3\.\d{1,2}$")
#: An environment variable's name, ``*`` and ``?`` allowed (``fnmatch``).
_ENV_PATTERN = re.compile(r"^[A-Za-z_*?][A-Za-z0-9_*?]*$")
TABLE = "[tool.taskbelt]"


class IgnoreRule(BaseModel):
    """One advisory the audit may ignore, for a reason, until a date."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    reason: str = Field(min_length=1)
    until: dt.date | None = None


class SecretsSettings(BaseModel):
    """`[tool.taskbelt.audit.secrets]`: what the secrets scan leaves out, and its baseline."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Globs of files holding fake keys on purpose (test data), relative to the
    #: root; ``*`` also crosses folders. Their findings are listed as excluded.
    exclude: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    #: The repository's detect-secrets baseline; by default ``.secrets.baseline`` where it exists.
    baseline: Path | None = None
    #: Files larger than this many bytes are not scanned, and the row names them.
    max_file_size: int = Field(default=defaults.SECRETS_MAX_FILE_SIZE, gt=0)
    #: Also read every file version git's history holds (``--history`` for one run).
    history: bool = False


class AuditSettings(BaseModel):
    """`[tool.taskbelt.audit]`: where advisories come from and what may be ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    advisory_db: Path | None = None
    osv_url: str | None = None
    timeout: float = Field(default=defaults.AUDIT_TIMEOUT, gt=0)
    groups: list[str] = Field(default_factory=list)
    ignore: list[IgnoreRule] = Field(default_factory=list)
    severity: Level = defaults.BANDIT_SEVERITY
    confidence: Level = defaults.BANDIT_CONFIDENCE
    secrets: SecretsSettings = Field(default_factory=SecretsSettings)
    #: The licences dependencies may carry, judged against the SBOM; None: no policy.
    licenses: LicencePolicy | None = None


class CoverageSettings(BaseModel):
    """`[tool.taskbelt.coverage]`: coverage gates besides the total (critical modules)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: A glob of files relative to the root (``*`` crosses folders) -> the percent
    #: those files need together, combined over the whole matrix.
    paths: dict[Annotated[str, Field(min_length=1)], Annotated[float, Field(ge=0, le=100)]] = Field(
        default_factory=dict
    )


class Timeouts(BaseModel):
    """`[tool.taskbelt] timeout`: seconds a check may run before it is stopped as an ``error``.

    ``timeout = 600`` sets every check; the table form sets one check
    (``timeout = { test = 3600 }``), the others keep ``default``. A check's
    time includes making its environment; ``test`` is each Python's run.
    The table is open: any check's name is a key, so that a new check needs
    no field here. Which names are checks only the registry knows, so it
    checks the keys (:func:`taskbelt.checks.registry.check_settings`).
    """

    model_config = ConfigDict(extra="allow", frozen=True)
    #: Each check's own limit, by the check's name.
    __pydantic_extra__: dict[str, PositiveFloat] = Field(init=False)

    default: PositiveFloat = defaults.CHECK_TIMEOUT

    @property
    def checks(self) -> dict[str, float]:
        """The checks that have a limit of their own, by name."""
        return dict(self.model_extra or {})

    def of(self, check: str) -> tuple[float, str]:
        """The seconds a session of ``check`` may run and the key that says so (``timeout.test``).

        A check without a key of its own here has the default.
        """
        own = self.checks.get(check)
        if own is not None:
            return own, f"timeout.{check}"
        return self.default, "timeout"


def _one_timeout(value: object) -> object:
    """``timeout = 600`` (or ``TASKBELT_TIMEOUT=600``) is the default of every check."""
    if isinstance(value, int | float | str) and not isinstance(value, bool):
        return {"default": value}
    return value


class Settings(BaseSettings):
    """Everything a repository can set in `[tool.taskbelt]`."""

    model_config = SettingsConfigDict(
        env_prefix=defaults.ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        frozen=True,
    )

    python: Annotated[list[str] | None, NoDecode] = None
    fail_under: float | None = Field(default=None, ge=0, le=100)
    src: Annotated[list[str] | None, NoDecode] = None
    tests: Annotated[list[str] | None, NoDecode] = None
    test_groups: Annotated[list[str] | None, NoDecode] = None
    test_extras: Annotated[list[str] | None, NoDecode] = None
    formatter: Literal["black", "ruff"] | None = None
    type_checker: defaults.TypeChecker | None = None
    #: Whose tool versions run: the repository's pins where it has them, or taskbelt's always.
    tool_versions: Literal["repository", "taskbelt"] = defaults.TOOL_VERSIONS
    jobs: int | None = Field(default=None, ge=1)
    coverage_reports: Annotated[list[ReportKind], NoDecode] = Field(
        default_factory=lambda: list(defaults.COVERAGE_REPORTS)
    )
    bytecode_cache: bool = defaults.BYTECODE_CACHE
    secret_env: Annotated[list[str], NoDecode] = Field(default_factory=list)
    timeout: Timeouts = Field(default_factory=Timeouts)
    #: The branch a change is compared with (the ledger's growth, diff-fail-under); None: the CI
    #: system's target branch, else the remote's default (see :mod:`taskbelt.ledger.base`).
    diff_base: str | None = Field(default=None, min_length=1)
    #: The percent of the lines a change adds or edits (against ``diff-base``) that
    #: its tests must cover; None: not gated (:mod:`taskbelt.checks.coverage_diff`).
    diff_fail_under: float | None = Field(default=None, ge=0, le=100)
    #: Checks this repository does not want (validated against the registry).
    skip: Annotated[list[str], NoDecode] = Field(default_factory=list)
    audit: AuditSettings = Field(default_factory=AuditSettings)
    coverage: CoverageSettings = Field(default_factory=CoverageSettings)
    container: ContainerSettings = Field(default_factory=ContainerSettings)

    _split = field_validator(
        "python",
        "src",
        "tests",
        "test_groups",
        "test_extras",
        "coverage_reports",
        "secret_env",
        "skip",
        mode="before",
    )(toml_tables.split_list)

    _timeout = field_validator("timeout", mode="before")(_one_timeout)

    @field_validator("python")
    @classmethod
    def _versions(cls, value: list[str] | None) -> list[str] | None:
        for version in value or []:
            if not _VERSION.match(version):
                msg = f"{version!r} is not a Python version like '3.12'"
                raise ValueError(msg)
        return value

    @field_validator("secret_env")
    @classmethod
    def _variable_names(cls, value: list[str]) -> list[str]:
        for name in value:
            if not _ENV_PATTERN.match(name):
                msg = f"{name!r} is not an environment variable name or pattern like 'SENTRY_*'"
                raise ValueError(msg)
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Environment variables override the pyproject table (passed as init)."""
        return (env_settings, init_settings)


#: Nested tables by field name, for key mapping and error messages.
NESTED: dict[str, type[BaseModel]] = {
    "audit": AuditSettings,
    "coverage": CoverageSettings,
    "timeout": Timeouts,
    "ignore": IgnoreRule,
    **CONTAINER_NESTED,
}


def load_settings(table: Mapping[str, Any]) -> Settings:
    """Validate ``[tool.taskbelt]`` (already parsed) merged with the environment.

    Raises:
        ConfigError: a key or a ``TASKBELT_*`` variable is unknown, or a value
            is invalid; the message names it.
    """
    env_variables.check_names(Settings, os.environ)
    fields = toml_tables.to_fields(table, Settings, "tool.taskbelt", NESTED)
    try:
        return Settings(**fields)
    except ValidationError as exc:
        raise toml_tables.describe(exc, NESTED) from None
    except SettingsError as exc:
        raise ConfigError(
            f"a {defaults.ENV_PREFIX}* environment variable is invalid: {exc}",
            "unset it or give it a valid value",
        ) from None
