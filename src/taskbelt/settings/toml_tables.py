"""kebab-case TOML tables into pydantic models, and errors named by table and key.

Shared by ``[tool.taskbelt]`` (config.py) and ``[tool.taskbelt.container]``
(container/settings.py), so that every settings error reads the same way:
``[tool.taskbelt.audit] timeout: ...`` on one line, how to fix it on the next.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from taskbelt import defaults
from taskbelt.errors import ConfigError, InvalidValue

Nested = Mapping[str, type[BaseModel]]


def kebab(name: str) -> str:
    """``fail_under`` -> ``fail-under``."""
    return name.replace("_", "-")


def split_list(value: object) -> object:
    """Accept ``"3.11,3.12"`` from the environment as well as a TOML list.

    A pydantic ``mode="before"`` validator for the list settings an
    environment variable may set (``TASKBELT_SKIP=audit,container``,
    ``TASKBELT_CONTAINER__PLATFORMS=linux/amd64,linux/arm64``).
    """
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def closest(name: str, choices: Iterable[str]) -> str | None:
    """The one of ``choices`` closest to ``name``, if any is close enough to be a typo of it."""
    guess = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.6)
    return guess[0] if guess else None


def nearest(name: str, choices: Iterable[str], listed_as: str) -> str:
    """``did you mean 'x'?`` for the closest of ``choices``, else all of them listed."""
    options = list(choices)
    guess = closest(name, options)
    return f"did you mean '{guess}'?" if guess else f"{listed_as}: {', '.join(options)}"


def unknown_key(path: str, key: str, known: Mapping[str, str]) -> ConfigError:
    """The error for a key the model does not have, with the nearest valid one."""
    hint = nearest(kebab(key), sorted(known), "valid keys")
    return ConfigError(
        f"[{path}] unknown key '{key}'",
        f"{hint} (see the configuration reference in taskbelt's README)",
    )


def to_fields(
    table: Mapping[str, Any], model: type[BaseModel], path: str, nested: Nested
) -> dict[str, Any]:
    """Rename kebab-case keys to field names, recursively, rejecting unknown ones.

    An open table (a model with ``extra="allow"``, ``timeout``) keeps keys it
    has no field for as written; whoever knows them checks them.
    """
    known = {kebab(name): name for name in model.model_fields}
    open_table = model.model_config.get("extra") == "allow"
    out: dict[str, Any] = {}
    for key, raw in table.items():
        if key not in known and open_table:
            out[key] = raw
            continue
        if key not in known:
            raise unknown_key(path, key, known)
        field = known[key]
        inner = nested.get(field)
        value = raw
        if inner is not None and isinstance(raw, Mapping):
            value = to_fields(raw, inner, f"{path}.{key}", nested)
        elif inner is not None and isinstance(raw, list):
            value = [
                to_fields(v, inner, f"{path}.{key}[{i}]", nested) if isinstance(v, Mapping) else v
                for i, v in enumerate(raw)
            ]
        out[field] = value
    return out


def describe(error: ValidationError, nested: Nested, section: str = "") -> ConfigError:
    """The first validation error, named by its table and key.

    A validator that raised :class:`~taskbelt.errors.InvalidValue` supplies
    its own fix; otherwise the fix names the key and its environment variable.
    """
    first = error.errors()[0]
    parts = [section, *first["loc"]] if section else list(first["loc"])
    env = defaults.ENV_PREFIX + "__".join(str(p).upper() for p in parts if isinstance(p, str))
    table = "tool.taskbelt"
    if len(parts) > 1 and parts[0] in nested:
        table = f"{table}.{parts.pop(0)}"
    loc = ".".join(str(part) if isinstance(part, str) else f"[{part}]" for part in parts)
    key = kebab(loc).replace(".[", "[")
    got = first.get("input")
    shown = "" if isinstance(got, dict | list) else f" (got {got!r})"
    cause = str(first["msg"]).removeprefix("Value error, ")
    fix = f"fix '{key}' in [{table}] of pyproject.toml (or the {env} environment variable)"
    reason = (first.get("ctx") or {}).get("error")
    if isinstance(reason, InvalidValue):
        cause, fix, shown = reason.cause, reason.fix, ""
    return ConfigError(f"[{table}] {key}: {cause}{shown}", fix)
