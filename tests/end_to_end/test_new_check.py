"""A check written by the test itself runs through every door, and no module of taskbelt changes.

The check (a spelling check of the Markdown files) is one module in the
test repository declaring ``CHECK``, as taskbelt's own checks do. Registered
in this process, it runs in ``taskbelt check``, is answered by the fast
path once cached and reruns when a file it reads changes; registered in a
repository's own noxfile, it is a Nox session listed with its help.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from conftest import ADVISORY_DB, CLEAN_SRC, MakeRepo, uvx_nox

from taskbelt import defaults
from taskbelt.checks import registry
from taskbelt.frontends import cli, entry_point
from taskbelt.repository.project import Project

pytestmark = pytest.mark.slow

#: The new check, as a repository (or a new taskbelt module) would write it.
SPELLING = '''\
"""spelling: a typo list against the Markdown files."""

import time

from taskbelt.checks.base import CheckContext, Finding
from taskbelt.checks.interface import Check
from taskbelt.results import CheckResult, Status

TYPOS = {"teh": "the", "recieve": "receive"}


def run(ctx: CheckContext) -> CheckResult:
    started = time.perf_counter()
    found = [
        Finding(ctx.project.relative(path), number, 1, "TYPO", f"{word!r}: {fix!r}")
        for path in sorted(ctx.root.glob("*.md"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        for word in line.lower().split()
        if (fix := TYPOS.get(word))
    ]
    seconds = time.perf_counter() - started
    if found:
        summary = f"{len(found)} typo(s); first: {found[0]}"
        output = "\\n".join(map(str, found))
        details = {"findings": [f.to_json() for f in found]}
        return CheckResult("spelling", Status.FAILED, seconds, summary, output, details)
    return CheckResult("spelling", Status.PASSED, seconds, "no typos")


CHECK = Check("spelling", "typos in the Markdown files", run, tools="lint", files="all")
'''


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("spelling_check", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def repo(make_repo: MakeRepo) -> Iterator[Project]:
    """A clean project whose own folder holds the spelling check, registered here."""
    project = make_repo({**CLEAN_SRC, "README.md": "The demo.\n", "spelling_check.py": SPELLING})
    registry.register(_load(project.root / "spelling_check.py").CHECK)
    yield project
    registry.unregister("spelling")


def _rows(report: Path) -> dict[str, tuple[str, bool]]:
    data = json.loads(report.read_text())
    return {c["name"]: (c["status"], c["cached"]) for c in data["checks"]}


def test_check_runs_it_and_the_fast_answer_keeps_it(
    repo: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """check lists it after the others; cached, the fast path answers; a typo reruns it alone."""
    monkeypatch.setenv("TASKBELT_AUDIT__ADVISORY_DB", str(ADVISORY_DB))
    monkeypatch.chdir(repo.root)
    report = tmp_path / "report.json"
    root = ["--root", str(repo.root), "--report", str(report)]

    assert cli.main(["check", *root]) == 0
    rows = _rows(report)
    assert list(rows)[-1] == "spelling"
    assert rows["spelling"] == ("passed", False)
    assert {"lint", "format", "typecheck", "test-3.12", "coverage", "audit"} <= set(rows)

    assert entry_point.answer(["check", *root], dict(os.environ)) == 0
    assert _rows(report)["spelling"] == ("passed", True)

    (repo.root / "README.md").write_text("Teh demo.\n")
    assert entry_point.answer(["check", *root], dict(os.environ)) is None, "a file it reads changed"
    assert cli.main(["check", *root]) == 1
    rows = _rows(report)
    assert rows["spelling"] == ("failed", False)
    assert rows["lint"] == ("passed", True), "lint does not read Markdown"
    data = json.loads(report.read_text())
    spelling = next(c for c in data["checks"] if c["name"] == "spelling")
    assert spelling["details"]["findings"][0]["path"] == "README.md"
    assert "README.md:1:1: TYPO 'teh': 'the'" in spelling["summary"]


def test_run_names_it_and_help_describes_it(
    repo: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    """`taskbelt run spelling` runs it alone; `run --help` lists it with its help line."""
    assert cli.main(["run", "spelling", "--root", str(repo.root)]) == 0
    assert re.search(r"^spelling\s+passed\s.*no typos", capsys.readouterr().out, re.M)
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    assert re.search(r"^  spelling\s+typos in the Markdown files$", capsys.readouterr().out, re.M)


def test_a_repositorys_noxfile_registers_it(make_repo: MakeRepo) -> None:
    """Registered before taskbelt's sessions, it is a Nox session like lint."""
    readme = (defaults.TASKBELT_HOME / "README.md").read_text()
    example = readme.split("<!-- consumer-noxfile -->\n```python\n", 1)[1].split("```", 1)[0]
    imports, register = "from taskbelt import nox_sessions\n", "nox_sessions.register_all(nox)"
    assert imports in example
    assert register in example
    noxfile = example.replace(imports, imports + "from taskbelt.checks import registry\n").replace(
        register,
        "sys.path.insert(0, str(Path(__file__).resolve().parent))\n"
        "import spelling_check\n\n"
        "registry.register(spelling_check.CHECK)\n" + register,
    )
    files = {**CLEAN_SRC, "README.md": "Recieve it.\n", "spelling_check.py": SPELLING}
    project = make_repo({**files, "noxfile.py": noxfile})
    os.symlink(defaults.TASKBELT_HOME, project.root / ".taskbelt")
    listed = uvx_nox(project.root, "-l")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert re.search(
        r"^- spelling -> typos in the Markdown files$", listed.stdout, re.M
    ), listed.stdout
    done = uvx_nox(project.root, "-s", "spelling", "lint")
    assert done.returncode == 1, done.stdout + done.stderr
    assert re.search(r"^spelling\s+failed\s.*README.md:1:1: TYPO 'recieve'", done.stdout, re.M)
    assert re.search(r"^lint\s+passed", done.stdout, re.M), done.stdout
