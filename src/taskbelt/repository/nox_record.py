"""Record what each of a noxfile's sessions would install and run, running nothing.

Run as a script by the Python of taskbelt's nox tool environment
(:mod:`taskbelt.repository.nox_config`), never imported by taskbelt: it imports nox and
the repository's noxfile, nothing of taskbelt.

nox's own loader reads the noxfile (``nox.needs_version`` checked, the
noxfile's folder on ``sys.path``, as ``nox`` does) and nox's manifest expands
every session: each Python of ``python=[...]`` and each ``@nox.parametrize``
call becomes its own session, named as ``nox --list`` names it. Each is then
called with a :class:`Recorder` standing in for ``nox.Session``: ``install``
and ``run`` calls are written down, nothing is executed. A session that
fails under the recorder (it parses the output of a command that never ran,
say) is reported with its error and its source, which the caller reads as
text instead. The answer is one JSON object on stdout.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from nox import tasks
from nox._options import options


def _words(args: tuple[Any, ...]) -> list[str]:
    """A call's arguments as words (``Path`` objects as paths)."""
    return [os.fspath(arg) if isinstance(arg, os.PathLike) else str(arg) for arg in args]


class Stopped(Exception):
    """``session.skip`` or ``session.error``: the session ends here, as under nox."""


class Recorder:
    """A stand-in for ``nox.Session`` that records ``install`` and ``run`` and runs nothing."""

    def __init__(self, name: str, python: object, root: Path, tmp: str) -> None:
        self.name = name
        self.python = python
        self.posargs: list[str] = []
        self.env: dict[str, str] = {}
        self.interactive = False
        self.invoked_from = str(root)
        self.installs: list[list[str]] = []
        self.runs: list[list[str]] = []
        self._tmp = tmp
        self.bin = self._tmp
        self.bin_paths = [self._tmp]
        self.cache_dir = Path(self._tmp)
        self.virtualenv = self
        self.location = self._tmp
        self.venv_backend = "none"

    def install(self, *args: Any, **_: Any) -> None:
        self.installs.append(_words(args))

    def conda_install(self, *args: Any, **_: Any) -> None:
        self.installs.append(_words(args))

    def run(self, *args: Any, **_: Any) -> str:
        if args:
            self.runs.append(_words(args))
        return ""  # what ``run(..., silent=True)`` returns: the output of a command never run

    run_always = run
    run_install = run

    def install_and_run_script(self, script: Any, *args: Any, **kwargs: Any) -> str:
        return self.run("python", script, *args, **kwargs)

    def create_tmp(self) -> str:
        return self._tmp

    @contextlib.contextmanager
    def _chdir(self, _: Any) -> Iterator[None]:
        yield

    def chdir(self, directory: Any) -> contextlib.AbstractContextManager[None]:
        return self._chdir(directory)

    cd = chdir

    def skip(self, *args: Any) -> None:
        raise Stopped(" ".join(map(str, args)))

    def error(self, *args: Any) -> None:
        raise Stopped(" ".join(map(str, args)))

    def __getattr__(self, name: str) -> Any:
        """Anything else nox's session has (``log``, ``notify``, ``warn``) does nothing here."""
        if name.startswith("__"):
            raise AttributeError(name)
        return lambda *args, **kwargs: None


def _source(func: Any) -> str:
    """The session function's source, for the caller to read as text."""
    inner = getattr(func, "func", func)
    try:
        return inspect.getsource(inner)
    except (OSError, TypeError):
        return ""


def record(noxfile: Path) -> dict[str, Any]:
    """Every session of ``noxfile``, expanded by nox, with what it installs and runs."""
    root = noxfile.parent
    config = options.namespace(noxfile=str(noxfile), posargs=[])
    module = tasks.load_nox_module(config)
    if isinstance(module, int):
        return {"error": f"nox could not load {noxfile.name} (exit {module})", "sessions": []}
    manifest = tasks.discover_manifest(module, config)
    sessions = []
    tmp = tempfile.mkdtemp(prefix="taskbelt-nox-")
    for runner in manifest.list_all_sessions():
        session = runner[0]
        recorder = Recorder(session.friendly_name, session.func.python, root, tmp)
        found: dict[str, Any] = {"name": session.friendly_name, "python": session.func.python}
        try:
            session.func(recorder)
        except Stopped as stop:
            found["stopped"] = str(stop)
        except Exception as err:  # any failure: the caller reads the source
            found["failed"] = f"{type(err).__name__}: {err}"
            found["source"] = _source(session.func)
        found["installs"], found["runs"] = recorder.installs, recorder.runs
        sessions.append(found)
    shutil.rmtree(tmp, ignore_errors=True)
    return {"error": None, "sessions": sessions}


def main() -> int:
    """``python nox_record.py NOXFILE``: print the recording as JSON."""
    noxfile = Path(sys.argv[1]).resolve()
    try:
        answer = record(noxfile)
    except BaseException as err:  # a noxfile that cannot load: say why
        answer = {"error": f"{type(err).__name__}: {err}", "sessions": []}
    json.dump(answer, sys.stdout, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
