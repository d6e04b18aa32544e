"""Run checks as Nox sessions in parallel and collect their results.

Each check is one ``nox -s NAME`` child process (nox makes and reuses its uv
environment); independent checks run side by side, up to ``jobs`` at a
time, and ``coverage`` runs once every ``test-3.X`` has finished. A child
that ends without writing its result file is an ``error`` carrying nox's
output: nothing is ever assumed to have passed.
"""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from taskbelt import defaults, interpreters, proc
from taskbelt.cache import Spec, VerdictCache, spec_inputs
from taskbelt.checks.base import tail
from taskbelt.matrix import Matrix
from taskbelt.output import LOGGER, redact
from taskbelt.project import Project
from taskbelt.results import CheckResult, Status

#: The checks a user can name, and what ``check`` runs (every one but fix).
SINGLE = ("lint", "format", "typecheck", "test", "pytest", "coverage", "audit", "fix")
CHECK_ALL = ("lint", "format", "typecheck", "test", "audit")


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
    combines the data in a later job with ``coverage``).
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
        else:
            first.append(name)
    return Plan(tuple(dict.fromkeys(first)), tuple(dict.fromkeys(then)), tuple(skipped))


@dataclass
class Runner:
    """Runs sessions of one project's noxfile as child processes."""

    project: Project
    tests: Matrix
    verbose: bool = False
    jobs: int = 0
    cache: VerdictCache | None = None

    def __post_init__(self) -> None:
        self.run_id = uuid.uuid4().hex[:12]
        self.keys: dict[str, str | None] = {}
        self.specs: dict[str, Spec | None] = {}
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
            return [self.project.state_dir / defaults.COVERAGE_SUBDIR / f".coverage.{version}"]
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
        self.cache.put(session, key, result, self._artifacts(session))
        return result

    def env(self, session: str) -> dict[str, str]:
        """The child's environment: where the project and its result file are."""
        env = dict(os.environ)
        env.pop("VIRTUAL_ENV", None)
        env[defaults.ENV_PROJECT_ROOT] = str(self.project.root)
        env[defaults.ENV_RESULT_FILE] = str(self.result_file(session))
        env[defaults.ENV_INTERPRETERS] = interpreters.encode(list(self.tests.all))
        env[defaults.ENV_VERBOSE] = "1" if self.verbose else ""
        return env

    def result_file(self, session: str) -> Path:
        """Where the child writes its result."""
        return self.project.state_dir / defaults.RESULTS_SUBDIR / f"{self.run_id}-{session}.json"

    def argv(self, session: str) -> list[str]:
        """The nox command for one session."""
        envdir = self.project.state_dir / defaults.ENVS_SUBDIR
        return [
            sys.executable, "-m", "nox",
            "--noxfile", str(defaults.NOXFILE),
            "--envdir", str(envdir),
            "--reuse-venv", "yes",
            "--sessions", session,
        ]  # fmt: skip

    def run_session(self, session: str) -> CheckResult:
        """Run one session to completion and read back its result."""
        started = time.perf_counter()
        done = proc.run(self.argv(session), cwd=self.project.root, env=self.env(session))
        seconds = time.perf_counter() - started
        if self.verbose:
            for line in done.stderr.splitlines():
                if line.startswith("taskbelt: "):
                    LOGGER.info("[%s] %s", session, redact(line.removeprefix("taskbelt: ")))
        path = self.result_file(session)
        if not path.is_file():
            return CheckResult(
                session,
                Status.ERROR,
                seconds,
                f"nox session {session!r} ended without a result (exit {done.returncode})",
                tail(redact(done.output)),
            )
        result = CheckResult.from_json(json.loads(path.read_text(encoding="utf-8")))
        path.unlink()
        return CheckResult(
            result.name,
            result.status,
            seconds,
            result.summary,
            redact(result.output),
            result.details,
        )

    def run_all(self, sessions: Sequence[str]) -> list[CheckResult]:
        """Run ``sessions`` in parallel, at most ``jobs`` at a time."""
        if not sessions:
            return []
        for session in sessions:
            self.key(session)
        with ThreadPoolExecutor(max_workers=min(self.jobs, len(sessions))) as pool:
            return list(pool.map(self.run_cached, sessions))

    def execute(self, work: Plan) -> list[CheckResult]:
        """Run a plan: the first wave in parallel, then what waits for it."""
        results = [*work.skipped, *self.run_all(work.first)]
        results += self.run_all(work.then)
        return results
