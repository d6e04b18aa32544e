"""Run pytest exactly as ``python -m pytest`` would, minus a slow exit.

Run by the test check with the test environment's Python::

    python pytest_main.py PYTEST-ARGS...

After the last test, interpreter shutdown runs the cyclic garbage collector
over everything the session made (modules, items, rewritten asserts): on the
benchmark project (600 tests) 0.27-0.31 s between pytest's last line and
the end of the process, 0.02 s once those objects are frozen. Freezing
changes nothing the tests see: the run is over, objects are still released,
atexit handlers still run. pytest has no option for it, hence this file.

Like ``python -m``, it puts the working directory first on ``sys.path``
(instead of this file's folder) unless ``PYTHONSAFEPATH`` is set, and sets
``sys.argv[0]`` to pytest's ``__main__``. It imports pytest, never taskbelt.
"""

from __future__ import annotations

import gc
import os
import sys

if not getattr(sys.flags, "safe_path", False):
    sys.path[0] = os.getcwd()

import pytest  # after sys.path is what `python -m pytest` gives

sys.argv[0] = os.path.join(os.path.dirname(pytest.__file__), "__main__.py")
code = pytest.console_main()
gc.freeze()
raise SystemExit(code)
