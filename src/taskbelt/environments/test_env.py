"""What a test environment holds: the repository's own code and versions first.

A test environment is made in two steps. :func:`taskbelt.environments.create.install_project`
installs the project editable with its locked (or resolved) dependencies;
then :func:`add_test_tools` adds taskbelt's pinned test tools (pytest,
pytest-cov, coverage and what they need) **only where the project did not
install them itself**: a package the project locks, or the project itself,
is never replaced. (Installing taskbelt's test lock over the project had
replaced pluggy's own tree with pluggy from PyPI, pytest 9.0.2 with 8.4.2 and
pytest-cov 6.2.1 with 7.0.0 on public repositories.)

The tools added are taken from the hashed lock with ``--no-deps``, so each
keeps its pinned version and hash; a tool taskbelt adds that cannot work
with a version the project locks (pytest-cov 7 beside coverage 6, say) is a
:class:`~taskbelt.errors.ToolError` naming both, never a silent upgrade.

The coverage plugins the repository's coverage settings name are added
too where the project does not bring them (:mod:`taskbelt.environments.coverage_plugins`).

Last, :func:`import_origins` asks the environment where each top-level
package of the project is imported from; one that resolves outside the
repository's tree is an error, because tests of it would not test this code.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from taskbelt import defaults, proc
from taskbelt.environments import coverage_plugins, create
from taskbelt.errors import ToolError
from taskbelt.repository.project import Project
from taskbelt.tools import hashed_requirements, pins, venvs

TEST_GROUP = "test"
_STAMP = "test-tools"
_CONFLICT = re.compile(
    r"^The package `(?P<who>[^`]+)` requires `(?P<what>[^`]+)`, but (?P<why>.*)$"
)

#: Run by the environment's Python in the project root (what ``python -m
#: pytest`` sees): where each named top-level package would be imported from.
_WHERE = """\
import importlib.util, json, sys
found = {}
for name in sys.argv[1:]:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None:
        found[name] = None
    elif spec.origin and spec.origin != "namespace":
        found[name] = spec.origin
    else:
        found[name] = next(iter(spec.submodule_search_locations or []), None)
print(json.dumps(found))
"""


def lock_entries(lock: Path) -> list[tuple[str, str]]:
    """``(canonical name, requirement text with its hashes)`` per entry of a hashed lock.

    A name can appear more than once (one entry per Python-version marker).
    """
    found = []
    for entry in hashed_requirements.entries(lock.read_text(encoding="utf-8")):
        if entry.name is None:
            raise ToolError(
                f"taskbelt's lock {lock.name} has an entry it cannot read: {entry.first!r}",
                "this is a taskbelt bug: report it",
            )
        found.append((entry.name, entry.text))
    return found


def installed(venv: Path) -> dict[str, str]:
    """Canonical name -> version of every distribution in ``venv``."""
    done = proc.run(
        ["uv", "pip", "list", "--format", "json", "--python", str(venvs.venv_python(venv))],
        timeout=120.0,
        error=(
            f"uv could not list what is installed in {venv}",
            "delete the environment folder and run again",
        ),
    )
    return {canonicalize_name(d["name"]): str(d["version"]) for d in json.loads(done.stdout)}


def missing_tools(present: Mapping[str, str], project: Project) -> list[tuple[str, str]]:
    """The entries of taskbelt's test lock that neither the project nor its lock provides."""
    own = canonicalize_name(project.name)
    lock = defaults.LOCKS_DIR / f"{TEST_GROUP}.txt"
    return [(n, text) for n, text in lock_entries(lock) if n not in present and n != own]


def _conflicts(venv: Path, added: Sequence[str], own: str) -> list[str]:
    """``uv pip check``'s complaints about a package taskbelt added."""
    done = proc.run(
        ["uv", "pip", "check", "--python", str(venvs.venv_python(venv))], timeout=120.0, ok=None
    )
    found = []
    for line in done.output.splitlines():
        match = _CONFLICT.match(line.strip())
        if match is None or canonicalize_name(match["who"]) not in added:
            continue
        try:
            wanted = str(canonicalize_name(Requirement(match["what"]).name))
        except InvalidRequirement:
            wanted = ""
        if wanted != own:  # the repository's own tree is what is tested, whatever its version
            found.append(line.strip())
    return found


