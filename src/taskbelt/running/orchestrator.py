"""Plan which sessions a command needs, run them in parallel, collect the results.

Sessions (see :mod:`taskbelt.running.sessions`) run in threads of this process, up
to ``jobs`` at a time, the slowest kinds first so that the longest one does
not start last; a check that waits for others (``coverage`` for every
``test-3.X``) runs once they have finished. What each check needs, waits
for and keys on is its declaration in :mod:`taskbelt.checks.registry`. A
session whose inputs are unchanged since it last passed is answered from the
verdict cache. Each session runs within its ``timeout``; SIGINT or SIGTERM
stops every child and leaves the unfinished sessions ``interrupted``.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from packaging.version import Version

from taskbelt import children, proc
from taskbelt.caching.verdicts import VerdictCache, spec_inputs
from taskbelt.checks import coverage, coverage_diff, registry
from taskbelt.checks.base import Ahead, tail
from taskbelt.checks.interface import Check, Session, Spec
from taskbelt.environments.matrix import Matrix
from taskbelt.errors import Interrupted, TaskbeltError
from taskbelt.ledger import book, judge
from taskbelt.output import masking
from taskbelt.output.console import LOGGER, SESSION
from taskbelt.repository.project import Project
from taskbelt.results import CheckResult, Status
from taskbelt.running import sessions
from taskbelt.settings.model import TABLE


def longest_first(sessions: Sequence[Session]) -> list[Session]:
    """``sessions`` in the order their checks declare they start (stable within a check).

    The usual slowest first (tests, then mypy, then the scans), so that they
    do not start last.
    """
    return sorted(sessions, key=lambda session: session.check.starts)


def sessions_of(check: Check, tests: Matrix) -> list[Session]:
    """The sessions ``check`` is on this matrix: one per present Python, or itself."""
    if check.per_python:
        return [check.session(i.version) for i in tests.present]
    return [check.session()]


def in_summary_order(sessions: Iterable[Session]) -> list[Session]:
    """``sessions`` in the registry's order of their checks, each check's Pythons
    as versions (``test-3.9`` before ``test-3.10``); a check added by
    :func:`~taskbelt.checks.registry.register` after the built-in ones.
    """
    every = registry.checks()

    def place(session: Session) -> tuple[int, Version, str]:
        at = every.index(session.check) if session.check in every else len(every)
        return at, Version(session.python or "0"), session.name

    return sorted(sessions, key=place)


@dataclass(frozen=True)
class Plan:
    """Sessions to run now, sessions to run after them, and rows known already."""

    first: tuple[Session, ...]
    then: tuple[Session, ...]
    skipped: tuple[CheckResult, ...]
    #: It may answer later runs (the saved plan): no row of it was decided by the
    #: repository's code (a check's :attr:`~Check.skip_when`, which the saved
    #: plan's fingerprint does not cover).
    keep: bool = True
    #: Every row's name, its sessions' and its skipped rows', in summary order.
    order: tuple[str, ...] = ()

    def places(self) -> dict[str, int]:
        """Each row's place in the summary."""
        return {name: at for at, name in enumerate(self.order)}

    def in_order(self, results: Iterable[CheckResult]) -> tuple[CheckResult, ...]:
        """``results`` (this plan's rows) in summary order."""
        place = self.places()
        return tuple(sorted(results, key=lambda r: place.get(r.name, len(place))))


