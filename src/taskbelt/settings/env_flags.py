"""On/off settings read from the environment (``TASKBELT_NO_CACHE``, ``TASKBELT_VERBOSE``, ``CI``).

One parser for every such variable, and the same words pydantic accepts for
a boolean ``TASKBELT_*`` setting, so that ``on`` means the same everywhere.
A value that is neither on nor off is an error for taskbelt's own variables
(a typo must not silently mean "off"); ``CI``, which other tools set, is
only read as on or not.

Light: the fast answer for an unchanged repository reads these flags.
"""

from __future__ import annotations

from collections.abc import Mapping

from taskbelt.errors import ConfigError

#: What pydantic reads as True and as False (case and surrounding blanks ignored).
ON = frozenset({"1", "on", "t", "true", "y", "yes"})
OFF = frozenset({"", "0", "off", "f", "false", "n", "no"})


def parse(value: str) -> bool | None:
    """True for an on word, False for an off word (or nothing), None for anything else."""
    word = value.strip().lower()
    if word in ON:
        return True
    return False if word in OFF else None


def flag(environ: Mapping[str, str], name: str) -> bool:
    """The on/off variable ``name`` of ``environ`` (unset is off).

    Raises:
        ConfigError: the value is neither an on nor an off word.
    """
    value = environ.get(name, "")
    found = parse(value)
    if found is None:
        raise ConfigError(
            f"{name}={value!r} is neither on nor off",
            f"set {name} to 1 (on) or 0 (off), or unset it",
        )
    return found
