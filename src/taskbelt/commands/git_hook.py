"""``hooks``: a git pre-commit hook: lint and format check of staged Python files, and secrets.

The hook is a short shell script: it asks git for the staged ``.py`` files
and runs ruff and the repository's formatter on just those, from a tool
environment prepared at install time, so a small commit is checked in a
fraction of a second (no Python start-up, no configuration loading). It
checks the files as they are in the working tree. Then, for every staged
file, ``taskbelt secrets --staged`` reads the index's version as the audit
would (:mod:`taskbelt.commands.scan_secrets`; the audit tools are made at
install time too): that one needs taskbelt's settings, so it starts Python.
It refuses to replace a hook it did not write, and re-running ``mise run
hooks`` refreshes its own.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from taskbelt import proc
from taskbelt.checks import formatting
from taskbelt.checks.base import CheckContext
from taskbelt.checks.lint import check as lint
from taskbelt.environments import create
from taskbelt.errors import ProjectError
from taskbelt.files import write_atomic
from taskbelt.repository.project import Project
from taskbelt.state import folder

MARKER = "# installed by taskbelt (mise run hooks)"


def hook_path(root: Path) -> Path:
    """Where git runs the pre-commit hook from (honours core.hooksPath)."""
    done = proc.run(["git", "rev-parse", "--git-path", "hooks/pre-commit"], cwd=root, ok=None)
    if done.returncode != 0:
        raise ProjectError(f"{root} is not a git repository", "run git init first")
    return (root / done.stdout.strip()).resolve()


def script(project: Project, tools_bin: Path) -> str:
    """The hook's text, with every path and option fixed now."""
    ctx = CheckContext(project=project, tools_bin=tools_bin)
    tools = project.tools
    ruff = shlex.quote(str(tools_bin / "ruff"))
    lint_cmd = (
        f"{ruff} check --force-exclude --no-fix --output-format concise --quiet "
        f"{shlex.join([*lint.config_args(ctx), *tools.linter.hook_args])}"
    )
    if tools.formatter.tool == "ruff":
        fmt_cmd = (
            f"{ruff} format --check --force-exclude "
            f"{shlex.join([*formatting.config_args(ctx), *tools.formatter.hook_args])}"
        )
    else:
        black = shlex.quote(str(tools_bin / "black"))
        fmt_cmd = f"{black} --check --force-exclude {shlex.join(tools.formatter.hook_args)}"
    secrets_cmd = f"{shlex.quote(sys.executable)} -m taskbelt secrets --staged"
    caches = "\n".join(
        f"export {name}={shlex.quote(value)}" for name, value in formatting.tool_env(ctx).items()
    )
    return f"""#!/usr/bin/env bash
{MARKER}: lint and format check of the staged Python files.
# Re-run `mise run hooks` after changing the formatter or linter configuration.
set -euo pipefail
files=()
while IFS= read -r -d '' file; do files+=("$file"); done < <(
    git diff --cached --name-only --diff-filter=ACMR -z -- '*.py' '*.pyi'
)
[ -z "$(git diff --cached --name-only --diff-filter=ACMR)" ] && exit 0
{caches}
status=0
if [ "${{#files[@]}}" -gt 0 ]; then
    {lint_cmd} -- "${{files[@]}}" || status=1
    {fmt_cmd} -- "${{files[@]}}" || status=1
fi
{secrets_cmd} || status=1
if [ "$status" -ne 0 ]; then
    echo "taskbelt pre-commit: fix the findings above (mise run fix; a secret: remove it," >&2
    echo "or mark a fake one '# pragma: allowlist secret'), then commit again" >&2
fi
exit "$status"
"""


def install(project: Project) -> Path:
    """Prepare the tool environment and write the hook; returns its path."""
    path = hook_path(project.root)
    if path.exists() and MARKER not in path.read_text(encoding="utf-8", errors="replace"):
        raise ProjectError(
            f"{path} exists and was not written by taskbelt; not replacing it",
            "merge it by hand (call the tools from your hook) or move it away and run again",
        )
    folder.prepare(project.state_dir)
    venv = create.tool_env(project, formatting.CHECK.tools)  # the format check's own
    create.tool_env(project, "audit")  # the secrets scan's, made now: not at the first commit
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, script(project, venv / "bin"))
    path.chmod(0o755)
    return path
