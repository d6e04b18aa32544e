"""The door for a repository's own noxfile: ``from taskbelt import nox_sessions``.

``nox_sessions.register_all(nox)`` adds taskbelt's sessions (lint, format, fix,
typecheck, test-3.X, coverage, audit, check) beside the repository's own
(README, "Your own noxfile"). The sessions live in
:mod:`taskbelt.frontends.nox_sessions`; this name stays because repositories
import it, and moving taskbelt's insides must not break their noxfiles.
"""

from taskbelt.frontends.nox_sessions import register_all

__all__ = ["register_all"]
