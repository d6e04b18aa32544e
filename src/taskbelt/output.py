"""Logging setup and the one place that writes to the terminal.

Every command taskbelt runs is logged at INFO through the ``taskbelt`` logger;
``-v`` or ``TASKBELT_VERBOSE=1`` shows those lines. Anything printed passes
through :func:`redact` first, so values of secret-looking environment
variables never reach the terminal or a report.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import sys
from collections.abc import Mapping, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, TextIO

from taskbelt import defaults

if TYPE_CHECKING:  # rich is imported when a console is made: start-up stays light
    from rich.console import Console

LOGGER = logging.getLogger("taskbelt")
#: The session whose work is being logged; checks run side by side, so each
#: log line says which one it belongs to.
SESSION: ContextVar[str] = ContextVar("taskbelt_session", default="")

_SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|CREDENTIAL|PRIVATE", re.I)
_URL_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.I)
_MIN_SECRET_LENGTH = 4


def secret_values(environ: Mapping[str, str] | None = None) -> list[str]:
    """Return values of environment variables whose names look secret.

    Args:
        environ: the environment to read; the process environment by default.

    Returns:
        The values, longest first so that overlapping values are all masked.
    """
    env = os.environ if environ is None else environ
    values = {v for k, v in env.items() if _SECRET_NAME.search(k) and len(v) >= _MIN_SECRET_LENGTH}
    return sorted(values, key=len, reverse=True)


def redact(text: str, environ: Mapping[str, str] | None = None) -> str:
    """Mask secrets in ``text``: secret-looking env values and URL credentials."""
    for value in secret_values(environ):
        text = text.replace(value, "***")
    return _URL_USERINFO.sub(r"\g<scheme>***@", text)


def format_command(argv: Sequence[str]) -> str:
    """Render ``argv`` as a shell-quoted command line, secrets masked."""
    return redact(shlex.join(argv))


def verbose_from_env() -> bool:
    """True when ``TASKBELT_VERBOSE`` asks for the commands to be shown."""
    return os.environ.get(defaults.ENV_VERBOSE, "").strip().lower() in {"1", "true", "yes", "on"}


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
    """A rich console on ``stream`` that honours NO_COLOR and FORCE_COLOR."""
    from rich.console import Console  # noqa: PLC0415 - see the import note above

    return Console(file=stream or sys.stdout, highlight=False, soft_wrap=True)
