"""Keep an editable install's build by-products out of the user's tree.

setuptools writes ``<name>.egg-info/`` beside the code (``src/`` in a src
layout) when uv installs the project editable: an untracked folder taskbelt
left in the repository after a check. Two measures, the second a safety net:

* setuptools reads one more configuration file named by ``DIST_EXTRA_CONFIG``
  (its distutils, ``find_config_files``): one holding ``[egg_info] egg_base``
  sends the folder under taskbelt's state folder. A repository's own
  ``DIST_EXTRA_CONFIG`` is left as it is.
* a setuptools too old to read it still writes into the tree: an
  ``*.egg-info`` folder that appears during taskbelt's install is removed
  after it (one that was there before is the user's, and stays).
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from taskbelt.output.console import LOGGER

_EXTRA_CONFIG = "DIST_EXTRA_CONFIG"
#: Folders taskbelt's installs made in the tree, in this process: a parallel
#: install that saw one appear must not take it for the user's.
_MADE: set[Path] = set()
_LOCK = threading.Lock()


def _egg_infos(root: Path, excluded: tuple[str, ...]) -> set[Path]:
    """``*.egg-info`` folders at the root or one folder down (``src/``), not in ``excluded``."""
    found = {*root.glob("*.egg-info"), *root.glob("*/*.egg-info")}
    return {
        path for path in found if path.is_dir() and path.relative_to(root).parts[0] not in excluded
    }


@contextmanager
def kept_out(
    root: Path, state: Path, name: str, excluded: tuple[str, ...]
) -> Iterator[Mapping[str, str]]:
    """The environment for one editable install of the project at ``root``.

    ``state``: taskbelt's state folder, where the metadata goes (one folder
    per environment ``name``: installs run in parallel).
    """
    environ = dict(os.environ)
    if _EXTRA_CONFIG not in environ:
        base = state / "egg-info" / name
        base.mkdir(parents=True, exist_ok=True)
        config = base / "setuptools.cfg"
        config.write_text(f"[egg_info]\negg_base = {base}\n", encoding="utf-8")
        environ[_EXTRA_CONFIG] = str(config)
    with _LOCK:
        before = _egg_infos(root, excluded) - _MADE
    try:
        yield environ
    finally:
        with _LOCK:
            _MADE.update(_egg_infos(root, excluded) - before)
            for path in sorted(_egg_infos(root, excluded) & _MADE):
                LOGGER.info("removing %s: the install made it in your tree", path)
                shutil.rmtree(path, ignore_errors=True)
