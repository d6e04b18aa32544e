"""The one boundary every door goes through: a tool's words, then cause and fix; exit 2 or 130."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from taskbelt import proc


class TestEntryBoundary:
    def test_tool_error_prints_output_then_cause_and_fix(
        self, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A failed tool's own words come first, then taskbelt's two lines; exit 2."""
        from taskbelt.frontends import exit_status as entry  # noqa: PLC0415

        monkeypatch.setenv("DEPLOY_TOKEN", "s3cr3t-value-123")

        def failing() -> int:
            script = "import sys; sys.stderr.write('resolver: no version of foo s3cr3t-value-123'); sys.exit(1)"
            proc.run([sys.executable, "-c", script], error=("uv could not resolve", "pin foo"))
            return 0

        assert entry.guard(failing) == 2
        lines = capsys.readouterr().err.strip().splitlines()
        assert lines == [
            "resolver: no version of foo ***",
            "taskbelt: error: uv could not resolve",
            "taskbelt: fix: pin foo",
        ]

    def test_interrupt_is_exit_130(self, capsys: pytest.CaptureFixture[str]) -> None:
        from taskbelt.frontends import exit_status as entry  # noqa: PLC0415

        def interrupted() -> int:
            raise KeyboardInterrupt

        assert entry.guard(interrupted) == 130
        assert capsys.readouterr().err.strip() == "taskbelt: interrupted"

    def test_container_module_entry_uses_the_same_boundary(self, tmp_path: Path) -> None:
        """`python -m taskbelt.container` is the container command behind the one boundary."""
        import subprocess  # noqa: PLC0415

        (tmp_path / "pyproject.toml").write_text(
            "[project]\nname = 'x'\n[tool.taskbelt.container]\nbase = 'python:3'\n"
        )
        done = subprocess.run(
            [sys.executable, "-m", "taskbelt.container", "--root", str(tmp_path)],
            capture_output=True,
            text=True,
            check=False,
        )
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2, done.stderr
        assert lines[0].startswith("taskbelt: error: [tool.taskbelt.container] base:")
        assert lines[1].startswith("taskbelt: fix: pin it")
