"""Run pytest exactly as ``python -m pytest`` would, minus a slow exit.

Run by the test check with the test environment's Python::

    python pytest_main.py PYTEST-ARGS...

After the last test, interpreter shutdown runs the cyclic garbage collector
over everything the session made (modules, items, rewritten asserts): on the
benchmark project (600 tests) 0.27-0.31 s between pytest's last line and
the end of the process, 0.02 s once those objects are frozen. Freezing
changes nothing the tests see: the run is over, objects are still released,
atexit handlers still run. pytest has no option for it, hence this file.

Everything a test can observe is what ``python -m pytest`` gives, because
pytest is started the way ``-m`` starts it (``runpy`` with ``alter_sys``):
``__main__`` is pytest's own ``__main__`` module (its ``__spec__`` names
``pytest.__main__``), ``sys.argv[0]`` is that module's file, and the working
directory is first on ``sys.path`` unless ``PYTHONSAFEPATH`` is set. That
matters beyond cosmetics: a ``spawn`` or ``forkserver`` child of a test
re-imports ``__main__`` by its spec; had this script been ``__main__`` it
would re-import this file instead, and before the guard below each child ran
the whole suite again (seen on a public repository: 30 minutes, then killed).
It imports pytest, never taskbelt.

So that coverage counts from the first import, ``TASKBELT_COVERAGE_EARLY``
(JSON: the ``source``, ``branch`` and configuration file pytest-cov will be
given; :mod:`taskbelt.checks.pytest.coverage_early`) makes it start coverage before pytest is
imported, and combine what that measured into pytest-cov's data file
(``$COVERAGE_FILE``) once pytest is done. coverage pauses this measurement
while pytest-cov's runs, so it holds what ran before pytest-cov started
(a pytest plugin's module-level lines) and after it stopped.

So that a pass can be explained, it writes where the tests imported the
project's packages from: ``TASKBELT_RECORD_IMPORTS=FILE`` and
``TASKBELT_RECORD_MODULES=a,b`` (both removed from the environment before
pytest starts, so no test and no child sees them) make it write
``{"a": "/path/a/__init__.py", "b": null}`` to FILE after the run.
"""

from __future__ import annotations

import gc
import json
import os
import runpy
import sys
from typing import Any


def record_imports(target: str, names: str) -> None:
    """Write where each of ``names`` (comma-separated) was imported from to ``target``."""
    found = {}
    for name in filter(None, names.split(",")):
        module = sys.modules.get(name)
        where = getattr(module, "__file__", None)
        if module is not None and where is None:  # a namespace package
            where = next(iter(getattr(module, "__path__", [])), None)
        found[name] = where
    with open(target, "w", encoding="utf-8") as out:
        json.dump(found, out)


#: The variable naming the early measurement (read by :mod:`taskbelt.checks.pytest.coverage_early` too).
EARLY_ENV = "TASKBELT_COVERAGE_EARLY"
#: The early measurement's data file: ``$COVERAGE_FILE`` and this suffix.
EARLY_SUFFIX = ".taskbelt-early"
#: coverage's warnings that say nothing about the tests here: the early
#: measurement is paused while they run, so it sees no import of most packages.
_QUIET = [
    "module-not-imported", "no-data-collected", "module-not-measured", "already-imported",
    "include-ignored", "no-ctracer", "no-sysmon",
]  # fmt: skip


def start_early(spec: str) -> Any:
    """Start coverage as pytest-cov will (``spec``), before pytest imports anything."""
    import coverage  # noqa: PLC0415 - only where coverage is measured

    options = json.loads(spec)
    early = coverage.Coverage(
        data_file=os.environ.get("COVERAGE_FILE", ".coverage") + EARLY_SUFFIX,
        source=options["source"],
        branch=options["branch"],
        config_file=options["config_file"],
    )
    early.set_option("run:disable_warnings", _QUIET)
    early.start()
    return early


def merge_early(early: Any, spec: str) -> None:
    """Stop the early measurement and combine it into pytest-cov's data file.

    Nothing is combined where pytest-cov wrote no data, or where its
    measurement is still running (pytest stopped before pytest-cov could).
    """
    import coverage  # noqa: PLC0415

    try:
        early.stop()
    except AssertionError:  # coverage: another measurement is still on top
        return
    data_file = os.environ.get("COVERAGE_FILE", ".coverage")
    if not os.path.isfile(data_file):
        return
    early.save()
    # under `parallel = true` coverage adds .host.pid.random to the name: ask it
    saved = early.get_data().data_filename()
    if not os.path.isfile(saved):  # nothing was measured
        return
    combined = coverage.Coverage(data_file=data_file, config_file=json.loads(spec)["config_file"])
    combined.load()
    combined.combine([saved])
    combined.save()


def main() -> None:
    """Run pytest as ``python -m pytest``; freeze the heap before exiting."""
    target = os.environ.pop("TASKBELT_RECORD_IMPORTS", "")
    names = os.environ.pop("TASKBELT_RECORD_MODULES", "")
    spec = os.environ.pop(EARLY_ENV, "")
    if not getattr(sys.flags, "safe_path", False):
        sys.path[0] = os.getcwd()
    early = start_early(spec) if spec else None
    try:
        runpy.run_module("pytest", run_name="__main__", alter_sys=True)
    except SystemExit:
        if early is not None:
            merge_early(early, spec)
        if target:
            record_imports(target, names)
        gc.freeze()
        raise


if __name__ == "__main__":
    main()
