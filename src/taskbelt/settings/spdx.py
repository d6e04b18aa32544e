"""SPDX licence expressions, read by license-expression (aboutcode's maintained parser).

``MIT``, ``Apache-2.0 OR BSD-2-Clause``, ``GPL-2.0-only WITH
Classpath-exception-2.0``: license-expression parses them against the SPDX
licence list it ships and normalises case and the deprecated ids it knows
as aliases (``GPL-2.0`` is ``GPL-2.0-only``). A ``LicenseRef-...`` id is a
licence of one's own naming, valid without being on the list. Imported only
where a licence policy is set: parsing costs nothing where none is.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from license_expression import Licensing

_OWN = "LicenseRef-"


@cache
def _licensing() -> Licensing:
    from license_expression import get_spdx_licensing  # noqa: PLC0415

    return get_spdx_licensing()


class NotSpdx(ValueError):
    """The text is no SPDX expression: it does not parse, or names an unknown licence."""


def parse(text: str) -> Any:
    """``text`` as a normalised expression (license-expression's objects).

    Raises:
        NotSpdx: it does not parse, or names a licence SPDX does not list.
    """
    from license_expression import ExpressionError  # noqa: PLC0415

    licensing = _licensing()
    try:
        expression = licensing.parse(text, simple=False)
    except ExpressionError as exc:
        raise NotSpdx(f"{text!r} is not an SPDX expression ({exc})") from None
    if expression is None:
        raise NotSpdx("an empty licence expression")
    unknown = [
        key
        for key in licensing.license_keys(expression)
        if not key.startswith(_OWN) and key not in _known()
    ]
    if unknown:
        raise NotSpdx(f"{text!r} names no SPDX licence: {', '.join(unknown)}")
    return expression


@cache
def _known() -> frozenset[str]:
    """Every licence and exception id on the SPDX list license-expression ships."""
    return frozenset(_licensing().known_symbols)


def normalised(text: str) -> str:
    """``text`` in SPDX's own spelling (``mit`` -> ``MIT``, ``GPL-2.0`` -> ``GPL-2.0-only``)."""
    return str(parse(text))


def is_single(expression: Any) -> bool:
    """Whether ``expression`` is one licence (with or without an exception), not AND / OR."""
    from license_expression import LicenseSymbol, LicenseWithExceptionSymbol  # noqa: PLC0415

    return isinstance(expression, LicenseSymbol | LicenseWithExceptionSymbol)


def blocking(expression: Any, allowed: Callable[[str, str], bool]) -> list[str]:
    """The licences that keep ``expression`` from passing; empty when it passes.

    ``allowed(licence, base)`` judges one licence: ``licence`` as written
    (``GPL-2.0-only WITH Classpath-exception-2.0``) and ``base``, the licence
    without its exception. ``A OR B`` passes when either does, ``A AND B``
    when both do.
    """
    from license_expression import OR, LicenseWithExceptionSymbol  # noqa: PLC0415

    if is_single(expression):
        base = (
            expression.license_symbol
            if isinstance(expression, LicenseWithExceptionSymbol)
            else expression
        )
        return [] if allowed(str(expression), str(base.key)) else [str(expression)]
    parts = [blocking(argument, allowed) for argument in expression.args]
    if isinstance(expression, OR) and any(not part for part in parts):
        return []
    return sorted({licence for part in parts for licence in part})
