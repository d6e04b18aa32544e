"""The one way a set of checks is run, whichever door asked.

``taskbelt check``, ``taskbelt run NAME...``, ``taskbelt prepare`` and every
Nox session (``check``, ``test``, ``lint``, ``test-3.12``, ...) call
:func:`run` and then :func:`publish`. :func:`run` alone plans the sessions,
holds the repository lock, guards each session (a problem is an ``error``
row, never a traceback), bounds and times it, answers it from the verdict
cache when its inputs are unchanged, saves the plan for the next fast
answer and masks secrets in all it returns and in what the tools left in
the reports folder (:mod:`taskbelt.output.masking`); stopped by SIGINT or SIGTERM,
it returns what finished and the rest as ``interrupted``, so that the table
and the report are still written; :func:`publish` alone prints the table
and writes the reports, through the same masker. Options come
in as arguments: no door changes the process environment to pass them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import os
import signal
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from taskbelt import defaults
from taskbelt.caching import saved_plan
from taskbelt.caching.verdicts import VerdictCache
from taskbelt.checks import registry
from taskbelt.checks.interface import Check, Session
from taskbelt.environments import create, matrix
from taskbelt.environments.matrix import Matrix
from taskbelt.output import console, masking
from taskbelt.output.masking import Masker
from taskbelt.output.report import github, json_report
from taskbelt.output.words import plural
from taskbelt.repository import locate
from taskbelt.repository.project import Project
from taskbelt.results import RunSummary, Status
from taskbelt.running.orchestrator import Runner, plan
from taskbelt.state import folder


@dataclass(frozen=True)
class Options:
    """How to run: the knobs every door offers."""

    #: Sessions at once (0: the setting, else the cores).
    jobs: int = 0
    #: False under ``--no-cache``: every check runs, nothing is answered or stored.
    use_cache: bool = True
    #: Only create the environments (``taskbelt prepare``).
    prepare_only: bool = False


def load_project(root: Path | None) -> Project:
    """The project at ``root``, or found from the environment / working directory.

    Its settings are checked against the registry here, once (``timeout``
    keys, ``skip``; the settings model cannot know the checks, which import
    it), so that every command, ``validate-config`` included, refuses a name
    that is no check's.
    """
    project = Project.load(locate.project_root(root))
    registry.check_settings(project.settings)
    return project


def asked_for(names: Sequence[str]) -> list[Check]:
    """The checks ``names`` ask for (``check``: its checks; ``test-3.12``: ``test``)."""
    found = [registry.resolve(n) for n in registry.expand(list(names))]
    return list(dict.fromkeys(a.check for a in found if a is not None))


def preload(module: str) -> None:
    """Import ``module`` in a background thread, while the checks run.

    The summary table needs rich (0.05 s to import); importing it while the
    checks' tools run takes that off the start of the run. Python's import
    lock makes the later ``import`` wait for this one if it is not done.
    """

    def load() -> None:
        with contextlib.suppress(ImportError):  # the later import reports it
            importlib.import_module(module)

    threading.Thread(target=load, name="taskbelt-preload", daemon=True).start()


def run(
    project: Project,
    names: Sequence[str],
    options: Options = Options(),
    environ: Mapping[str, str] | None = None,
) -> RunSummary:
    """Plan, run (or only prepare the environments) and summarise ``names``.

    ``project`` as :func:`load_project` loads it. ``names`` are check names
    (``lint``, ``pytest``, ``fix``, ...; ``check`` for every check it runs)
    or session names (``test-3.12``). ``environ`` is what the verdict cache
    keys on and the tools and tests get (default: this process's
    environment).

    Raises:
        ConfigError: a name no check has, or a Python outside the matrix.
    """
    env = os.environ if environ is None else environ
    asked = asked_for(names)
    needs_matrix = any(c.needs_matrix for c in asked)
    # tox's set_env reaches the tests: a secret it sets is masked like the environment's
    declared = project.test_set_env if needs_matrix else {}
    masker = Masker.from_environ(env, project.settings.secret_env, also=declared)
    masking.install(masker)
    preload("taskbelt.output.report.terminal")
    tests = matrix.resolve(project, env) if needs_matrix else Matrix((), ())
    folder.prepare(project.state_dir)
    caching = options.use_cache and not options.prepare_only
    with folder.repo_lock(project.state_dir):
        cache = VerdictCache(project.root, project.state_dir, env) if caching else None
        runner = Runner(
            project,
            tests,
            jobs=options.jobs,
            cache=cache,
            prepare_only=options.prepare_only,
            environ=env,
        )
        work = plan(names, tests, project.settings.skip, project)
        if options.prepare_only:  # nothing waits for anything: every environment at once
            work = dataclasses.replace(work, first=work.first + work.then, then=())
        began = time.time()
        try:
            results = runner.execute(work)
        finally:  # the tools' own reports (JUnit: a failing test's output) are masked too
            masker.folder(project.reports_dir, since=began - 1)
    notes = []
    if any(c.uses_dependencies for c in asked):
        notes.append(f"dependencies: {create.dependency_source(project)}")
    notes += [
        f"Python {i.version} skipped: not installed ({i.install_hint})" for i in tests.skipped
    ]
    if any(c.writes_reports for c in asked):
        notes.append(f"reports: {project.relative(project.reports_dir)}/")
    if runner.stopped_by is not None:
        unfinished = sum(r.status is Status.INTERRUPTED for r in results)
        stopped = signal.Signals(runner.stopped_by).name
        notes.append(f"stopped by {stopped}: {plural(unfinished, 'check')} did not finish")
    elif cache is not None and work.keep:
        place = work.places()
        saved_plan.save_plan(
            project.root,
            project.state_dir,
            names=names,
            sessions=_planned(runner, (*work.first, *work.then), place),
            skipped=[(r, place[r.name]) for r in work.skipped],
            notes=[masker.text(n) for n in notes],
            environ=env,
        )
    summary = RunSummary(work.in_order(results), tuple(notes), stopped_by=runner.stopped_by)
    return masker.summary(summary)


def _planned(
    runner: Runner, sessions: Sequence[Session], place: Mapping[str, int]
) -> dict[str, saved_plan.Planned]:
    """What the fast answer needs of each session run, in the order the keys were made.

    A session without a spec (never cached) is saved without one, so that
    the fast answer gives way to the full path.
    """
    planned = {}
    for session in sessions:
        check = session.check
        spec = runner.specs.get(session.name)
        planned[session.name] = saved_plan.Planned(
            spec, check.files, check.environ, place[session.name]
        )
    return planned


def publish(
    summary: RunSummary,
    started: float,
    report: Path | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    verbose: bool = False,
) -> int:
    """Print the summary, write the reports asked for; return the exit code.

    ``report`` (or ``TASKBELT_REPORT``) is the JSON report's path; on GitHub
    Actions the annotations and step summary are written too. ``verbose``
    (``-v``) lists the findings the debt ledger covers.
    """
    from taskbelt.output.report import terminal  # noqa: PLC0415 - see preload()

    env = os.environ if environ is None else environ
    # ``summary`` comes from run(), masked; the console's stream masks once more.
    terminal.render(
        console.console(), summary, seconds=time.perf_counter() - started, known=verbose
    )
    if env.get("GITHUB_ACTIONS") == "true":
        for line in github.emit(summary, env):
            print(line)
    target = report or env.get(defaults.ENV_REPORT)
    if target:
        json_report.write(summary, Path(target))
    return int(summary.exit_code)
