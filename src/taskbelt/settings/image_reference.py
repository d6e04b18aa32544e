"""Base image references, which must be pinned by digest.

Accepted forms:

- ``name[:tag]@sha256:<hex>`` (or ``docker://...``): an image in a registry,
  pulled by ``name@sha256:<hex>`` alone (Debian's skopeo refuses a reference
  with both a tag and a digest; the digest decides the bytes anyway), the tag
  kept in the image's ``org.opencontainers.image.base.name``;
- ``oci:<path>@sha256:<hex>``: a local OCI image layout (a folder), or an OCI
  archive when ``<path>`` is a ``.tar`` file; ``oci-archive:<path>@...`` too.

A reference without a digest is an error whose fix says how to pin it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from taskbelt.errors import ConfigError
from taskbelt.output.console import LOGGER

BASE_NAME = "org.opencontainers.image.base.name"
BASE_DIGEST = "org.opencontainers.image.base.digest"
DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")
_NAME = re.compile(r"^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*$")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")

Kind = Literal["registry", "layout", "archive"]


@dataclass(frozen=True)
class BaseRef:
    """A parsed, digest-pinned base image reference."""

    kind: Kind
    location: str
    digest: str
    raw: str
    tag: str = ""

    @property
    def hex(self) -> str:
        """The digest's hexadecimal part."""
        return self.digest.split(":", 1)[1]

    @property
    def pinned(self) -> str:
        """A registry image as the tools pull it: ``name@sha256:...``, no tag."""
        return f"{self.location}@{self.digest}"

    @property
    def named(self) -> str:
        """A registry image's name as written, with its tag: ``name[:tag]``."""
        return f"{self.location}:{self.tag}" if self.tag else self.location

    @property
    def skopeo(self) -> str:
        """The reference in skopeo's transport syntax."""
        if self.kind == "registry":
            return f"docker://{self.pinned}"
        return f"{'oci' if self.kind == 'layout' else 'oci-archive'}:{self.location}"

    @property
    def labels(self) -> dict[str, str]:
        """The OCI ``base.name``/``base.digest`` pair naming a registry base (none for a path).

        The image's labels (both backends) and its manifest annotations carry
        it: the tag, not sent to the tools, is kept there.
        """
        if self.kind != "registry":
            return {}
        return {BASE_NAME: self.named, BASE_DIGEST: self.digest}

    def say_pulled_by_digest(self) -> None:
        """With ``-v``, say that a written tag is not what is pulled."""
        if self.tag:
            LOGGER.info(
                "base image %s: pulled as %s (the digest decides; Debian's skopeo refuses "
                "a tag beside a digest), the tag kept in the label "
                "org.opencontainers.image.base.name=%s",
                self.raw,
                self.pinned,
                self.named,
            )


def _digest(raw: str, digest: str) -> str:
    if not DIGEST.match(digest):
        raise ConfigError(
            f"base image {raw!r}: {digest!r} is not a sha256 digest",
            "write the digest as 'sha256:' and 64 lowercase hexadecimal digits",
        )
    return digest


def _pin_hint(raw: str, inspect: str, pinned: str) -> ConfigError:
    return ConfigError(
        f"base image {raw!r} is not pinned by digest (a tag can move, and the build would not "
        "be reproducible)",
        f"pin it: run `skopeo inspect --format '{{{{.Digest}}}}' {inspect}` and write "
        f'base = "{pinned}@sha256:<that digest>"',
    )


def parse(raw: str) -> BaseRef:
    """Parse and check a base image reference.

    Raises:
        ConfigError: the reference is malformed or not pinned by a sha256 digest.
    """
    text = raw.strip()
    for prefix, kind in (("oci:", "layout"), ("oci-archive:", "archive")):
        if text.startswith(prefix):
            body = text[len(prefix) :]
            path, sep, digest = body.rpartition("@")
            if not sep:
                path_only = body.split(":", 1)[0] if kind == "archive" else body
                raise _pin_hint(raw, f"{prefix}{body}", f"{prefix}{path_only}")
            if not path:
                raise ConfigError(
                    f"base image {raw!r} names no path",
                    f'write it as "{prefix}<path>@sha256:<manifest digest>"',
                )
            is_archive = kind == "archive" or path.endswith(".tar")
            return BaseRef("archive" if is_archive else "layout", path, _digest(raw, digest), raw)
    name = text.removeprefix("docker://")
    repo, sep, digest = name.partition("@")
    if not sep:
        raise _pin_hint(raw, f"docker://{name}", repo)
    name, tag = _name_and_tag(raw, repo)
    return BaseRef("registry", name, _digest(raw, digest), raw, tag)


def _name_and_tag(raw: str, repo: str) -> tuple[str, str]:
    last = repo.rsplit("/", 1)[-1]
    name, tag = repo, ""
    if ":" in last:
        name, tag = repo.rsplit(":", 1)
    if not name or not _NAME.match(name) or (tag and not _TAG.match(tag)):
        raise ConfigError(
            f"base image {raw!r} is not an image reference",
            'write it as "registry.example/name:tag@sha256:<digest>" or '
            '"oci:<layout folder>@sha256:<digest>"',
        )
    return name, tag
