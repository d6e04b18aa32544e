"""Logging setup and the one place that writes to the terminal.

Every command taskbelt runs is logged at INFO through the ``taskbelt`` logger;
``-v`` or ``TASKBELT_VERBOSE=1`` shows those lines. Anything printed passes
through the run's masker (:mod:`taskbelt.output.masking`): the console's stream
and the logger mask what they pass on, so values of secret-looking
environment variables and URL credentials never reach the terminal.
"""

from __future__ import annotations

import logging
import shlex
import sys
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, TextIO

from taskbelt.output.masking import MaskedStream, Masker, current, mask_record

if TYPE_CHECKING:  # rich is imported when a console is made: start-up stays light
    from rich.console import Console

LOGGER = logging.getLogger("taskbelt")
#: On the logger, not a handler: whoever handles taskbelt's records gets them masked.
LOGGER.addFilter(mask_record)
#: The session whose work is being logged; checks run side by side, so each
#: log line says which one it belongs to.
SESSION: ContextVar[str] = ContextVar("taskbelt_session", default="")


def redact(text: str, environ: Mapping[str, str] | None = None) -> str:
    """Mask secrets in ``text`` (see :mod:`taskbelt.output.masking`).

    With ``environ``, the secrets of that environment; else the run's masker.
    """
    masker = current() if environ is None else Masker.from_environ(environ)
    return masker.text(text)


def format_command(argv: Sequence[str]) -> str:
    """Render ``argv`` as a shell-quoted command line (the log masks it)."""
    return shlex.join(argv)


def _name_session(record: logging.LogRecord) -> bool:
    """Prefix a record with ``[session] `` when it belongs to one."""
    name = SESSION.get()
    record.session = f"[{name}] " if name else ""
    return True


def setup_logging(*, verbose: bool, stream: TextIO | None = None) -> None:
    """Send taskbelt's log records to stderr; INFO and up when verbose."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(_name_session)
    handler.setFormatter(logging.Formatter("taskbelt: %(session)s%(message)s"))
    LOGGER.handlers[:] = [handler]
    LOGGER.setLevel(logging.INFO if verbose else logging.WARNING)
    LOGGER.propagate = False


def console(stream: TextIO | None = None) -> Console:
    """A rich console on ``stream`` (masked) that honours NO_COLOR and FORCE_COLOR."""
    from rich.console import Console  # noqa: PLC0415 - see the import note above

    masked = MaskedStream(stream or sys.stdout)
    return Console(file=masked, highlight=False, soft_wrap=True)  # type: ignore[arg-type]
