"""Which bandit configuration the scan uses: the repository's own, else taskbelt's.

A repository configures bandit in two ways, and bandit reads both:

- a configuration file given with ``--configfile``: ``[tool.bandit]`` in
  pyproject.toml (``skips``, ``tests``, ``exclude_dirs``), or a YAML file;
- an INI file ``.bandit`` with a ``[bandit]`` section (``skips``, ``tests``,
  ``exclude``, ...). bandit looks for it only *inside* the folders it scans;
  taskbelt scans the project's packages (``src/demo``), so a ``.bandit`` at
  the repository's root, where it is written to sit, would go unread: it is
  passed with ``--ini``. A ``.bandit`` without a ``[bandit]`` section is the
  other convention, a YAML configuration run as ``bandit -c .bandit``, and is
  passed as the configuration file.

Without either, taskbelt's ``config/bandit.toml`` leaves tests and build
folders out. Which one was used is said with ``-v``.

bandit is asked for every finding (``--severity-level all``, also over an INI
``level``): which of them fail the audit is taskbelt's ``[tool.taskbelt.audit]``
``severity`` and ``confidence`` (:func:`taskbelt.checks.audit.bandit.threshold`), so
that the ones below it are listed as notes instead of vanishing.
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass
from pathlib import Path

from taskbelt import defaults
from taskbelt.repository.project import Project

INI_NAME = defaults.BANDIT_INI
_INI_SECTION = "bandit"


@dataclass(frozen=True)
class BanditConfig:
    """The bandit options that carry a configuration, and where they came from."""

    #: ``--configfile``: ``None`` where the repository's INI names its own.
    configfile: Path | None
    #: ``--ini``: the repository's ``.bandit``.
    ini: Path | None
    #: Where the settings come from, for ``-v``.
    source: str

    def argv(self) -> list[str]:
        """The options that hand this configuration to bandit."""
        return [
            *(["--configfile", str(self.configfile)] if self.configfile else []),
            *(["--ini", str(self.ini)] if self.ini else []),
        ]


def _ini_options(path: Path) -> dict[str, str] | None:
    """The ``[bandit]`` section of an INI ``.bandit``; ``None`` if it is not one.

    Read as bandit reads it (``configparser``); text that is no INI, or has no
    such section, is the YAML kind of ``.bandit``.
    """
    parser = configparser.ConfigParser()
    try:
        parser.read_string(path.read_text(encoding="utf-8", errors="replace"))
    except configparser.Error:
        return None
    return dict(parser.items(_INI_SECTION)) if parser.has_section(_INI_SECTION) else None


def choose(project: Project) -> BanditConfig:
    """The repository's bandit configuration, or taskbelt's default."""
    pyproject = project.root / "pyproject.toml"
    dotfile = project.root / INI_NAME
    configfile = pyproject if project.has_bandit_config else None
    ini = None
    sources = ["[tool.bandit] in pyproject.toml"] if configfile else []
    if dotfile.is_file():
        options = _ini_options(dotfile)
        if options is not None:
            ini = dotfile
            sources.append(f"{INI_NAME} ([bandit] section)")
            if configfile is None and options.get("configfile"):
                sources.append(f"its configfile {options['configfile']}")
                return BanditConfig(None, ini, ", ".join(sources))
        elif configfile is None:
            configfile = dotfile
            sources.append(f"{INI_NAME} (YAML)")
    if configfile is None:
        configfile = defaults.BANDIT_CONFIG
        sources.append("taskbelt's config/bandit.toml (tests and build folders left out)")
    return BanditConfig(configfile, ini, ", ".join(sources))
