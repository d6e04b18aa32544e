"""Coverage from the first import: what pytest-cov will measure, known before pytest starts.

pytest-cov starts measuring in its ``pytest_load_initial_conftests`` hook,
after pytest has loaded the plugins of the test environment: a repository
that is a pytest plugin (``pytest11`` entry point), or whose package a
plugin or ``-p pkg.plugin`` imports, has its module-level lines run before
coverage looks, and they count as missed (pytest-mock: 62 % where
``coverage run -m pytest`` says 92 %).

So the test run starts a second measurement before pytest is imported
(:mod:`taskbelt.jobs.pytest_main`), with exactly what pytest-cov will be
given: the same ``source``, ``branch`` and configuration file. coverage
pauses it while pytest-cov measures (coverage keeps a stack of measurements)
and resumes it after; once pytest is done, its data are combined into
pytest-cov's data file. Everything else stays pytest-cov's: contexts,
xdist, ``no_cover``, subprocesses, the repository's own ``--cov`` options.

pytest-cov's options are read here from the arguments pytest will get (the
repository's ``addopts`` and ``$PYTEST_ADDOPTS``, then taskbelt's own),
with the option definitions pytest-cov declares: pytest parses them only
after loading the plugins, which is too late to ask it.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence

from taskbelt.jobs.pytest_main import EARLY_ENV

#: The variable that hands the measurement to ``pytest_main.py`` (removed there
#: before pytest starts, so no test and no child sees it).
ENV = EARLY_ENV


def _parser() -> argparse.ArgumentParser:
    """pytest-cov's options that decide what it measures, as pytest-cov declares them."""
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("--cov", action="append", nargs="?", const=True, dest="cov_source")
    parser.add_argument("--cov-branch", action="store_true", default=None, dest="cov_branch")
    parser.add_argument("--cov-config", default=".coveragerc", dest="cov_config")
    parser.add_argument("--no-cov", action="store_true", dest="no_cov")
    return parser


def spec(arguments: Sequence[str], disabled_plugins: set[str]) -> str | None:
    """The early measurement for a pytest run with ``arguments``, as JSON; None for none.

    None where pytest-cov will not measure: no ``--cov``, ``--no-cov``, or the
    plugin turned off (``-p no:pytest_cov``, ``-p no:cov``).
    """
    if disabled_plugins & {"pytest_cov", "cov"}:
        return None
    options, _ = _parser().parse_known_args(list(arguments))
    if options.no_cov or not options.cov_source:
        return None
    # as pytest-cov's _prepare_cov_source: a bare --cov anywhere means "coverage's settings"
    sources = options.cov_source
    source = None if True in sources else [s for s in sources if s is not True]
    return json.dumps(
        {"source": source, "branch": options.cov_branch, "config_file": options.cov_config}
    )
