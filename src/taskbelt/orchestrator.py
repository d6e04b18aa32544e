"""Plan which sessions a command needs, run them in parallel, collect the results.

Sessions (see :mod:`taskbelt.sessions`) run in threads of this process, up
to ``jobs`` at a time, the slowest kinds first so that the longest one does
not start last; ``coverage`` runs once every ``test-3.X`` has finished. A
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
from pathlib import Path

from taskbelt import children, defaults, masking, proc, sessions
from taskbelt.cache import Spec, VerdictCache, spec_inputs
from taskbelt.checks import coverage
from taskbelt.checks.base import tail
from taskbelt.config import TABLE
from taskbelt.errors import Interrupted, TaskbeltError
from taskbelt.matrix import Matrix
from taskbelt.output import LOGGER, SESSION
from taskbelt.project import Project
from taskbelt.results import CheckResult, Status

#: The checks a user can name, and what ``check`` runs (every one but fix).
SINGLE = ("lint", "format", "typecheck", "test", "pytest", "coverage", "audit", "fix")
CHECK_ALL = ("lint", "format", "typecheck", "test", "audit")


#: Which sessions start first when not every one can start at once: the usual
#: slowest first (tests, then mypy, then the scans), so they do not start last.
START_ORDER = ("test-", "typecheck", "audit", "coverage", "format", "fix", "lint")


def longest_first(names: Sequence[str]) -> list[str]:
    """``names`` in :data:`START_ORDER` (stable within a kind)."""

    def rank(name: str) -> int:
        return next((i for i, kind in enumerate(START_ORDER) if name.startswith(kind)), 0)

    return sorted(names, key=rank)


@dataclass(frozen=True)
class Plan:
    """Sessions to run now, sessions to run after them, and rows known already."""

    first: tuple[str, ...]
    then: tuple[str, ...]
    skipped: tuple[CheckResult, ...]


def plan(names: Iterable[str], tests: Matrix) -> Plan:
    """Expand check names into session names.

    ``test`` is one session per Python of the matrix and then ``coverage``;
    ``pytest`` is the per-Python sessions alone (CI runs one per job and
    combines the data in a later job with ``coverage``); ``test-3.X`` is that
    Python's session alone.
    """
    first: list[str] = []
    then: list[str] = []
    skipped: list[CheckResult] = []
    for name in names:
        if name in {"test", "pytest"}:
            first += [f"test-{i.version}" for i in tests.present]
            skipped += [
                CheckResult(
                    f"test-{i.version}",
                    Status.SKIPPED,
                    summary=f"Python {i.version} is not installed; install: {i.install_hint}",
                )
                for i in tests.missing
            ]
            if name == "test":
                then.append("coverage")
        elif name == "coverage":
            then.append("coverage")
        elif name.startswith(sessions.TEST_PREFIX):
            skipped += _one_python(name, tests, first)
        else:
            first.append(name)
    return Plan(tuple(dict.fromkeys(first)), tuple(dict.fromkeys(then)), tuple(skipped))


def _one_python(session: str, tests: Matrix, first: list[str]) -> list[CheckResult]:
    """Plan ``test-3.X``: run it when 3.X is present, a skipped row when it is missing.

    A version outside the matrix is a usage error naming the ones there are.
    """
    version = session.removeprefix(sessions.TEST_PREFIX)
    missing = [i for i in tests.missing if i.version == version]
    if missing:
        hint = missing[0].install_hint
        summary = f"Python {version} is not installed; install: {hint}"
        return [CheckResult(session, Status.SKIPPED, summary=summary)]
    sessions.interpreter_for(tests, version)  # raises for a version outside the matrix
    first.append(session)
    return []


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
        #: coverage's report processes, started while the tests run.
        self.ahead: coverage.Jobs | None = None
        self.keys: dict[str, str | None] = {}
        #: The Pythons whose tests this run holds (coverage combines only theirs).
        self.tested: list[str] | None = None
        self.specs: dict[str, Spec | None] = {}
        self.futures: dict[str, Future[CheckResult]] = {}
        #: The signal that stopped :meth:`execute`, if one did.
        self.stopped_by: int | None = None
        if self.jobs <= 0:
            self.jobs = self.project.settings.jobs or os.cpu_count() or 2

    def spec(self, session: str) -> Spec | None:
        """What besides files decides ``session``'s verdict; None: never cache it."""
        by_version = {f"test-{i.version}": i.path for i in self.tests.present}
        if session in by_version:
            return {"interpreter": str(by_version[session])}
        if session == "typecheck":
            return {"newest": str(self.tests.newest[1])} if self.tests.present else {}
        if session == "coverage":
            return {"tests": sorted(by_version)}
        if session == "audit":
            db = self.project.settings.audit.advisory_db
            # An online service knows more tomorrow than today: never cached.
            return None if db is None else {"advisory_db": str(self.project.root / db)}
        return None if session == "fix" else {}

    def key(self, session: str) -> str | None:
        """The cache key of ``session`` (None when it is not cacheable or caching is off)."""
        if self.cache is None:
            return None
        self.specs[session] = self.spec(session)
        inputs = spec_inputs(self.specs[session], self.keys)
        self.keys[session] = None if inputs is None else self.cache.key(session, inputs)
        return self.keys[session]

    def _artifacts(self, session: str) -> list[Path]:
        if session.startswith("test-"):
            version = session.removeprefix("test-")
            folder = self.project.state_dir / defaults.COVERAGE_SUBDIR
            return [folder / f".coverage.{version}", folder / f"tree-{version}.txt"]
        return []

    def run_cached(self, session: str) -> CheckResult:
        """A stored verdict when the inputs are unchanged, else a real run (then stored)."""
        key = self.keys.get(session)
        if self.cache is None or key is None:
            return self.run_session(session)
        hit = self.cache.get(session, key)
        if hit is not None:
            return hit
        result = self.run_session(session)
        if children.stopped_by() is None:  # a run cut short is no verdict to keep
            self.cache.put(session, key, result, self._artifacts(session))
        return result

    def run_session(self, session: str) -> CheckResult:
        """Run one session to completion in this process (its tools are children).

        Every process of the session shares the session's timeout (the
        setting ``timeout``); one still running then ends the session as an
        ``error`` that names the timeout and shows the output's end.
        """
        started = time.perf_counter()
        SESSION.set(session)
        seconds, key = self.project.settings.timeout.of(session)
        limit = proc.deadline(
            seconds,
            f"{session} did not finish within {seconds:g} s ({key} of {TABLE})",
            f"see where it stood in the output above; if it needs longer, raise {key} (seconds)",
        )
        with limit:
            if self.prepare_only:
                result = sessions.prepare(session, self.project, self.tests, self.environ)
            else:
                ahead = self.ahead if session == coverage.NAME else None
                result = sessions.run(
                    session,
                    self.project,
                    self.tests,
                    reuse=self.cache is not None,
                    ahead=ahead,
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

    def _submit(self, pool: ThreadPoolExecutor, names: Sequence[str]) -> None:
        # Each session starts as soon as its own key is known: the slowest
        # (the tests) does not wait for the keys of the others.
        for session in longest_first(names):
            self.key(session)
            self.futures[session] = pool.submit(self.run_cached, session)

    def _wait(self, names: Sequence[str]) -> list[CheckResult]:
        return [self.futures[s].result() for s in names]

    def _start_coverage_ahead(self) -> None:
        """Start coverage's report processes while the tests still run.

        Only when coverage will really run (its verdict is not cached), and
        once every first-wave session but the tests is done, so their import
        of coverage does not compete with the other tools for the cores. A
        problem here is left for the coverage session to meet and report.
        """
        key = self.key(coverage.NAME)
        if (
            self.cache is not None
            and key is not None
            and self.cache.get(coverage.NAME, key) is not None
        ):
            return
        token = SESSION.set(coverage.NAME)
        try:
            self.ahead = sessions.start_coverage(self.project, self.tests, self.environ)
        except (TaskbeltError, OSError) as exc:
            LOGGER.info("coverage not started ahead: %s", exc)
        finally:
            SESSION.reset(token)

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
            if self.ahead is not None:
                self.ahead.cancel()
                self.ahead = None
        return [*work.skipped, *(self._outcome(s) for s in (*work.first, *work.then))]

    def _execute(self, work: Plan) -> None:
        tests = [
            s.removeprefix(sessions.TEST_PREFIX)
            for s in work.first
            if s.startswith(sessions.TEST_PREFIX)
        ]
        self.tested = tests or None
        if work.first:
            with _pool(min(self.jobs, len(work.first))) as pool:
                self._submit(pool, work.first)
                self._wait([s for s in work.first if not s.startswith(sessions.TEST_PREFIX)])
                if coverage.NAME in work.then and not self.prepare_only:
                    self._start_coverage_ahead()
                first = self._wait(work.first)
            # A test session that errored (its environment could not be
            # made) ran nothing: data of an earlier run must not answer.
            if self.tested is not None:
                self.tested = [
                    r.name.removeprefix(sessions.TEST_PREFIX)
                    for r in first
                    if r.name.startswith(sessions.TEST_PREFIX) and r.status is not Status.ERROR
                ]
        if work.then:
            with _pool(min(self.jobs, len(work.then))) as pool:
                self._submit(pool, work.then)
                self._wait(work.then)

    def _outcome(self, session: str) -> CheckResult:
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
        return CheckResult(session, Status.INTERRUPTED, summary=summary, output=shown)


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
