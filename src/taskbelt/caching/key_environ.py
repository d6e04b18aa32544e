"""Which environment variables can change a check's verdict, for its cache key.

A verdict cached under one environment must not answer for another: a run
with ``PYTEST_ADDOPTS="--deselect tests/test_a.py::test_bad"`` passed, and a
plain run afterwards answered "cached: 1 passed" although ``test_bad``
fails. Two rules, both failing closed:

- the tests get the whole environment, and a test may read any variable
  (``DATABASE_URL``, ``PYTHONHASHSEED``, ``PATH`` for the tools it starts), so
  every variable is part of their key except those that only describe the
  terminal, the shell or mise's bookkeeping of the task (:data:`VOLATILE`);
- the static tools read a known set: their own prefixes (``RUFF_``,
  ``BLACK_``, ``MYPY``, ...), Python's, the installers' (the audit resolves),
  ``CI`` and the user's config folders.

taskbelt's own ``TASKBELT_*`` settings count in both, except those that only
say where output goes (:data:`taskbelt.caching.verdicts.VOLATILE_ENV`).
"""

from __future__ import annotations

from collections.abc import Mapping

from taskbelt import defaults

#: Variables that describe the terminal, the login or the task runner's
#: bookkeeping of one invocation, never what a tool or a test computes.
VOLATILE = frozenset(
    {
        "_", "PWD", "OLDPWD", "SHLVL", "TERM", "COLORTERM", "COLUMNS", "LINES",
        "WINDOWID", "DISPLAY", "XAUTHORITY", "DBUS_SESSION_BUS_ADDRESS", "STY",
        "INVOCATION_ID", "JOURNAL_STREAM", "SECURITYSESSIONID", "GPG_AGENT_INFO",
        "HISTFILE", "HISTSIZE", "HISTFILESIZE", "HISTCONTROL", "PS1", "PS2", "PS4",
        "PROMPT_COMMAND", "LS_COLORS", "LSCOLORS", "MAIL", "MAILCHECK", "VTE_VERSION",
        "MISE_ORIGINAL_CWD", "MISE_SHELL", "TMUX", "TMUX_PANE", "GIT_ASKPASS",
    }
)  # fmt: skip
VOLATILE_PREFIXES = (
    "MISE_TASK_", "__MISE_", "SSH_", "XDG_SESSION_", "TERM_", "VSCODE_", "ITERM_",
    "KONSOLE_", "GNOME_TERMINAL_", "WT_", "LC_TERMINAL",
)  # fmt: skip
#: Prefixes of what ruff, black, mypy, pyright, bandit, pip-audit, uv, pip,
#: coverage, pytest and Python itself read.
TOOL_PREFIXES = (
    "RUFF_", "BLACK_", "MYPY", "PYRIGHT", "BANDIT", "PIP_", "PIPAPI_", "UV_",
    "COVERAGE_", "PYTEST_", "PYTHON", "VIRTUAL_ENV",
)  # fmt: skip
#: Single variables the static tools read.
TOOL_NAMES = frozenset({"CI", "HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "NO_COLOR"})


def _taskbelt_setting(name: str, output_only: frozenset[str]) -> bool:
    return name.startswith(defaults.ENV_PREFIX) and name not in output_only


def _volatile(name: str) -> bool:
    return name in VOLATILE or name.startswith(VOLATILE_PREFIXES)


def verdict_env(
    everything: bool, environ: Mapping[str, str], output_only: frozenset[str]
) -> list[str]:
    """``NAME=value`` lines of the variables that can change a verdict, sorted.

    ``everything``: the check runs the project's code (tests can read any
    variable), not only taskbelt's tools. ``output_only``: the ``TASKBELT_*``
    variables that only say where output goes.
    """
    chosen = []
    for name, value in environ.items():
        if name.startswith(defaults.ENV_PREFIX):
            keep = _taskbelt_setting(name, output_only)
        elif everything:
            keep = not _volatile(name)
        else:
            keep = name in TOOL_NAMES or name.startswith(TOOL_PREFIXES)
        if keep:
            chosen.append(f"{name}={value}")
    return sorted(chosen)