def plan(
    names: Iterable[str], tests: Matrix, skip: Sequence[str] = (), project: Project | None = None
) -> Plan:
    """Expand the names a user typed into sessions, once.

    ``check`` is every check that is part of it. A per-Python check (``test``)
    is one session per Python of the matrix, then the checks that follow it
    (``coverage``); its :attr:`~Check.alone` name (``pytest``) is those
    sessions alone (CI runs one per job and combines the data in a later job
    with ``coverage``); ``test-3.X`` is that Python's session alone. A check
    that waits for others runs in the second wave. A check that ``skip``
    (the setting) switches off, or that waits for one that it switches off,
    or that does not apply to ``project`` (typecheck where the repository
    switched its checker off, or asked for none and has no type hints), is
    one ``skipped`` row saying so.

    Raises:
        ConfigError: a name no check has, or a Python outside the matrix
            (``test-3.99``); the fix names what there is.
    """
    first: list[Session] = []
    then: list[Session] = []
    skipped: dict[str, tuple[Session, CheckResult]] = {}  # ``check`` and ``coverage``: one row
    decided_here: list[str] = []

    def skipped_because(check: Check) -> str | None:
        why = registry.skipped_because(check, skip)
        if why is None and project is not None and check.skip_when is not None:
            try:
                why = check.skip_when(project)
            except TaskbeltError:  # not decided: the check's own run reports it as its row
                return None
            if why is not None:
                decided_here.append(check.name)
        return why

    def skip_row(session: Session, why: str) -> None:
        skipped[session.name] = (session, CheckResult(session.name, Status.SKIPPED, summary=why))

    for name in registry.expand(list(names)):
        asked = registry.resolve(name)
        if asked is None:
            raise registry.unknown(name)
        check = asked.check
        why = skipped_because(check)
        if why is not None:
            skip_row(check.session(asked.version), why)
            continue
        if asked.version is not None:
            session = check.session(asked.version)
            missing = _missing(session, tests)
            if missing is None:
                first.append(session)
            else:
                skip_row(session, missing)
            continue
        (then if check.after else first).extend(sessions_of(check, tests))
        if check.per_python:
            for interpreter in tests.skipped:
                skip_row(check.session(interpreter.version), tests.why_skipped(interpreter))
        if not asked.alone:
            for follower in registry.followers(check):
                why = skipped_because(follower)
                if why is None:
                    then.append(follower.session())
                else:
                    skip_row(follower.session(), why)
    rows = [*first, *then, *(session for session, _ in skipped.values())]
    return Plan(
        tuple(dict.fromkeys(first)),
        tuple(dict.fromkeys(then)),
        tuple(row for _, row in skipped.values()),
        keep=not decided_here,
        order=tuple(dict.fromkeys(s.name for s in in_summary_order(rows))),
    )


def _missing(session: Session, tests: Matrix) -> str | None:
    """Why ``test-3.X`` is a skipped row (3.X is wanted, not installed), or None: it runs.

    ``doctor`` gives the same reason. A version outside the matrix is a usage
    error naming the sessions there are.
    """
    for interpreter in tests.skipped:
        if interpreter.version == session.python:
            return tests.why_skipped(interpreter)
    sessions.interpreter_for(tests, session)  # raises for a version outside the matrix
    return None