def prepare(venv: Path, project: Project, environ: Mapping[str, str]) -> dict[str, str | None]:
    """Add the test tools the project lacks, then vouch for the project's own code.

    Runs after :func:`taskbelt.environments.create.install_project`. Returns where each of
    the project's top-level packages is imported from (all inside the
    repository's tree, or this raises). The stamp holds the test lock's
    digest and the project's key, so an unchanged environment costs a file
    read. ``environ`` is the run's environment (coverage settings in it).
    """
    plugins = ",".join(coverage_plugins.named(project, environ))
    key = f"{pins.lock_digest(TEST_GROUP)}-{create.project_key(project)}-{plugins}"
    kept = recorded(venv)
    if kept.get("key") == key and kept.get("names") == list(project.import_names):
        origins: dict[str, str | None] = kept["origins"]
        return origins
    added = add_test_tools(venv, project)
    added += coverage_plugins.ensure(venv, project, environ, "the test environment")
    origins = import_origins(venvs.venv_python(venv), project)
    check_own_code(project, origins, "the test environment")
    record = {"key": key, "names": list(project.import_names), "added": added, "origins": origins}
    (venv / f".taskbelt-{_STAMP}").write_text(json.dumps(record), encoding="utf-8")
    return origins


def recorded(venv: Path) -> dict[str, Any]:
    """What :func:`prepare` found when it last filled ``venv`` (empty if never)."""
    stamp = venv / f".taskbelt-{_STAMP}"
    try:
        data = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def add_test_tools(venv: Path, project: Project) -> list[str]:
    """Install the entries of the test lock the project does not bring; return their names."""
    todo = missing_tools(installed(venv), project)
    added = list(dict.fromkeys(name for name, _ in todo))
    if not todo:
        return added
    with tempfile.TemporaryDirectory() as tmp:
        reqs = Path(tmp) / "test-tools.txt"
        reqs.write_text("\n".join(text for _, text in todo) + "\n", encoding="utf-8")
        venvs.uv_pip_install(venv, ["--no-deps", "--require-hashes", "-r", str(reqs)])
    problems = _conflicts(venv, added, canonicalize_name(project.name))
    if problems:
        raise ToolError(
            f"taskbelt's test tools do not fit the project's own versions: {problems[0]}",
            "add the test tools (pytest, pytest-cov, coverage) to the project's test "
            "dependencies at versions that fit, then lock again (`uv lock`)",
            output="\n".join(problems),
        )
    return added


def import_origins(python: Path, project: Project) -> dict[str, str | None]:
    """Where ``python``, started in the project root, imports each top-level package from."""
    names = list(project.import_names)
    if not names:
        return {}
    done = proc.run(
        [str(python), "-c", _WHERE, *names],
        cwd=project.root,
        timeout=120.0,
        error=(
            "the test environment's Python could not look up the project's packages",
            "delete .taskbelt-cache/envs and run again",
        ),
    )
    found: dict[str, str | None] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def inside_tree(project: Project, path: str | None) -> bool:
    """True when ``path`` lies in the repository's own tree (not in taskbelt's state)."""
    if not path:
        return False
    where = Path(path).resolve()
    root = project.root.resolve()
    return where.is_relative_to(root) and not where.is_relative_to(project.state_dir.resolve())


def check_own_code(project: Project, origins: Mapping[str, str | None], what: str) -> None:
    """Raise unless every package in ``origins`` comes from the repository's tree.

    ``what`` says who looked ("the test environment", "the tests").
    """
    for name, path in origins.items():
        if path is None:
            raise ToolError(
                f"{what} cannot import {name}, the project's own package",
                "make the project installable (a [build-system] in pyproject.toml), "
                "or set [tool.taskbelt] src to the package folder",
            )
        if not inside_tree(project, path):
            raise ToolError(
                f"{what} imports {name} from {path}, not from this repository "
                f"({project.root}): the tests would not test this code",
                "remove what installs another copy of the project (a dependency on itself, "
                "a pin in a test requirement), or report it if taskbelt put it there",
            )
