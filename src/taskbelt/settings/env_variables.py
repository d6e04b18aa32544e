"""Which ``TASKBELT_*`` environment variables taskbelt knows, and the error for one it does not.

pydantic-settings reads the variables that match a field and ignores every
other one, so ``TASKBELT_PYTHONS=3.12`` (one letter too many) ran the
default Python matrix without a word. A misspelt variable must fail like a
misspelt ``[tool.taskbelt]`` key: exit 2, naming the closest setting.

A name is known when it is a setting (``TASKBELT_<FIELD>``, nested fields
joined with ``__`` as pydantic-settings joins them; under an open table such
as ``timeout`` or a mapping such as ``container.labels`` any key, checked by
whoever knows the keys) or one of taskbelt's own variables
(:data:`taskbelt.defaults.ENV_OWN`). Names are compared case-blind, as
pydantic-settings reads them.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator, Mapping

from pydantic import BaseModel

from taskbelt import defaults
from taskbelt.errors import ConfigError
from taskbelt.settings import toml_tables

_SEP = "__"


def _model_of(annotation: object) -> type[BaseModel] | None:
    """The model a field holds directly (``AuditSettings``), else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _is_mapping(annotation: object) -> bool:
    """A ``dict[...]`` field: pydantic-settings fills its keys from ``FIELD__KEY``."""
    return typing.get_origin(annotation) is dict


def _names(model: type[BaseModel], prefix: str) -> Iterator[tuple[str, bool]]:
    """``(name, open)`` for every variable that sets a field of ``model``.

    ``open``: any ``name__KEY`` is a setting too (an open table or a mapping).
    """
    for field_name, field in model.model_fields.items():
        name = prefix + field_name.upper()
        inner = _model_of(field.annotation)
        is_open = _is_mapping(field.annotation) or (
            inner is not None and inner.model_config.get("extra") == "allow"
        )
        yield name, is_open
        if inner is not None:
            yield from _names(inner, name + _SEP)


def known_names(model: type[BaseModel]) -> tuple[frozenset[str], tuple[str, ...]]:
    """Every exact name taskbelt reads, and the prefixes under which any name is a setting."""
    exact = set(defaults.ENV_OWN)
    open_prefixes = []
    for name, is_open in _names(model, defaults.ENV_PREFIX):
        exact.add(name)
        if is_open:
            open_prefixes.append(name + _SEP)
    return frozenset(exact), tuple(open_prefixes)


def unknown_names(model: type[BaseModel], environ: Mapping[str, str]) -> list[str]:
    """The ``TASKBELT_*`` variables in ``environ`` that taskbelt does not read, sorted."""
    exact, open_prefixes = known_names(model)
    unknown = []
    for name in environ:
        upper = name.upper()
        if not upper.startswith(defaults.ENV_PREFIX) or upper in exact:
            continue
        if not upper.startswith(open_prefixes):
            unknown.append(name)
    return sorted(unknown)


def check_names(model: type[BaseModel], environ: Mapping[str, str]) -> None:
    """Refuse a ``TASKBELT_*`` variable that is no setting, naming the closest one.

    Raises:
        ConfigError: one or more such variables are set.
    """
    unknown = unknown_names(model, environ)
    if not unknown:
        return
    exact, _ = known_names(model)
    # Compared without the prefix every name shares, which would make any two alike.
    choices = sorted(known.removeprefix(defaults.ENV_PREFIX) for known in exact)
    fixes = []
    for name in unknown:
        guess = toml_tables.closest(name.upper().removeprefix(defaults.ENV_PREFIX), choices)
        fixes.append(f"rename {name} to {defaults.ENV_PREFIX}{guess}" if guess else f"unset {name}")
    noun = "variable" if len(unknown) == 1 else "variables"
    raise ConfigError(
        f"unknown environment {noun} {', '.join(unknown)}: no taskbelt setting has that name",
        f"{'; '.join(fixes)} (the configuration reference in taskbelt's README lists the settings)",
    )
