"""Time taskbelt against the raw tools and a conventional noxfile.

Generates a mid-size sample project (150 modules with real imports between
them, 600 tests, a uv.lock with a few real dependencies), then times, as the
median of several runs:

1. cold: no environments and no tool caches (uv's package cache may be warm);
2. warm: environments exist, one source file changed;
3. no change: the same run again;

for three ways of doing the same work: ``taskbelt check`` (lint, format,
typecheck, tests with coverage, audit), the baseline (the raw tools one after
another in one prepared virtual environment), and a conventional noxfile
(one session per tool, run one after another with ``nox -r``). Prints each
figure, the ratios, and the peak memory of any child process.

Usage: ``uv run python benchmarks/run.py [--runs 3] [--keep DIR]``.
The audit uses the offline advisory database at ``../shared/advisory-db``
(or ``--advisory-db``), served on loopback, for all three.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

HOME = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HOME / "src"))

from taskbelt.checks.audit import advisories, osv_server  # noqa: E402
from taskbelt.tools import interpreters  # noqa: E402

MODULES = 150
TESTS_PER_MODULE = 4
DEPENDENCIES = ["attrs==24.2.0", "idna==3.10", "packaging==24.1", "six==1.16.0"]
PYTHON = "3.12"
GROUPS = ("lint", "format", "typecheck", "test", "audit")


def sh(argv: list[str], cwd: Path, env: dict[str, str] | None = None, check: bool = True) -> int:
    done = subprocess.run(  # noqa: S603 - the benchmark runs the commands it builds
        argv, cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if check and done.returncode not in (0,):
        raise SystemExit(
            f"{argv} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return done.returncode


def generate(root: Path) -> None:
    """Write the sample project and lock it."""
    pkg = root / "src" / "sample"
    pkg.mkdir(parents=True)
    (root / "tests").mkdir()
    (pkg / "__init__.py").write_text('"""Sample package."""\n')
    for i in range(MODULES):
        dep = f"from sample.mod{i - 1:03d} import value{i - 1:03d}\n\n" if i else ""
        prev = f"value{i - 1:03d}(x)" if i else "x"
        (pkg / f"mod{i:03d}.py").write_text(
            f'"""Module {i}."""\n\nfrom __future__ import annotations\n\n{dep}\n'
            f"def value{i:03d}(x: int) -> int:\n"
            f'    """Return a value derived from the previous module."""\n'
            f"    if x < 0:\n        return -x\n    return {prev} + {i}\n\n\n"
            f"def label{i:03d}(name: str) -> str:\n"
            f'    """Return a label."""\n    return f"{{name}}-{i}"\n'
        )
        tests = "".join(
            f"\n\ndef test_{i:03d}_{t}() -> None:\n"
            f'    assert value{i:03d}({t}) >= 0\n    assert label{i:03d}("a").startswith("a")\n'
            for t in range(TESTS_PER_MODULE)
        )
        (root / "tests" / f"test_mod{i:03d}.py").write_text(
            f"from sample.mod{i:03d} import label{i:03d}, value{i:03d}\n{tests}"
        )
    deps = ", ".join(f'"{d}"' for d in DEPENDENCIES)
    (root / "pyproject.toml").write_text(textwrap.dedent(f"""\
            [project]
            name = "sample"
            version = "0.1.0"
            requires-python = ">=3.11"
            dependencies = [{deps}]

            [build-system]
            requires = ["hatchling"]
            build-backend = "hatchling.build"

            [tool.taskbelt]
            python = ["{PYTHON}"]
            fail-under = 80
            """))
    sh(["git", "init", "-q"], root)
    sh(["uv", "lock", "--quiet"], root)


def clean(root: Path) -> None:
    """Remove every environment and tool cache of the three ways."""
    for name in (
        ".taskbelt-cache",
        ".nox",
        ".baseline",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
    ):
        shutil.rmtree(root / name, ignore_errors=True)
    for data in root.glob(".coverage*"):
        data.unlink()
    for pycache in [*root.glob("src/**/__pycache__"), *root.glob("tests/**/__pycache__")]:
        shutil.rmtree(pycache, ignore_errors=True)


def add_debt(root: Path, env: dict[str, str]) -> int:
    """One unused import per module (ruff's F401), recorded in a debt ledger; the entry count."""
    for module in sorted((root / "src" / "sample").glob("mod*.py")):
        text = module.read_text()
        module.write_text(
            text.replace(
                "from __future__ import annotations\n",
                "from __future__ import annotations\n\nimport os\n",
                1,
            )
        )
    taskbelt(root, env, "ledger")
    return (root / "taskbelt-ledger.toml").read_text().count("[[finding]]")


def indebted_way(
    root: Path, env: dict[str, str]
) -> tuple[dict[str, Callable[[], object]], Path, int]:
    """taskbelt on a copy of the project that keeps a debt ledger; the copy; its entry count."""
    indebted = root.with_name(root.name + "-ledger")
    if not (indebted / "pyproject.toml").exists():
        indebted.mkdir(parents=True, exist_ok=True)
        generate(indebted)
    entries = add_debt(indebted, env)
    way: dict[str, Callable[[], object]] = {
        "environments": lambda: taskbelt(indebted, env, "prepare"),
        "run": lambda: taskbelt(indebted, env),
        "warm": lambda: taskbelt(indebted, env, verbose=True),
    }
    return way, indebted, entries


def touch_source(root: Path, run: int) -> None:
    """Change one source file (content, not only mtime)."""
    path = root / "src" / "sample" / "mod075.py"
    path.write_text(path.read_text() + f"\n\nEDIT_{run} = {time.time_ns()}\n")


def taskbelt(
    root: Path, env: dict[str, str], command: str = "check", *, verbose: bool = False
) -> str:
    """Run ``mise run COMMAND``'s script (``tasks/COMMAND``) for ``root``; return its log.

    The task script is what mise runs; calling it with ``MISE_PROJECT_ROOT``
    set leaves out only mise's own start-up. ``verbose`` (``-v``) logs each
    tool's time, which the overhead figure needs; it also skips the fast
    answer, so only the warm run uses it.
    """
    task = [shutil.which("bash") or "/bin/bash", str(HOME / "tasks" / command)]
    done = subprocess.run(  # noqa: S603 - the benchmark runs the commands it builds
        [*task, *(["-v"] if verbose else [])],
        cwd=root,
        env={**env, "MISE_PROJECT_ROOT": str(root)},
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"taskbelt {command} did not pass:\n{done.stdout[-3000:]}")
    return done.stderr


_TOOL_TIME = re.compile(
    r"^taskbelt: \[(?P<session>[^\]]+)\]\s+-> exit -?\d+ in (?P<s>[\d.]+) s$", re.M
)


def tool_seconds(log: str) -> dict[str, float]:
    """Seconds each session spent waiting on its tools, from a ``-v`` log."""
    spent: dict[str, float] = {}
    for match in _TOOL_TIME.finditer(log):
        spent[match["session"]] = spent.get(match["session"], 0.0) + float(match["s"])
    return spent


def critical_path(spent: dict[str, float], jobs: int) -> float:
    """Tool time on the critical path: the first wave on ``jobs`` slots, then coverage.

    The first wave is scheduled longest first (as taskbelt does); what is
    left of the wall time is taskbelt's own overhead.
    """
    slots = [0.0] * jobs
    for seconds in sorted((v for k, v in spent.items() if k != "coverage"), reverse=True):
        slots[slots.index(min(slots))] += seconds
    return max(slots) + spent.get("coverage", 0.0)


def baseline_setup(root: Path, env: dict[str, str], python: Path) -> Path:
    """One virtual environment with every tool (taskbelt's pins) and the project."""
    venv = root / ".baseline"
    sh(["uv", "venv", "--quiet", "--python", str(python), str(venv)], root, env)
    reqs = [a for g in GROUPS for a in ("-r", str(HOME / f"config/locks/{g}.txt"))]
    pip = ["uv", "pip", "install", "--quiet", "--python", str(venv / "bin" / "python")]
    sh([*pip, *reqs], root, env)
    sh([*pip, "-e", "."], root, env)
    return venv


def baseline(root: Path, env: dict[str, str], url: str, python: Path) -> None:
    venv = root / ".baseline"
    if not venv.is_dir():
        baseline_setup(root, env, python)
    bin_ = venv / "bin"
    reqs = root / ".baseline" / "requirements.txt"
    sh(
        ["uv", "export", "--frozen", "--no-dev", "--no-emit-project", "--quiet", "-o", str(reqs)],
        root,
    )
    steps = [
        [str(bin_ / "ruff"), "check", "."],
        [str(bin_ / "black"), "--check", "-q", "."],
        [str(bin_ / "mypy"), "src"],
        [str(bin_ / "python"), "-m", "pytest", "-q", "--cov=src/sample", "--cov-report=", "tests"],
        [str(bin_ / "pip-audit"), "-r", str(reqs), "--require-hashes", "--disable-pip", "--no-deps",
         "--vulnerability-service", "osv", "--osv-url", url, "--progress-spinner", "off"],
        [str(bin_ / "bandit"), "-q", "-r", "src"],
    ]  # fmt: skip
    for step in steps:
        sh(step, root, env, check=False)


NOXFILE = """\
import nox

HOME = {home}
URL = {url}
PYTHON = {python}


@nox.session(python=PYTHON)
def lint(session):
    session.install("-r", HOME + "/config/locks/lint.txt")
    session.run("ruff", "check", ".")


@nox.session(python=PYTHON)
def format(session):
    session.install("-r", HOME + "/config/locks/format.txt")
    session.run("black", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session):
    session.install("-r", HOME + "/config/locks/typecheck.txt")
    session.install("-e", ".")
    session.run("mypy", "src")


@nox.session(python=PYTHON)
def tests(session):
    session.install("-r", HOME + "/config/locks/test.txt")
    session.install("-e", ".")
    session.run("pytest", "-q", "--cov=src/sample", "tests")


@nox.session(python=PYTHON)
def audit(session):
    session.install("-r", HOME + "/config/locks/audit.txt")
    export = ["uv", "export", "--frozen", "--no-dev", "--no-emit-project"]
    session.run(*export, "-o", "reqs.txt", external=True)
    service = ["--vulnerability-service", "osv", "--osv-url", URL]
    hashed = ["-r", "reqs.txt", "--require-hashes", "--no-deps", "--disable-pip"]
    session.run("pip-audit", *hashed, *service)
    session.run("bandit", "-q", "-r", "src")
"""


def write_conventional(root: Path, url: str, python: Path) -> Path:
    """The conventional noxfile, written formatted and lint-clean: the checks look at it too."""
    noxfile = root / "noxfile_conventional.py"
    quoted = {
        k: json.dumps(str(v)) for k, v in {"home": HOME, "url": url, "python": python}.items()
    }
    noxfile.write_text(NOXFILE.format(**quoted))
    return noxfile


def conventional(root: Path, env: dict[str, str], *extra: str) -> None:
    noxfile = root / "noxfile_conventional.py"
    nox = [sys.executable, "-m", "nox", "-f", str(noxfile), "-r", "--default-venv-backend", "uv"]
    sh([*nox, *extra], root, env, check=False)


def timed(action: Callable[[], None]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


SCENARIOS = ("environments", "cold", "warm", "no change")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate the project here and keep it")
    parser.add_argument("--advisory-db", type=Path, default=HOME.parent / "shared" / "advisory-db")
    parser.add_argument(
        "--ledger",
        action="store_true",
        help="also time taskbelt on a copy whose every module has a lint finding the ledger knows",
    )
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="taskbelt-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    if not (root / "pyproject.toml").exists():
        generate(root)
    python = interpreters.find(PYTHON).path
    if python is None:
        raise SystemExit(f"Python {PYTHON} is needed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKBELT_")}
    env["TASKBELT_AUDIT__ADVISORY_DB"] = str(args.advisory_db)
    # Every way gets bytecode-compiled environments (taskbelt compiles its own):
    # where PYTHONDONTWRITEBYTECODE is set, the others would otherwise compile
    # their imports on every run, and the comparison would flatter taskbelt.
    env["UV_COMPILE_BYTECODE"] = "1"
    # Likewise bytecode of the project and its tests: taskbelt keeps it in its
    # state folder whatever PYTHONDONTWRITEBYTECODE says; the other two get the
    # default behaviour (__pycache__ beside the sources), as on most machines.
    others = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    index = advisories.load(args.advisory_db)
    jobs = os.cpu_count() or 2
    results: dict[str, dict[str, list[float]]] = {}
    overheads: list[float] = []
    with osv_server.serve(index) as url:
        write_conventional(root, url, python)
        ways: dict[str, dict[str, Callable[[], object]]] = {
            "taskbelt": {
                "environments": lambda: taskbelt(root, env, "prepare"),
                "run": lambda: taskbelt(root, env),
                "warm": lambda: taskbelt(root, env, verbose=True),
            },
            "baseline": {
                "environments": lambda: baseline_setup(root, others, python),
                "run": lambda: baseline(root, others, url, python),
            },
            "conventional": {
                "environments": lambda: conventional(root, others, "--install-only"),
                "run": lambda: conventional(root, others),
            },
        }
        entries, roots = 0, dict.fromkeys(ways, root)
        if args.ledger:  # the same project, carrying known debt: the ledger's own cost
            ways["taskbelt + ledger"], roots["taskbelt + ledger"], entries = indebted_way(root, env)
        for run in range(args.runs):
            for name, way in ways.items():
                figures = results.setdefault(name, {k: [] for k in SCENARIOS})
                clean(roots[name])
                figures["environments"].append(timed(way["environments"]))
                clean(roots[name])
                figures["cold"].append(timed(way["run"]))
                touch_source(roots[name], run)
                started = time.perf_counter()
                log = way.get("warm", way["run"])()
                figures["warm"].append(time.perf_counter() - started)
                if isinstance(log, str):
                    overheads.append(figures["warm"][-1] - critical_path(tool_seconds(log), jobs))
                figures["no change"].append(timed(way["run"]))
                print(
                    f"{name} run {run + 1}: "
                    + ", ".join(f"{k} {v[-1]:.1f} s" for k, v in figures.items()),
                    flush=True,
                )
    report(root, args.runs, results, overheads, entries)
    return 0


def report(
    root: Path,
    runs: int,
    results: dict[str, dict[str, list[float]]],
    overheads: list[float],
    entries: int,
) -> None:
    """Print the medians, the ratios, the ledger's cost, the overhead and the peak memory."""
    jobs = os.cpu_count() or 2
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    median = {w: {k: statistics.median(v) for k, v in f.items()} for w, f in results.items()}
    for figures in median.values():
        figures["cold - environments"] = figures["cold"] - figures["environments"]
    print(f"\nproject: {root} ({MODULES} modules, {MODULES * TESTS_PER_MODULE} tests)")
    print(f"cores: {jobs}; median of {runs} run(s)")
    print(
        f"{'scenario':<20} {'taskbelt':>9} {'baseline':>9} {'conventional':>13} {'tb/base':>8} {'tb/conv':>8}"
    )
    for scenario in ("environments", "cold", "cold - environments", "warm", "no change"):
        t, b, c = (median[w][scenario] for w in ("taskbelt", "baseline", "conventional"))
        print(f"{scenario:<20} {t:>8.1f}s {b:>8.1f}s {c:>12.1f}s {t / b:>8.2f} {t / c:>8.2f}")
    if "taskbelt + ledger" in median:
        for scenario in ("warm", "no change"):
            t, d = median["taskbelt"][scenario], median["taskbelt + ledger"][scenario]
            print(
                f"{scenario} with a ledger of {entries} entries: {d:.2f} s ({d / t:.2f} x {t:.2f} s)"
            )
    print(
        f"taskbelt's own overhead in the warm run (wall - tools' critical path): "
        f"{statistics.median(overheads):.2f} s"
    )
    print(f"peak memory of a child process: {peak:.0f} MiB")


if __name__ == "__main__":
    sys.exit(main())
