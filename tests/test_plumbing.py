"""Process running, secret masking, tool pins and environment stamps."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from taskbelt import envs, output, proc, toolpins
from taskbelt.errors import ConfigError, ToolError


class TestProc:
    def test_captures_output_and_status(self) -> None:
        """stdout, stderr and the exit status come back; non-zero is not an exception."""
        done = proc.run(
            [sys.executable, "-c", "import sys; print('out'); sys.stderr.write('err'); sys.exit(3)"]
        )
        assert (done.returncode, done.stdout.strip(), done.stderr) == (3, "out", "err")
        assert done.output == "out\nerr"

    def test_missing_executable(self) -> None:
        """A tool that is not installed is a ToolError saying so."""
        with pytest.raises(ToolError, match="not installed or not on PATH"):
            proc.run(["no-such-tool-xyz"])

    def test_timeout(self) -> None:
        """A hanging tool is killed and reported."""
        with pytest.raises(ToolError, match=r"did not finish within 0\.5 s"):
            proc.run([sys.executable, "-c", "import time; time.sleep(10)"], timeout=0.5)

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


class TestRedact:
    def test_secret_env_values_masked(self) -> None:
        """Values of secret-looking variables never survive."""
        env = {"GITHUB_TOKEN": "ghp_abcdef", "DB_PASSWORD": "hunter22", "HOME": "/root"}
        assert (
            output.redact("token ghp_abcdef pw hunter22 at /root", env)
            == "token *** pw *** at /root"
        )

    def test_url_credentials_masked(self) -> None:
        """user:password in URLs is hidden."""
        assert output.redact("https://bob:pw@osv.example/v1", {}) == "https://***@osv.example/v1"

    def test_commands_are_shell_quoted(self) -> None:
        """Logged commands can be pasted into a shell."""
        assert output.format_command(["ruff", "check", "a b"]) == "ruff check 'a b'"


class TestToolPins:
    def test_groups_parsed(self) -> None:
        """tools.in yields each group with its pins; ruff appears in lint and format."""
        groups = toolpins.read_groups()
        assert {"lint", "format", "typecheck", "test", "coverage", "audit"} <= set(groups)
        assert any(r.startswith("ruff==") for r in groups["lint"].requirements)
        assert any(r.startswith("black==") for r in groups["format"].requirements)

    def test_locks_match_pins(self) -> None:
        """Every pinned version appears, hashed, in its group's lock."""
        for group in toolpins.read_groups().values():
            lock = group.lock_file.read_text()
            for pin in group.requirements:
                name, version = pin.split("==")
                assert f"{name}=={version}" in lock, (group.name, pin)
            assert "--hash=sha256:" in lock

    def test_unpinned_line_rejected(self, tmp_path: Path) -> None:
        """A requirement without == is refused with its line number."""
        path = tmp_path / "tools.in"
        path.write_text("# group: lint\nruff>=0.5\n")
        with pytest.raises(ConfigError, match=r"tools.in:2: 'ruff>=0.5' is not pinned"):
            toolpins.read_groups(path)

    def test_pin_outside_group(self, tmp_path: Path) -> None:
        """Every pin belongs to a group."""
        path = tmp_path / "tools.in"
        path.write_text("ruff==1\n")
        with pytest.raises(ConfigError, match="outside a group"):
            toolpins.read_groups(path)

    def test_missing_lock(self) -> None:
        """A group without a lock file says how to make it."""
        with pytest.raises(ConfigError, match="lock-tools"):
            toolpins.lock_digest("no-such-group")


def test_install_is_skipped_when_stamp_matches(tmp_path: Path) -> None:
    """A venv whose stamp matches its lock is not reinstalled (no uv call at all)."""
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / ".taskbelt-tools-lint").write_text(toolpins.lock_digest("lint"))
    envs.install_tools(venv, "lint")  # would fail: venv has no python to install into
