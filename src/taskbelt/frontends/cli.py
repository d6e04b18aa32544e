"""taskbelt's command line: parse, load the project (fail fast), dispatch.

``main(argv) -> int``. The checks themselves run through
:mod:`taskbelt.running.execution` (the same path the Nox sessions take); errors leave
through :mod:`taskbelt.frontends.exit_status` (cause, fix, exit 2).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from taskbelt import __version__, defaults
from taskbelt.checks import registry
from taskbelt.container import cli as container_cli
from taskbelt.environments import matrix
from taskbelt.errors import ConfigError, ExitCode
from taskbelt.frontends import exit_status, options
from taskbelt.output import console
from taskbelt.results import Status
from taskbelt.running import execution
from taskbelt.settings import env_flags


def _choices() -> str:
    """``lint, format, ..., or test-3.X``: every name ``run`` takes."""
    sessions = [c.session("3.X").name for c in registry.checks() if c.per_python]
    return ", ".join(registry.names()) + "".join(f", or {s}" for s in sessions)


def check_name(value: str) -> str:
    """A name ``run`` accepts: a check's or one Python's session (``test-3.12``)."""
    if registry.resolve(value) is not None:
        return value
    raise argparse.ArgumentTypeError(f"invalid choice: {value!r} (choose from {_choices()})")


def _checks_help() -> str:
    """One line per check, for the help of ``run`` and ``prepare``."""
    width = max(len(c.name) for c in registry.checks())
    lines = [f"  {c.name:<{width}}  {c.help}" for c in registry.checks()]
    alone = [
        f"  {c.alone:<{width}}  {c.name}'s sessions, without {', '.join(f.name for f in registry.followers(c))}"
        for c in registry.checks()
        if c.alone
    ]
    return "checks:\n" + "\n".join([*lines, *alone])


def _listing_checks(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    parents: list[argparse.ArgumentParser],
    summary: str,
) -> argparse.ArgumentParser:
    """A command whose help ends with one line per check."""
    return sub.add_parser(
        name,
        parents=parents,
        help=summary,
        epilog=_checks_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def _add_options(parser: argparse.ArgumentParser, table: Sequence[options.Option]) -> None:
    """Give ``parser`` the options of ``table`` (the same table the fast answer reads)."""
    for option in table:
        default = argparse.SUPPRESS if option.shared else option.default
        if option.kind is None:
            parser.add_argument(
                *option.flags, action="store_true", default=default, help=option.help
            )
        else:
            parser.add_argument(*option.flags, type=option.kind, default=default, help=option.help)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for the docs and tests)."""
    # Common options are accepted before and after the command, so that
    # `mise run check -v` (which appends to `taskbelt check`) works.
    common = argparse.ArgumentParser(add_help=False)
    _add_options(common, options.COMMON)
    parser = argparse.ArgumentParser(
        prog="taskbelt", description=__doc__.splitlines()[0], parents=[common]
    )
    parser.add_argument("--version", action="version", version=f"taskbelt {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    running = argparse.ArgumentParser(add_help=False)
    _add_options(running, options.RUNNING)
    sub.add_parser("check", parents=[common, running], help="run every check but fix")
    run = _listing_checks(sub, "run", [common, running], "run the named checks")
    run.add_argument(
        "checks", nargs="+", type=check_name, metavar="CHECK", help=_choices() + " (one Python's)"
    )
    prepare = _listing_checks(
        sub, "prepare", [common], "create the checks' environments, run no check"
    )
    # No `choices` here: argparse rejects an empty list against them (Python < 3.12).
    prepare.add_argument("checks", nargs="*", metavar="CHECK", help="default: every check")
    prepare.add_argument("--jobs", type=int, default=0, help="environments made at once")
    ledger = sub.add_parser(
        "ledger",
        parents=[common, running],
        help="record the current lint, typecheck and bandit findings and coverage floors as known debt",
    )
    ledger.add_argument(
        "--prune", action="store_true", help="only drop fixed entries; add nothing (the ratchet)"
    )
    ledger.add_argument(
        "--import-baselines",
        action="store_true",
        help="also record the errors the type checkers' own baselines list (then delete those)",
    )
    init = sub.add_parser("init", parents=[common], help="include taskbelt's tasks in mise.toml")
    init.add_argument("--check", action="store_true", help="only report whether the repo is wired")
    sub.add_parser("doctor", parents=[common], help="what taskbelt needs and what is present")
    sub.add_parser(
        "hooks", parents=[common], help="install the pre-commit hook (lint, format, secrets)"
    )
    secrets = sub.add_parser(
        "secrets", parents=[common], help="the audit's secrets scan alone (the hook's: --staged)"
    )
    secrets.add_argument(
        "--staged", action="store_true", help="only the staged files, as the commit holds them"
    )
    update = sub.add_parser("update", parents=[common], help="move vendored taskbelt to a ref")
    update.add_argument("ref", nargs="?", help="tag, branch or commit (default: newest tag)")
    sub.add_parser(
        "python-sync", parents=[common], help="link interpreters into mise; who sees what"
    )
    sub.add_parser("validate-config", parents=[common], help="validate [tool.taskbelt] and exit")
    sub.add_parser("lock-tools", parents=[common], help="re-lock config/tools.in (maintainers)")
    container_cli.add_parser(sub, parents=[common])
    return parser


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse ``argv`` and fill in the defaults of the common options.

    Raises:
        ConfigError: ``TASKBELT_VERBOSE`` or ``TASKBELT_NO_CACHE`` is neither on nor off.
    """
    args = build_parser().parse_args(argv)
    args.verbose = getattr(args, "verbose", False) or env_flags.flag(
        os.environ, defaults.ENV_VERBOSE
    )
    args.root = getattr(args, "root", None)
    args.report = getattr(args, "report", None)
    no_cache = env_flags.flag(os.environ, defaults.ENV_NO_CACHE)
    args.no_cache = getattr(args, "no_cache", False) or no_cache
    return args


def run_doctor(args: argparse.Namespace) -> int:
    """Print what is needed and present; 0 only when every check can run."""
    from taskbelt.commands import doctor  # noqa: PLC0415 - commands import what only they use

    found = doctor.requirements(matrix.survey(execution.load_project(args.root)))
    doctor.render(console.console(), found)
    missing = [r.name for r in found if not r.ok]
    if missing:
        print(f"taskbelt: missing: {', '.join(missing)}")
        return int(ExitCode.FAILED)
    skipped = [r.name for r in found if r.status == "skipped"]
    aside = f"; `check` skips {', '.join(skipped)} (not installed)" if skipped else ""
    print(f"taskbelt: everything the checks need is present{aside}")
    return int(ExitCode.OK)


def python_sync(args: argparse.Namespace) -> int:
    """Link pyenv's and uv's interpreters into mise, then report who sees which."""
    from rich.table import Table  # noqa: PLC0415

    from taskbelt.commands import doctor  # noqa: PLC0415

    for line in doctor.sync():
        print(line)
    versions = [i.version for i in matrix.survey(execution.load_project(args.root)).all]
    table = Table(box=None, header_style="bold", pad_edge=False)
    for column in ("python", "mise", "uv", "taskbelt"):
        table.add_column(column)
    hidden = []
    for item in doctor.seen(versions):
        table.add_row(
            item.version,
            "yes" if item.mise else "no",
            "yes" if item.uv else "no",
            str(item.taskbelt or "no"),
        )
        if item.mise and not item.uv:
            hidden.append(item.version)
    console.console().print(table)
    if hidden:
        uses = " ".join(f"python@{v}" for v in hidden)
        print(
            f"note: uv alone does not see {', '.join(hidden)}; taskbelt passes their paths itself."
        )
        print(f"note: for your shell, `mise use {uses}` puts them on PATH, where uv finds them.")
    return int(ExitCode.OK)


def init(args: argparse.Namespace) -> int:
    """Wire the repository to taskbelt's tasks (or check that it is)."""
    from taskbelt.commands import init as adopt  # noqa: PLC0415 - tomlkit: only for this command

    start = args.root or Path(os.environ.get(defaults.ENV_PROJECT_ROOT) or Path.cwd())
    root = adopt.repo_root(start)
    wiring = adopt.wire(root, check=args.check)
    where = f"[task_config] includes in {root / adopt.MISE_FILE}"
    if args.check:
        if wiring.wired:
            print(f"wired: {wiring.include!r} is in {where}")
            return int(ExitCode.OK)
        print(f"not wired: {wiring.include!r} is missing from {where}")
        print(f"fix: run {defaults.TASKBELT_HOME / 'tasks' / 'init'}")
        return int(ExitCode.FAILED)
    if wiring.changed:
        print(f"added {wiring.include!r} to {where}")
    else:
        print(f"already wired: {wiring.include!r} is in {where}; nothing changed")
    print("next: mise trust && mise run check")
    return int(ExitCode.OK)


def run_named(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    """``check`` (every check but fix) or ``run NAME...``.

    ``environ``: the environment the checks run in and are cached under
    (default: this process's; the Nox door passes its caller's).
    """
    started = time.perf_counter()
    if getattr(args, "history", False):  # a setting for the run: in the settings and cache key
        os.environ[defaults.ENV_HISTORY_SCAN] = "true"
        environ = None if environ is None else {**environ, defaults.ENV_HISTORY_SCAN: "true"}
    names = [registry.ALL] if args.command == "check" else list(dict.fromkeys(args.checks))
    options = execution.Options(jobs=args.jobs, use_cache=not args.no_cache)
    summary = execution.run(execution.load_project(args.root), names, options, environ)
    return execution.publish(summary, started, args.report, environ, verbose=args.verbose)


def run_ledger(args: argparse.Namespace) -> int:
    """``ledger [--prune]``: run lint, typecheck, audit and the tests, then write the debt ledger."""
    from taskbelt.commands import ledger  # noqa: PLC0415 - commands import what only they use

    started = time.perf_counter()
    project = execution.load_project(args.root)
    options = execution.Options(jobs=args.jobs, use_cache=not args.no_cache)
    environ = dict(os.environ)
    if args.import_baselines:  # the checkers report what their baselines list
        environ[defaults.ENV_CHECKER_BASELINES] = "ignore"
    summary = execution.run(project, ledger.RUN, options, environ)
    code = execution.publish(summary, started, args.report, environ, verbose=args.verbose)
    if summary.stopped_by is not None:
        return code
    recorded = ledger.record(project, summary, prune=args.prune)
    if recorded.wants_figures:  # the first recording: the gate gives figures where a ledger is
        project = execution.load_project(args.root)
        again = execution.run(project, ["coverage"], options)
        print(f"taskbelt: {ledger.WANTS}: {again.results[0].summary}")
        recorded = recorded.with_floors(ledger.record(project, again, prune=args.prune))
    for line in recorded.lines():
        print(f"taskbelt: {line}")
    if args.import_baselines:
        for line in ledger.imported(project):
            print(f"taskbelt: {line}")
    return int(ExitCode.OK)


def run_prepare(args: argparse.Namespace) -> int:
    """``prepare [CHECK...]``: create and fill the environments, run no check.

    For CI images and for going offline: afterwards, checks need neither the
    network nor uv's resolver (and the benchmark times environment creation
    apart from the checks this way).
    """
    started = time.perf_counter()
    unknown = [name for name in args.checks if name not in registry.names()]
    if unknown:
        choices = ", ".join(registry.names())
        raise ConfigError(f"unknown check {unknown[0]!r}", f"choose from: {choices}")
    names = list(dict.fromkeys(args.checks)) or [registry.ALL]
    options = execution.Options(jobs=args.jobs, prepare_only=True)
    summary = execution.run(execution.load_project(args.root), names, options)
    return execution.publish(summary, started, args.report)


def validate_config(args: argparse.Namespace) -> int:
    """Load and validate the configuration, run nothing."""
    project = execution.load_project(args.root)
    print(f"{project.root / 'pyproject.toml'}: [tool.taskbelt] is valid")
    return int(ExitCode.OK)


def lock_tools(_: argparse.Namespace) -> int:
    """Re-lock taskbelt's pinned tools."""
    from taskbelt.tools import pins  # noqa: PLC0415

    for path in pins.lock_all():
        print(f"wrote {path}")
    return int(ExitCode.OK)


def install_hooks(args: argparse.Namespace) -> int:
    """Install the pre-commit hook."""
    from taskbelt.commands import git_hook  # noqa: PLC0415

    path = git_hook.install(execution.load_project(args.root))
    print(f"installed the pre-commit hook: {path}")
    return int(ExitCode.OK)


def scan_secrets(args: argparse.Namespace) -> int:
    """Scan for secrets: the tree, or the staged files (the pre-commit hook's)."""
    from taskbelt.commands import scan_secrets as command  # noqa: PLC0415

    result = command.run(execution.load_project(args.root), staged=args.staged)
    if result.output:
        print(result.output)
    print(f"taskbelt: secrets {result.status.value}: {result.summary}")
    return int(
        {Status.PASSED: ExitCode.OK, Status.FAILED: ExitCode.FAILED}.get(
            result.status, ExitCode.USAGE  # could not look: never a pass
        )
    )


def run_update(args: argparse.Namespace) -> int:
    """Move taskbelt's checkout and show what changed."""
    from taskbelt.commands import update  # noqa: PLC0415

    done = update.update(defaults.TASKBELT_HOME, args.ref)
    if done.old == done.new:
        print(f"taskbelt is already at {done.target} ({done.new[:12]})")
        return int(ExitCode.OK)
    print(f"taskbelt moved from {done.old[:12]} to {done.target} ({done.new[:12]})")
    if done.changelog:
        print("CHANGELOG.md, new lines:")
        for line in done.changelog:
            print(f"  {line}")
    home = defaults.TASKBELT_HOME
    print(f"next: git add {home} && git commit -m 'Update taskbelt to {done.target}'")
    return int(ExitCode.OK)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "container": container_cli.run,
    "hooks": install_hooks,
    "secrets": scan_secrets,
    "update": run_update,
    "check": run_named,
    "run": run_named,
    "prepare": run_prepare,
    "ledger": run_ledger,
    "init": init,
    "doctor": run_doctor,
    "python-sync": python_sync,
    "validate-config": validate_config,
    "lock-tools": lock_tools,
}


def dispatch(args: argparse.Namespace) -> int:
    """Run the chosen command."""
    return COMMANDS[args.command](args)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: returns the process exit status."""
    return exit_status.guard(lambda: _parse_and_dispatch(argv))


def _parse_and_dispatch(argv: Sequence[str] | None) -> int:
    args = parse_args(argv)
    console.setup_logging(verbose=args.verbose)
    return dispatch(args)
