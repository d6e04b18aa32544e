"""The fast answer for an unchanged repository says exactly what the full path says."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import MakeRepo, taskbelt

from taskbelt.frontends import cli, entry_point, options


class TestParse:
    @pytest.mark.parametrize(
        ("argv", "names"),
        [
            (["check"], ["check"]),  # planned under that name by both paths
            (["-v", "run", "lint", "lint", "test"], ["lint", "test"]),
            (["run", "lint", "--report", "r.json"], ["lint"]),
        ],
    )
    def test_simple_commands(self, argv: list[str], names: list[str]) -> None:
        """check and run NAME... are answered from the cache when possible."""
        parsed = entry_point._parse(argv)
        assert parsed is not None
        assert parsed[0] == names

    @pytest.mark.parametrize(
        "argv", [["run"], ["doctor"], ["check", "--no-cache"], ["run", "lint", "--bogus"], []]
    )
    def test_anything_else_goes_the_full_way(self, argv: list[str]) -> None:
        """Other commands, unknown options and --no-cache take the full path."""
        assert entry_point._parse(argv) is None

    @pytest.mark.parametrize(
        "argv",
        [
            ["check", "-v", "--jobs", "2"],
            ["-v", "--root", "r", "check", "--report=x.json"],
            ["check", "--jobs=3", "--root=r"],
            ["run", "lint", "test-3.12", "lint", "--report", "x.json"],
        ],
    )
    def test_reads_what_argparse_reads(self, argv: list[str]) -> None:
        """Where the fast path answers, it read the same checks, root and report as argparse."""
        parsed = entry_point._parse(argv)
        assert parsed is not None
        args = cli.build_parser().parse_args(argv)
        wanted = ["check"] if args.command == "check" else list(dict.fromkeys(args.checks))
        root, report = getattr(args, "root", None), getattr(args, "report", None)
        assert parsed == (wanted, root, report, getattr(args, "verbose", False) is True)

    @pytest.mark.parametrize(
        "argv",
        [
            ["--jobs", "2", "check"],  # argparse takes --jobs only after the command
            ["check", "--jobs", "two"],
            ["check", "--jobs"],
            ["check", "--no-cache"],
            ["check", "--no-cache=1"],
            ["check", "--verbose=1"],
            ["check", "--ro", "x"],  # an abbreviation: argparse's business
        ],
    )
    def test_declines_what_it_cannot_read_as_argparse(self, argv: list[str]) -> None:
        assert entry_point._parse(argv) is None

    def test_one_option_table(self) -> None:
        """Every option argparse gives check and run is one the fast path reads from the table."""
        parser = cli.build_parser()
        (sub,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        table = {flag for o in (*options.COMMON, *options.RUNNING) for flag in o.flags}
        for name in ("check", "run"):
            found = {f for a in sub.choices[name]._actions for f in a.option_strings}
            assert found - {"-h", "--help"} == table, name

    def test_no_plan_no_answer(self, tmp_path: Path) -> None:
        """Without a saved plan there is nothing to answer from."""
        (tmp_path / "pyproject.toml").write_text("")
        assert entry_point.answer(["--root", str(tmp_path), "check"], {}) is None


def rows(path: Path) -> list[tuple[str, str, bool, str]]:
    """(name, status, cached, summary) of each check in a JSON report."""
    checks = json.loads(path.read_text())["checks"]
    return [(c["name"], c["status"], c["cached"], c["summary"]) for c in checks]


def full_path(root: Path, report: Path) -> subprocess.CompletedProcess[str]:
    """The CLI without the fast answer (taskbelt.frontends.cli.main directly)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKBELT_")}
    env.pop("CI", None)
    env["TASKBELT_REPORT"] = str(report)
    code = "import sys; from taskbelt.frontends.cli import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, "run", "lint", "format"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
def lint_and_format_importtime(root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``taskbelt run lint format`` with ``-X importtime`` (which modules it loads go to stderr)."""
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "taskbelt", "run", "lint", "format"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
def test_fast_answer_matches_full_path(make_repo: MakeRepo, tmp_path: Path) -> None:
    """Same rows, same verdicts; the settings machinery is not even imported; a config edit re-plans."""
    project = make_repo()
    first = tmp_path / "first.json"
    assert (
        taskbelt(
            project.root, "run", "lint", "format", env={"TASKBELT_REPORT": str(first)}
        ).returncode
        == 0
    )
    full_report = tmp_path / "full.json"
    assert full_path(project.root, full_report).returncode == 0
    fast_report = tmp_path / "fast.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKBELT_")}
    env.pop("CI", None)
    env["TASKBELT_REPORT"] = str(fast_report)
    done = lint_and_format_importtime(project.root, env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "pydantic_settings" not in done.stderr, "answered without loading the settings"
    assert rows(fast_report) == rows(full_report)
    assert all(cached for _, _, cached, _ in rows(fast_report))

    pyproject = project.root / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + "\n[tool.black]\nline-length = 100\n")
    again = lint_and_format_importtime(project.root, env)
    assert again.returncode == 0
    assert "pydantic_settings" in again.stderr, "a changed pyproject.toml takes the full path"
    assert not any(cached for _, _, cached, _ in rows(fast_report))


def test_own_bytecode_kept_under_dont_write(make_repo: MakeRepo, tmp_path: Path) -> None:
    """With PYTHONDONTWRITEBYTECODE set, the full path still keeps taskbelt's own bytecode.

    PYTHONPYCACHEPREFIX points the writes at a temporary folder, so the test
    sees them without touching the checkout under test.
    """
    project = make_repo()
    prefix = tmp_path / "prefix"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKBELT_")}
    env.update(PYTHONDONTWRITEBYTECODE="1", PYTHONPYCACHEPREFIX=str(prefix))
    done = subprocess.run(
        [sys.executable, "-m", "taskbelt", "validate-config"],
        cwd=project.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    written = {p.name.split(".")[0] for p in prefix.rglob("*.pyc") if "taskbelt" in p.parts}
    assert {"cli", "orchestrator", "model"} <= written, sorted(written)
    assert not list(project.root.rglob("*.pyc")), "nothing of the repository"
