"""`[tool.taskbelt.container]`: what image `mise run container` builds.

The model follows :mod:`taskbelt.settings.model`'s style (frozen, ``extra="forbid"``,
kebab-case keys in TOML) so that ``Settings`` can hold it as a nested table.
It imports nothing from :mod:`taskbelt.settings.model`, so the settings model may import it.
Container defaults live here, in one place, next to the model they fill.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import NoDecode

from taskbelt.errors import ConfigError, InvalidValue
from taskbelt.settings import image_reference, toml_tables

TABLE: Final = "[tool.taskbelt.container]"

#: Non-root user and group the app runs as (the "nonroot" id of distroless and ko).
DEFAULT_USER: Final = "65532:65532"
#: Folder under the project root that receives the image.
DEFAULT_OUTPUT: Final = "build/container"
#: The Containerfile of the engine backend, relative to the project root.
DEFAULT_CONTAINERFILE: Final = "Containerfile"
#: Where the app's virtual environment lives inside the image.
VENV: Final = PurePosixPath("/opt/venv")
#: The app user's working directory (and HOME) inside the image.
WORKDIR: Final = PurePosixPath("/app")
#: The image tag written into the OCI layout (``oci:<layout>:latest``).
TAG: Final = "latest"
#: The builder's cache folder under .taskbelt-cache/, and its outputs' names
#: (here, not in build.py, so the CLI can name them without importing the builder).
STATE_SUBDIR: Final = "container"
LAYOUT_NAME: Final = "oci"
ARCHIVE_NAME: Final = "image.oci.tar"
#: Platforms uv can install wheels for, and their Python machine names.
PLATFORMS: Final = {
    "linux/amd64": "x86_64",
    "linux/arm64": "aarch64",
    "linux/arm64/v8": "aarch64",
}

Backend = Literal["layers", "containerfile"]
Engine = Literal["buildah", "podman", "docker"]
_USER = re.compile(r"^\d+(:\d+)?$")
_PYTHON = re.compile(r"^3\.\d{1,2}$")
_LABEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


class ExtraFile(BaseModel):
    """One file or folder of the repository copied into the image."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str = Field(min_length=1)
    target: str = Field(min_length=1)
    mode: str | None = None

    @field_validator("source")
    @classmethod
    def _relative(cls, value: str) -> str:
        path = PurePosixPath(value)
        if path.is_absolute() or ".." in path.parts:
            msg = f"{value!r} must be a path inside the repository, relative to its root"
            raise ValueError(msg)
        return value

    @field_validator("target")
    @classmethod
    def _absolute(cls, value: str) -> str:
        path = PurePosixPath(value)
        if not path.is_absolute() or ".." in path.parts or path == PurePosixPath("/"):
            msg = f"{value!r} must be an absolute path in the image, like '/etc/app/app.toml'"
            raise ValueError(msg)
        return value

    @field_validator("mode")
    @classmethod
    def _octal(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"0?[0-7]{3}", value):
            msg = f"{value!r} is not a file mode like '0644'"
            raise ValueError(msg)
        return value


class ContainerSettings(BaseModel):
    """`[tool.taskbelt.container]`: the image `mise run container` builds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    base: str | None = None
    backend: Backend = "layers"
    engine: Engine | None = None
    containerfile: str = DEFAULT_CONTAINERFILE
    entrypoint: Annotated[list[str] | None, NoDecode] = None
    platforms: Annotated[list[str] | None, NoDecode] = None
    python: str | None = None
    user: str = DEFAULT_USER
    files: list[ExtraFile] = Field(default_factory=list)
    labels: dict[str, str] = Field(default_factory=dict)
    compile_bytecode: bool = False
    output: str = DEFAULT_OUTPUT

    _split = field_validator("platforms", mode="before")(toml_tables.split_list)

    @field_validator("base")
    @classmethod
    def _pinned(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                image_reference.parse(value)
            except ConfigError as exc:
                raise InvalidValue(exc.cause, exc.fix) from None
        return value

    @field_validator("entrypoint", mode="before")
    @classmethod
    def _exec_form(cls, value: object) -> object:
        if isinstance(value, str):
            return [value]
        return value

    @field_validator("entrypoint")
    @classmethod
    def _not_empty(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and (not value or not value[0]):
            msg = "give the command as a list, like ['/opt/venv/bin/app', '--serve']"
            raise ValueError(msg)
        return value

    @field_validator("platforms")
    @classmethod
    def _known_platforms(cls, value: list[str] | None) -> list[str] | None:
        for platform in value or []:
            if platform not in PLATFORMS:
                msg = f"unknown platform {platform!r}; supported: {', '.join(PLATFORMS)}"
                raise ValueError(msg)
        if value is not None and not value:
            msg = "list at least one platform, like ['linux/amd64']"
            raise ValueError(msg)
        return value

    @field_validator("python")
    @classmethod
    def _version(cls, value: str | None) -> str | None:
        if value is not None and not _PYTHON.match(value):
            msg = f"{value!r} is not a Python version like '3.12'"
            raise ValueError(msg)
        return value

    @field_validator("user")
    @classmethod
    def _numeric_user(cls, value: str) -> str:
        if not _USER.match(value):
            msg = f"{value!r} is not a numeric 'UID:GID' like '{DEFAULT_USER}'"
            raise ValueError(msg)
        return value

    @field_validator("labels")
    @classmethod
    def _label_keys(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if not _LABEL.match(key):
                msg = f"label {key!r} is not a key like 'org.example.team'"
                raise ValueError(msg)
        return value

    @property
    def uid(self) -> int:
        """The app user's numeric id."""
        return int(self.user.split(":", 1)[0])

    @property
    def gid(self) -> int:
        """The app user's numeric group (the uid when no group is given)."""
        parts = self.user.split(":", 1)
        return int(parts[1] if len(parts) > 1 else parts[0])


#: Nested tables by field name, for kebab-case key mapping (as config.NESTED).
NESTED: Final[dict[str, type[BaseModel]]] = {"container": ContainerSettings, "files": ExtraFile}


def load(table: Mapping[str, Any]) -> ContainerSettings:
    """Validate a parsed ``[tool.taskbelt.container]`` table (kebab-case keys).

    Raises:
        ConfigError: a key is unknown or a value is invalid; the message names it.
    """
    fields = toml_tables.to_fields(table, ContainerSettings, "tool.taskbelt.container", NESTED)
    try:
        return ContainerSettings(**fields)
    except ValidationError as exc:
        raise toml_tables.describe(exc, NESTED, section="container") from None