@dataclass
class Runner:
    """Runs one project's sessions, in parallel threads, through the verdict cache."""

    project: Project
    tests: Matrix
    jobs: int = 0
    cache: VerdictCache | None = None
    #: Only create the environments (``taskbelt prepare``); nothing is cached.
    prepare_only: bool = False
    #: The run's environment, which the tools and tests get (None: this process's).
    environ: Mapping[str, str] | None = None

    def __post_init__(self) -> None:
        #: What checks of the second wave started while the first ran, by session.
        self.ahead: dict[Session, Ahead] = {}
        #: Each session's cache key and spec by its name, the name the saved
        #: plan and a spec's ``tests`` write down.
        self.keys: dict[str, str | None] = {}
        #: The Pythons whose per-Python sessions this run holds (a check that
        #: waits for them, coverage, combines only theirs).
        self.tested: list[str] | None = None
        self.specs: dict[str, Spec | None] = {}
        self.futures: dict[Session, Future[CheckResult]] = {}
        #: The signal that stopped :meth:`execute`, if one did.
        self.stopped_by: int | None = None
        if self.jobs <= 0:
            self.jobs = self.project.settings.jobs or os.cpu_count() or 2

    def spec(self, session: Session) -> Spec | None:
        """What besides files decides ``session``'s verdict; None: never cache it.

        The check's own :attr:`~Check.key`, and the keys of the sessions it
        waits for (coverage combines the data of the tests).
        """
        check = session.check
        spec = check.key(self.project, self.tests, session)
        if spec is not None and check.name in book.JUDGED and self.project.ledger.present:
            # a ledger entry past its `until` turns a known finding new again, and the
            # ratchet judges what the change added to the ledger since its merge base
            environ = os.environ if self.environ is None else self.environ
            spec = {
                **spec,
                "ledger": book.digest(self.project.root),
                "ledger_expired": judge.expired_untils(self.project.ledger),
                "ledger_base": self.project.ledger_base(environ).key,
            }
        if spec is not None and check.name == coverage.NAME and coverage_diff.wanted(self.project):
            # the changed lines are the change since the merge base with the base branch
            environ = os.environ if self.environ is None else self.environ
            spec = {**spec, "diff_base": self.project.ledger_base(environ).key}
        if spec is not None and session.python is not None and self.tested is not None:
            # the tests see the run's Pythons (TASKBELT_TEST_MATRIX): part of their verdict
            spec = {**spec, "matrix": sorted(self.tested)}
        if spec is None or not check.after:
            return spec
        waits = [s.name for s in self._awaited([session])]
        return {**spec, "tests": sorted(waits)}

    def key(self, session: Session) -> str | None:
        """The cache key of ``session`` (None when it is not cacheable or caching is off)."""
        if self.cache is None:
            return None
        name, check = session.name, session.check
        self.specs[name] = self.spec(session)
        inputs = spec_inputs(self.specs[name], self.keys)
        self.keys[name] = (
            None
            if inputs is None
            else self.cache.key(name, inputs, files=check.files, environ=check.environ)
        )
        return self.keys[name]

    def run_cached(self, session: Session) -> CheckResult:
        """A stored verdict when the inputs are unchanged, else a real run (then stored)."""
        key = self.keys.get(session.name)
        if self.cache is None or key is None:
            return self.run_session(session)
        hit = self.cache.get(session.name, key)
        if hit is not None:
            return hit
        result = self.run_session(session)
        if children.stopped_by() is None:  # a run cut short is no verdict to keep
            leaves = session.check.leaves(self.project, session)
            self.cache.put(session.name, key, result, leaves)
        return result

    def run_session(self, session: Session) -> CheckResult:
        """Run one session to completion in this process (its tools are children).

        Every process of the session shares the session's timeout (the
        setting ``timeout``); one still running then ends the session as an
        ``error`` that names the timeout and shows the output's end.
        """
        started = time.perf_counter()
        SESSION.set(session.name)
        seconds, key = self.project.settings.timeout.of(session.check.name)
        limit = proc.deadline(
            seconds,
            f"{session} did not finish within {seconds:g} s ({key} of {TABLE})",
            f"see where it stood in the output above; if it needs longer, raise {key} (seconds)",
        )
        with limit:
            if self.prepare_only:
                result = sessions.prepare(session, self.project, self.tests, self.environ)
            else:
                result = sessions.run(
                    session,
                    self.project,
                    self.tests,
                    reuse=self.cache is not None,
                    ahead=self.ahead.get(session),
                    tested=self.tested,
                    environ=self.environ,
                )
        # Masked before the verdict cache or anything else sees it.
        return masking.current().result(
            CheckResult(
                result.name,
                result.status,
                time.perf_counter() - started,
                result.summary,
                result.output,
                result.details,
            )
        )

    def _submit(self, pool: ThreadPoolExecutor, wave: Sequence[Session]) -> None:
        # Each session starts as soon as its own key is known: the slowest
        # (the tests) does not wait for the keys of the others.
        for session in longest_first(wave):
            self.key(session)
            self.futures[session] = pool.submit(self.run_cached, session)

    def _wait(self, wave: Sequence[Session]) -> list[CheckResult]:
        return [self.futures[s].result() for s in wave]

    def _start_ahead(self, session: Session) -> None:
        """Start what ``session`` starts ahead (coverage's report processes).

        Only when the session will really run (its verdict is not cached),
        and once every first-wave session it does not wait for is done, so
        that its imports do not compete with the other tools for the cores.
        A problem here is left for the session itself to meet and report.
        """
        key = self.key(session)
        if (
            self.cache is not None
            and key is not None
            and self.cache.get(session.name, key) is not None
        ):
            return
        token = SESSION.set(session.name)
        try:
            ahead = sessions.start_ahead(session, self.project, self.tests, self.environ)
            if ahead is not None:
                self.ahead[session] = ahead
        except (TaskbeltError, OSError) as exc:
            LOGGER.info("%s not started ahead: %s", session, exc)
        finally:
            SESSION.reset(token)

    def _starting_ahead(self, work: Plan) -> list[Session]:
        """The second-wave sessions whose check starts work ahead."""
        if self.prepare_only:
            return []
        return [session for session in work.then if session.check.start_ahead is not None]

    def _awaited(self, waiting: Sequence[Session]) -> list[Session]:
        """The sessions that ``waiting`` wait for, on this matrix."""
        waited: list[Session] = []
        for session in waiting:
            for name in session.check.after:
                check = registry.get(name)
                waited += [] if check is None else sessions_of(check, self.tests)
        return list(dict.fromkeys(waited))

    def execute(self, work: Plan) -> list[CheckResult]:
        """Run a plan: the first wave in parallel, then what waits for it.

        On SIGINT or SIGTERM (raised in this, the main, thread) every child
        process is stopped, the worker threads finish, and each session that
        had not finished is an ``interrupted`` row; :attr:`stopped_by` names
        the signal. The sessions that had finished keep their verdicts.
        """
        self.futures = {}
        try:
            self._execute(work)
        except KeyboardInterrupt as exc:
            self.stopped_by = getattr(exc, "signum", signal.SIGINT)
            children.resume()
        finally:
            for ahead in self.ahead.values():
                ahead.cancel()
            self.ahead = {}
        return [*work.skipped, *(self._outcome(s) for s in (*work.first, *work.then))]

    def _execute(self, work: Plan) -> None:
        tested = [s.python for s in work.first if s.python is not None]
        self.tested = tested or None
        if work.first:
            ahead = self._starting_ahead(work)
            with _pool(min(self.jobs, len(work.first))) as pool:
                self._submit(pool, work.first)
                if ahead:
                    awaited = self._awaited(ahead)
                    self._wait([s for s in work.first if s not in awaited])
                    for session in ahead:
                        self._start_ahead(session)
                first = self._wait(work.first)
            # A per-Python session that errored (its environment could not
            # be made) ran nothing: data of an earlier run must not answer.
            if self.tested is not None:
                self.tested = [
                    session.python
                    for session, r in zip(work.first, first, strict=True)
                    if session.python is not None and r.status is not Status.ERROR
                ]
        if work.then:
            with _pool(min(self.jobs, len(work.then))) as pool:
                self._submit(pool, work.then)
                self._wait(work.then)

    def _outcome(self, session: Session) -> CheckResult:
        """``session``'s result; after a stop, ``interrupted`` when it had none."""
        future = self.futures.get(session)
        if self.stopped_by is None and future is not None:
            return future.result()
        stopped: BaseException | None = None
        if future is not None and future.done() and not future.cancelled():
            stopped = future.exception()
            if stopped is None:
                return future.result()
        name = signal.Signals(self.stopped_by or signal.SIGINT).name
        # What the stopped process printed: pytest says where each test stood.
        shown = tail(stopped.output) if isinstance(stopped, Interrupted) else ""
        summary = f"stopped by {name} before it finished"
        return CheckResult(session.name, Status.INTERRUPTED, summary=summary, output=shown)


@contextlib.contextmanager
def _pool(workers: int) -> Iterator[ThreadPoolExecutor]:
    """A thread pool whose children are stopped when the main thread is interrupted.

    Without that, leaving the pool would wait for worker threads that wait
    for processes nobody stops (they are in process groups of their own).
    """
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        yield pool
    except KeyboardInterrupt as exc:
        children.stop_all(getattr(exc, "signum", signal.SIGINT))
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
