"""The options of ``check`` and ``run``: one table read by argparse and by the fast answer.

The full command line (:mod:`taskbelt.frontends.cli`) builds its argparse options from
this table, and the fast answer for an unchanged repository
(:mod:`taskbelt.frontends.entry_point`) parses ``check`` and ``run`` with it, so an option
added, renamed or given a value here is known to both doors at once.

Light (no argparse): the fast answer imports it before anything heavy.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

#: What the fast answer does with an option: ``use`` its value (where the
#: repository is, where the report goes), ``ignore`` it (it changes nothing of
#: a cached answer), or leave the run to the ``full`` path.
FastUse = Literal["use", "ignore", "full"]


@dataclass(frozen=True)
class Option:
    """One command-line option."""

    flags: tuple[str, ...]
    help: str
    fast: FastUse
    #: Converts the option's value; None: an on/off switch that takes none.
    kind: Callable[[str], object] | None = None
    #: Accepted before and after the command (``mise run check -v`` appends it);
    #: when absent it is not set at all, and the CLI fills in its default.
    shared: bool = False
    #: The value when absent (options that are not shared).
    default: object = None

    @property
    def dest(self) -> str:
        """The attribute argparse stores the value under."""
        return self.flags[-1].lstrip("-").replace("-", "_")


#: Every command takes these, before or after its name.
COMMON = (
    Option(("-v", "--verbose"), "show every command", "use", shared=True),
    Option(("--root",), "project root (default: nearest)", "use", Path, shared=True),
    Option(("--report",), "also write a JSON report here", "use", Path, shared=True),
)

#: ``check`` and ``run`` take these after their name.
RUNNING = (
    Option(("--jobs",), "checks run at once (default: cores)", "ignore", int, default=0),
    Option(("--no-cache",), "rerun checks whose inputs did not change", "full", default=False),
    Option(
        ("--history",),
        "the audit's secrets scan also reads every file version in git's history",
        "full",
        default=False,
    ),
)
