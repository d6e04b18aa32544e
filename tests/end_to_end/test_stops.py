"""A hung test suite is bounded and reported; SIGINT and SIGTERM stop a run and report it.

Real taskbelt, real pytest: the suite under test starts a `spawn` child that
sleeps (the shape of the 30-minute hang seen on a public repository: the
grandchild keeps the output pipes open) and writes the pids of both to a
file, so each test can assert that nothing was left running.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import CLEAN_PYPROJECT, CLEAN_SRC, MakeRepo, gone

from taskbelt import defaults
from taskbelt.repository.project import Project

pytestmark = pytest.mark.slow

HANGING_TEST = """
    import multiprocessing
    import os
    import time

    from demo import add


    def _sleep() -> None:
        time.sleep(600)


    def test_add() -> None:
        assert add(1, 2) == 3


    def test_hangs() -> None:
        child = multiprocessing.get_context("spawn").Process(target=_sleep)
        child.start()
        with open(os.environ["HANG_PIDS"], "w") as pids:
            pids.write(f"{os.getpid()} {child.pid}\\n")
        child.join()
    """


def hanging_repo(make_repo: MakeRepo, tmp_path: Path, extra: str = "") -> tuple[Project, Path]:
    project = make_repo(
        {**CLEAN_SRC, "tests/test_hangs.py": HANGING_TEST}, pyproject=CLEAN_PYPROJECT + extra
    )
    return project, tmp_path / "pids"


def start(project: Project, pids: Path, *args: str) -> subprocess.Popen[str]:
    """taskbelt ARGS in a process group of its own, as a shell starts a foreground job."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TASKBELT_")}
    environ.pop("CI", None)
    environ["HANG_PIDS"] = str(pids)
    return subprocess.Popen(
        [sys.executable, "-m", "taskbelt", *args],
        cwd=project.root,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 300) -> None:
    """Poll ``condition`` (bounded; the run under test is a child that may fail early)."""
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.2)


def test_a_hung_suite_is_an_error_naming_the_timeout_and_the_rest_still_run(
    make_repo: MakeRepo, tmp_path: Path
) -> None:
    """`timeout.test` ends the hung suite (and its spawn child) as an error; lint still passes."""
    project, pids = hanging_repo(make_repo, tmp_path, "timeout = { test = 20 }\n")
    report = tmp_path / "report.json"
    # The environments first, so that the 20 s go to the suite, however loaded the machine.
    ready = start(project, pids, "prepare", "lint", "test")
    prepared, _ = ready.communicate(timeout=600)
    assert ready.returncode == 0, prepared
    run = start(project, pids, "run", "lint", "test-3.12", "--jobs", "1", "--report", str(report))
    out, _ = run.communicate(timeout=600)
    assert run.returncode == 2, out
    rows = {c["name"]: c for c in json.loads(report.read_text())["checks"]}
    assert rows["lint"]["status"] == "passed", out
    assert rows["test-3.12"]["status"] == "error", out
    assert "test-3.12 did not finish within 20 s (timeout.test" in rows["test-3.12"]["summary"]
    # The end of what pytest printed when it was stopped: where it stood.
    assert "KeyboardInterrupt" in out, out
    assert "raise timeout.test" in out, out
    assert all(gone(int(pid)) for pid in pids.read_text().split()), "left running"


@pytest.mark.parametrize(
    ("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"]
)
def test_a_signal_stops_the_children_and_reports_what_finished(
    make_repo: MakeRepo, tmp_path: Path, signum: int, code: int
) -> None:
    """Stopped mid-run: the table and the JSON report hold lint's and format's verdicts.

    The hung suite is `interrupted`, its processes are gone, and the exit
    status is the shell's for the signal.
    """
    project, pids = hanging_repo(make_repo, tmp_path)
    report = tmp_path / "report.json"
    run = start(
        project, pids, "run", "lint", "format", "test-3.12", "--jobs", "3", "--report", str(report)
    )
    verdicts = project.root / defaults.STATE_DIR_NAME / "verdicts"
    try:
        wait_for(
            lambda: pids.exists()
            and (verdicts / "lint.json").exists()
            and (verdicts / "format.json").exists(),
            "lint and format to pass and the suite to hang",
        )
        if signum == signal.SIGINT:
            os.killpg(run.pid, signum)  # Ctrl-C reaches the terminal's whole foreground group
        else:
            run.send_signal(signum)  # `kill`, or a CI runner cancelling the job
        out, _ = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == code, out
    assert f"stopped by {signal.Signals(signum).name}: 1 check did not finish" in out, out
    assert "taskbelt: interrupted" in out, out
    data = json.loads(report.read_text())
    assert data["status"] == "interrupted"
    rows = {c["name"]: c["status"] for c in data["checks"]}
    assert rows == {"lint": "passed", "format": "passed", "test-3.12": "interrupted"}, out
    assert re.search(r"^test-3\.12\s+interrupted\s", out, re.M), out
    assert "KeyboardInterrupt" in out, out  # pytest's own word on where it stood
    assert all(gone(int(pid)) for pid in pids.read_text().split()), "left running"
