"""The one door to subprocesses: output, status, timeouts, the process group, started-ahead jobs."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import pytest
from conftest import gone

from taskbelt import children, proc
from taskbelt.errors import Interrupted, ToolError


class TestProc:
    def test_captures_output_and_status(self) -> None:
        """stdout, stderr and the exit status come back when the caller reads every status."""
        done = proc.run(
            [
                sys.executable,
                "-c",
                "import sys; print('out'); sys.stderr.write('err'); sys.exit(3)",
            ],
            ok=None,
        )
        assert (done.returncode, done.stdout.strip(), done.stderr) == (3, "out", "err")
        assert done.output == "out\nerr"

    def test_status_outside_ok_raises_with_cause_fix_and_record(self) -> None:
        """A status that is not an answer is a ToolError carrying argv, status and output."""
        script = "import sys; print('partial'); sys.stderr.write('boom'); sys.exit(3)"
        with pytest.raises(ToolError) as caught:
            proc.run([sys.executable, "-c", script], error=("the thing broke", "do the fix"))
        err = caught.value
        assert (err.cause, err.fix, err.returncode) == ("the thing broke", "do the fix", 3)
        assert err.argv == (sys.executable, "-c", script)
        assert err.output == "partial\nboom"
        assert proc.run([sys.executable, "-c", "raise SystemExit(1)"], ok=(0, 1)).returncode == 1

    def test_status_outside_ok_without_words_names_the_tool(self) -> None:
        """With no (cause, fix) given, the error names the program and its status."""
        with pytest.raises(ToolError) as caught:
            proc.run([sys.executable, "-c", "raise SystemExit(5)"])
        assert caught.value.cause == f"{Path(sys.executable).name} failed (exit 5)"
        assert caught.value.fix

    def test_missing_executable(self) -> None:
        """A tool that is not installed is a ToolError saying so."""
        with pytest.raises(ToolError, match="not installed or not on PATH"):
            proc.run(["no-such-tool-xyz"])

    def test_timeout(self) -> None:
        """A hanging tool is killed and reported."""
        with pytest.raises(ToolError, match=r"did not finish within 0\.5 s"):
            proc.run([sys.executable, "-c", "import time; time.sleep(10)"], timeout=0.5)

    def test_timeout_ends_the_whole_group_and_keeps_the_output(self, tmp_path: Path) -> None:
        """A grandchild holding the pipes does not make a timeout wait forever.

        The child prints, starts a grandchild that sleeps, and sleeps: the
        timeout ends both and the error carries what the child printed.
        """
        pid_file = tmp_path / "pid"
        script = (
            "import subprocess, sys, time\n"
            "print('started', flush=True)\n"
            "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
            f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
            "time.sleep(600)\n"
        )
        with pytest.raises(ToolError) as caught:
            proc.run([sys.executable, "-c", script], timeout=3)
        assert "started" in caught.value.output
        assert gone(int(pid_file.read_text())), "the grandchild was left running"

    def test_deadline_bounds_every_process_of_a_check(self) -> None:
        """Inside ``deadline``, a process ends at the check's limit with the check's words."""
        sleep = [sys.executable, "-c", "import time; time.sleep(30)"]
        with proc.deadline(1, "lint did not finish within 1 s", "raise timeout.lint"):
            with pytest.raises(ToolError) as caught:
                proc.run(sleep, timeout=100)
            assert (caught.value.cause, caught.value.fix) == (
                "lint did not finish within 1 s",
                "raise timeout.lint",
            )
            with pytest.raises(ToolError, match="lint did not finish"):  # the time is spent
                proc.run([sys.executable, "-c", "pass"])
        assert proc.run([sys.executable, "-c", "pass"]).returncode == 0  # outside: no limit

    def test_no_process_starts_while_taskbelt_stops(self) -> None:
        """After ``stop_all`` a new process is refused (Interrupted) until ``resume``."""
        children.stop_all(signal.SIGTERM)
        try:
            with pytest.raises(Interrupted) as caught:
                proc.run([sys.executable, "-c", "pass"])
            assert caught.value.exit_code == 143
        finally:
            children.resume()
        assert proc.run([sys.executable, "-c", "pass"]).returncode == 0

    def test_stdin_is_empty_unless_given(self) -> None:
        """A tool or test that reads its input gets end-of-file, not a wait for a terminal."""
        done = proc.run([sys.executable, "-c", "import sys; print(len(sys.stdin.read()))"])
        assert done.stdout.strip() == "0"

    def test_started_ahead_then_fed(self) -> None:
        """A process started before its input gets it later; its result is a normal record."""
        echo = "import sys; data = sys.stdin.read(); print(data.upper()); sys.exit(4)"
        job = proc.start([sys.executable, "-c", echo])
        done = job.finish("late input")
        assert (done.returncode, done.stdout.strip()) == (4, "LATE INPUT")

    def test_started_ahead_cancelled_or_timed_out(self) -> None:
        """Cancel ends an unfed process (EOF on stdin); a hanging one is killed and reported."""
        idle = proc.start([sys.executable, "-c", "import sys; sys.exit(len(sys.stdin.read()))"])
        idle.cancel()
        assert idle.popen.returncode == 0
        hang = proc.start([sys.executable, "-c", "import time; time.sleep(10)"])
        with pytest.raises(ToolError, match=r"did not finish within 0\.5 s"):
            hang.finish("", timeout=0.5)
        assert hang.popen.poll() is not None, "no process left behind"
