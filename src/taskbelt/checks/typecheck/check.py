"""The repository's type checker against the project installed with its real dependencies.

Which checker runs, and with which settings, is :mod:`taskbelt.repository.type_checker_choice`'s
decision (mypy, pyright, basedpyright, ty, pyrefly); each checker's command
line and output are read by its :mod:`~taskbelt.checks.typecheck.checkers` runner,
so the verdict, the table and the findings look the same for every one.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from pathlib import Path

from packaging.version import InvalidVersion, Version

from taskbelt.checks import ledgered, sarif_log
from taskbelt.checks.base import CheckContext, crashed, tail
from taskbelt.checks.interface import Check, Environment, Session, Spec
from taskbelt.checks.typecheck import hints, hook_dependencies
from taskbelt.checks.typecheck.checkers import (
    Runner,
    mypy,
    mypy_baseline,
    pyrefly,
    pyright,
    ty,
)
from taskbelt.environments.matrix import Matrix
from taskbelt.errors import TaskbeltError
from taskbelt.output.console import LOGGER
from taskbelt.output.words import plural
from taskbelt.repository import type_checker_choice
from taskbelt.repository.choice import Choice
from taskbelt.repository.project import Project
from taskbelt.results import CheckResult, Status

NAME = "typecheck"
#: The runner of each checker :mod:`taskbelt.repository.type_checker_choice` can choose.
RUNNERS: dict[str, Runner] = {
    "mypy": mypy.RUNNER,
    "pyright": pyright.runner("pyright"),
    "basedpyright": pyright.runner("basedpyright"),
    "ty": ty.RUNNER,
    "pyrefly": pyrefly.RUNNER,
}


def run(ctx: CheckContext) -> CheckResult:
    """Type-check the project's source with each of the repository's checkers."""
    choices = ctx.project.tools.type_checkers
    results = [_run_one(ctx, choice) for choice in choices]
    row = results[0] if len(results) == 1 else _combined(labels(choices), results)
    # An entry is fixed when no run of its checker found it (two mypy runs keep
    # one set of entries); a row with a run that could not look fixes nothing.
    result = ledgered.ratchet(ctx, row, NAME, list(dict.fromkeys(c.tool for c in choices)))
    target = ctx.project.reports_dir / "typecheck.sarif"
    sarif_log.write(ctx.root, target, result, choices[0].tool if choices else "mypy", "error")
    return result


def labels(choices: tuple[Choice, ...]) -> list[str]:
    """What the row calls each run: its checker, and where it was declared if it runs twice.

    ``mypy`` and ``pyright`` for one run each; ``mypy (tox.ini runs mypy)`` and
    ``mypy (.pre-commit-config.yaml hook mypy)`` for two mypy runs (with what
    each checks where even that is the same).
    """
    tools = [choice.tool for choice in choices]
    named = [
        choice.tool if tools.count(choice.tool) == 1 else f"{choice.tool} ({choice.declared})"
        for choice in choices
    ]
    return [
        _with_targets(name, choice) if named.count(name) > 1 else name
        for name, choice in zip(named, choices, strict=True)
    ]


def _with_targets(name: str, choice: Choice) -> str:
    """``mypy (tox.ini runs mypy on tests/cases)``: the label of one of two runs declared alike."""
    return f"{name[:-1]} on {' '.join(choice.targets)})" if choice.targets else name


def _run_one(ctx: CheckContext, choice: Choice) -> CheckResult:
    started = time.perf_counter()
    LOGGER.info("typecheck: %s", choice.explain())
    hooked = _with_hook_files(ctx, choice)
    if hooked is None:
        summary = f"no files: pre-commit gives {choice.hook} none"
        return CheckResult(NAME, Status.PASSED, 0.0, summary, "", _run_details(choice, []))
    choice = hooked
    runner = RUNNERS[choice.tool]
    argv = runner.argv(ctx, choice)
    extra = runner.env_for(ctx, choice)
    if extra:
        LOGGER.info("typecheck: with %s", " ".join(f"{k}={v}" for k, v in extra.items()))
    done = ctx.run(argv, env={**runner.env, **extra})
    if done.returncode not in (0, runner.found):
        return dataclasses.replace(crashed(NAME, done, started), details=_run_details(choice, argv))
    found = runner.read(ctx, done.stdout, done.returncode)
    found = runner.baseline(ctx, choice, done.stdout, found)
    seconds = time.perf_counter() - started
    notes = f"; {plural(len(found.notes), 'warning')}, not failing" if found.notes else ""
    notes += found.aside
    details: dict[str, object] = {
        **_run_details(choice, argv),
        "notes": [n.to_json() for n in found.notes],
    }
    # every error it found is in its own baseline: the run failed on known errors only
    if done.returncode == 0 or found.clean or (found.known and not found.findings):
        return CheckResult(NAME, Status.PASSED, seconds, f"no type errors{notes}", "", details)
    if not found.findings:
        return crashed(NAME, done, started)
    judged = ledgered.sort(ctx, NAME, choice.tool, found.findings)
    details["findings"] = [f.to_json() for f in judged.all]
    if not judged.new:
        summary = f"no new {found.kind}s, {len(judged.known)} known{notes}"
        return CheckResult(NAME, Status.PASSED, seconds, summary, "", details)
    return CheckResult(
        NAME,
        Status.FAILED,
        seconds,
        f"{judged.counted(found.kind)}{' ' + found.because if found.because else ''}; "
        f"first: {judged.new[0]}{judged.expired()}{notes}",
        # with a ledger, the new errors only (the checker's output lists the known ones too)
        tail("\n".join(map(str, judged.new)) if judged.ledger else done.output),
        details,
    )


def _run_details(choice: Choice, argv: list[str]) -> dict[str, object]:
    """What the JSON says of one run: the checker, where it was declared, what it checked."""
    return {
        "checker": choice.tool,
        "declared": choice.declared,
        "args": list(choice.args),
        "targets": list(choice.targets),
        "dependencies": list(choice.hook.dependencies if choice.hook else choice.dependencies),
        "command": argv,
    }


def _with_hook_files(ctx: CheckContext, choice: Choice) -> Choice | None:
    """``choice`` checking the files pre-commit gives its hook (None: it gives none).

    Unchanged without a hook, or for a hook that names what it checks itself
    (``pass_filenames: false``).
    """
    if choice.hook is None or not choice.hook.pass_filenames:
        return choice
    files = choice.hook_files(ctx.root, ctx.project.excluded)
    if not files:
        return None
    # every checker reads a word starting with "-" as an option, not as a file
    return dataclasses.replace(
        choice, targets=tuple(f"./{f}" if f.startswith("-") else f for f in files)
    )


def _combined(tools: list[str], results: list[CheckResult]) -> CheckResult:
    """Several checkers' results as one row: it passes only when every one passes.

    The summary names each checker's verdict (``mypy: no type errors; pyright:
    2 type errors; first: ...``); the findings and notes are all of theirs.
    """
    worst = next(
        (status for status in _WORST_FIRST if any(r.status is status for r in results)),
        Status.PASSED,
    )
    details: dict[str, object] = {
        "checker": ", ".join(dict.fromkeys(str(r.details.get("checker")) for r in results)),
        "checkers": {tool: r.details for tool, r in zip(tools, results, strict=True)},
        "runs": [
            {"name": tool, "status": r.status.value, "summary": r.summary, **r.details}
            for tool, r in zip(tools, results, strict=True)
        ],
        "findings": [f for r in results for f in r.details.get("findings", [])],
        "notes": [n for r in results for n in r.details.get("notes", [])],
    }
    return CheckResult(
        NAME,
        worst,
        sum(r.seconds for r in results),
        _summary(tools, results),
        "\n".join(r.output for r in results if r.output),
        details,
    )


#: Up to this many runs, the summary names each run's verdict.
_NAMED_RUNS = 3


def _summary(tools: list[str], results: list[CheckResult]) -> str:
    """Each run's verdict, or, for many runs, those that did not pass and a count of the rest.

    A nox session over five Pythons is five runs: ``mypy (noxfile.py runs mypy
    for Python 3.10): 1 type error; 8 other runs passed``, or, all passing,
    ``9 runs, no type errors (mypy x6, pyright, ty, pyrefly)``.
    """
    pairs = list(zip(tools, results, strict=True))
    if len(pairs) <= _NAMED_RUNS:
        return "; ".join(f"{tool}: {r.summary}" for tool, r in pairs)
    shown = [f"{tool}: {r.summary}" for tool, r in pairs if r.status is not Status.PASSED]
    if shown:
        rest = len(pairs) - len(shown)
        return "; ".join(shown) + (f"; {plural(rest, 'other run')} passed" if rest else "")
    counts = Counter(r.details.get("checker") or tool.split(" ")[0] for tool, r in pairs)
    each = ", ".join(f"{name} x{n}" if n > 1 else str(name) for name, n in counts.items())
    return f"{len(pairs)} runs, no type errors ({each})"


_WORST_FIRST = (Status.ERROR, Status.FAILED)


def tool_groups(project: Project) -> tuple[str, ...]:
    """The tool group of each chosen checker: ``typecheck`` (mypy), ``typecheck-ty``..."""
    groups = [
        NAME if choice.tool == "mypy" else f"{NAME}-{choice.tool}"
        for choice in project.tools.type_checkers
    ]
    if NAME in groups and mypy_baseline.file(project) is not None:
        groups.append(mypy_baseline.GROUP)  # mypy's output is filtered through it
    return tuple(dict.fromkeys(groups))


def skipped_because(project: Project) -> str | None:
    """Why the repository is not type-checked: its checker is off, or it asked for none.

    Asked for none: no checker chosen anywhere (taskbelt's default would run)
    and no type hint in the project's code (:mod:`taskbelt.checks.typecheck.hints`).
    """
    if project.tools.type_checking_off is not None:
        return project.tools.type_checking_off
    first, *others = project.tools.type_checkers
    if others or first.source != type_checker_choice.DEFAULT_SOURCE:
        return None
    if hints.any_hints(project.source_paths):
        return None
    where = ", ".join(project.relative(path) for path in project.source_paths) or "the project"
    return (
        f"skipped: no type checker configured and no type hints in {where} "
        "(configure one, such as [tool.mypy], or set [tool.taskbelt] type-checker, to check it)"
    )


def install_hook_dependencies(ctx: CheckContext) -> None:
    """The checker's pre-commit hook's ``additional_dependencies``, in the project environment."""
    added = hook_dependencies.install(ctx)
    if added:
        LOGGER.info("typecheck: added the pre-commit hook's %s", ", ".join(added))


def baseline_files(project: Project) -> list[Path]:
    """The baselines the chosen checkers read (their own), in choice order; none unreadable."""
    try:
        choices = project.tools.type_checkers
    except TaskbeltError:  # settings taskbelt cannot read: the row's error, when it runs
        return []
    found = (RUNNERS[choice.tool].baseline_file(project, choice) for choice in choices)
    return list(dict.fromkeys(path for path in found if path is not None))


def key(project: Project, tests: Matrix, session: Session) -> Spec | None:
    """The interpreter the project's imports are resolved with counts too, and the baselines."""
    kept = [str(path) for path in baseline_files(project)]
    read: Spec = {"read_files": kept} if kept else {}
    if not tests.present:
        return read
    try:
        limit = newest_python(project)
    except TaskbeltError:  # settings taskbelt cannot read: the row's error, when it runs
        limit = None
    return {"newest": str(tests.newest_up_to(limit)[1]), **read}


#: The first mypy that can look into a Python 3.12 or newer through
#: ``--python-executable``: 1.3 and older crash in their ``pyinfo.py`` (its own
#: ``types.py`` shadows the standard library's), measured with 1.0-1.4.1 here.
_MYPY_SEES_312 = Version("1.4")


def newest_python(project: Project) -> str | None:
    """``3.11`` where a chosen mypy is older than 1.4 (a hook's ``rev: v0.991``), else None."""
    for choice in project.tools.type_checkers:
        try:
            old = choice.pin is not None and Version(choice.pin.version) < _MYPY_SEES_312
        except InvalidVersion:
            old = False
        if choice.tool == "mypy" and old:
            LOGGER.info(
                "typecheck: mypy %s cannot look into Python 3.12+: 3.11 at most", choice.pin
            )
            return "3.11"
    return None


CHECK = Check(
    NAME,
    "the repository's type checker (mypy by default), the project installed on the newest "
    "Python: type errors by file and line",
    run,
    tools="typecheck",
    tools_for=tool_groups,
    environment=Environment.PROJECT_NEWEST,
    starts=20,
    key=key,
    uses_dependencies=True,
    skip_when=skipped_because,
    finish=install_hook_dependencies,
    newest_python=newest_python,
)
