"""Counted words and short lists, as every summary line writes them."""

from __future__ import annotations

from collections.abc import Sequence


def plural(count: int, word: str) -> str:
    """``1 finding`` / ``2 findings``."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def some_of(items: Sequence[str], shown: int = 3) -> str:
    """``a, b, c and 2 more``: the first ``shown`` items, and how many are left out.

    Said in words, never ``...``, so that a reader does not take the list for
    a line cut short (the whole list is in the JSON report's details).
    """
    more = f" and {len(items) - shown} more" if len(items) > shown else ""
    return ", ".join(items[:shown]) + more
