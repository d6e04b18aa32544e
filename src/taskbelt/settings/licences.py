"""`[tool.taskbelt.audit] licenses`: which licences the dependencies may carry.

``licenses = { allow = ["MIT", "BSD-3-Clause", "Apache-2.0"], deny = ["GPL-3.0-only"] }``.
Each entry of ``allow`` and ``deny`` is one SPDX licence (an exception may
come with it: ``GPL-2.0-only WITH Classpath-exception-2.0``); ``packages``
says which licence to judge a package by where its metadata names none, or
only words that name no single licence (``{ jinja2 = "BSD-3-Clause" }``),
as an SPDX expression. Every value is parsed here, when the settings are
read: one that is not SPDX is a configuration error naming it.
"""

from __future__ import annotations

from typing import Annotated

from packaging.utils import canonicalize_name
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from taskbelt.errors import InvalidValue
from taskbelt.settings import spdx

_FIX = "use SPDX ids as https://spdx.org/licenses/ lists them (LicenseRef-<name> for your own)"


class LicencePolicy(BaseModel):
    """The licence policy the SBOM's licences are judged by."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: The licences a dependency may carry; None: any licence not denied.
    allow: list[Annotated[str, Field(min_length=1)]] | None = None
    #: The licences no dependency may carry.
    deny: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    #: Package name -> the SPDX expression it is judged by instead of its metadata's.
    packages: dict[str, Annotated[str, Field(min_length=1)]] = Field(default_factory=dict)

    @field_validator("allow", "deny")
    @classmethod
    def _one_licence_each(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        found = []
        for text in value:
            expression = _parsed(text)
            if not spdx.is_single(expression):
                raise InvalidValue(
                    f"{text!r} is an expression, not one licence",
                    'list each licence on its own: allow = ["MIT", "Apache-2.0"]',
                )
            found.append(str(expression))
        return found

    @field_validator("packages")
    @classmethod
    def _expressions(cls, value: dict[str, str]) -> dict[str, str]:
        found = {}
        for name, text in value.items():
            try:
                expression = spdx.parse(text)
            except spdx.NotSpdx as exc:
                raise InvalidValue(f"{name}: {exc}", _FIX) from None
            found[str(canonicalize_name(name))] = str(expression)
        return found

    @model_validator(mode="after")
    def _not_both(self) -> LicencePolicy:
        both = sorted(set(self.allow or ()) & set(self.deny))
        if both:
            raise InvalidValue(
                f"{', '.join(both)} both allowed and denied",
                "keep each licence in allow or in deny, not both",
            )
        return self


def _parsed(text: str) -> object:
    try:
        return spdx.parse(text)
    except spdx.NotSpdx as exc:
        raise InvalidValue(str(exc), _FIX) from None
