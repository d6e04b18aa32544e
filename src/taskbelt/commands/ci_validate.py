"""Validate a repository's CI files without reaching GitHub or GitLab.

``mise run ci:validate`` (and ``python -m taskbelt.commands.ci_validate``) runs:

- ``check-jsonschema`` with its built-in GitHub workflow schema and its
  timeout-requiring schema on every ``.github/workflows/*.yml``, and with its
  GitLab CI schema on ``.gitlab-ci.yml`` and every CI/CD component under
  ``templates/`` (a component's ``spec:`` header and its jobs are two YAML
  documents, validated one at a time);
- ``zizmor --offline --persona auditor`` over ``.github/``, which must report
  nothing; a ``zizmor.yml`` may disable an audit only with a written reason;
- ``shellcheck`` on every ``run:`` script of the workflows and every job's
  ``before_script``/``script``/``after_script`` of the GitLab files, with
  ``${{ ... }}`` and ``$[[ ... ]]`` expressions replaced by placeholders.

Tools are looked up in ``$TASKBELT_CI_TOOLS`` (a folder of executables) first,
then beside the running interpreter, then on PATH. Every process goes through
:func:`taskbelt.proc.run`.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from taskbelt import defaults, proc
from taskbelt.commands.ci_scripts import github_scripts, gitlab_scripts, split_component
from taskbelt.errors import ExitCode, TaskbeltError

ENV_TOOLS = defaults.ENV_CI_TOOLS
GITHUB_SCHEMAS = ("vendor.github-workflows", "custom.github-workflows-require-timeout")
GITLAB_SCHEMA = "vendor.gitlab-ci"
ZIZMOR_CONFIGS = ("zizmor.yml", "zizmor.yaml")
TOOL_TIMEOUT = 300.0


@dataclass
class Outcome:
    """What one validator found: an empty ``problems`` list is a pass."""

    name: str
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when nothing was found."""
        return not self.problems


def workflow_files(root: Path) -> list[Path]:
    """The GitHub workflow files of the repository at ``root``."""
    folder = root / ".github" / "workflows"
    return sorted(p for p in folder.glob("*.y*ml") if p.suffix in {".yml", ".yaml"})


def gitlab_files(root: Path) -> list[Path]:
    """``.gitlab-ci.yml`` and the CI/CD components under ``templates/``."""
    found = [root / ".gitlab-ci.yml"] if (root / ".gitlab-ci.yml").is_file() else []
    templates = root / "templates"
    found += sorted(p for p in templates.glob("*.y*ml") if p.suffix in {".yml", ".yaml"})
    found += sorted(templates.glob("*/template.y*ml"))
    return found


def tool_env(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for the tools: PATH searched in ``$TASKBELT_CI_TOOLS``, then in
    the folder of the running interpreter (the environment with the ``ci`` group), then
    PATH itself."""
    env = dict(os.environ if environ is None else environ)
    extra = [env.get(ENV_TOOLS, "").strip(), str(Path(sys.executable).parent)]
    env["PATH"] = os.pathsep.join([*filter(None, extra), env.get("PATH", "")])
    return env


def require_tools(env: Mapping[str, str], names: Sequence[str]) -> None:
    """Fail with one clear message when a validator tool is missing."""
    missing = [n for n in names if proc.which(n, env.get("PATH")) is None]
    if missing:
        raise TaskbeltError(
            f"{', '.join(missing)} not found (looked in ${ENV_TOOLS} and on PATH)",
            "run through `mise run ci:validate` (installs taskbelt's `ci` dependency group), "
            f"or point {ENV_TOOLS} at a folder holding check-jsonschema, zizmor and shellcheck",
        )


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.strip().splitlines())


def check_schemas(root: Path, env: Mapping[str, str], scratch: Path) -> Outcome:
    """check-jsonschema: GitHub workflows (two schemas) and GitLab files (split)."""
    outcome = Outcome("schema")
    workflows = workflow_files(root)
    for schema in GITHUB_SCHEMAS if workflows else ():
        done = proc.run(
            ["check-jsonschema", "--builtin-schema", schema, *map(str, workflows)],
            cwd=root,
            env=env,
            timeout=TOOL_TIMEOUT,
            ok=None,
        )
        outcome.checked += [f"{_relative(w, root)} ({schema})" for w in workflows]
        if done.returncode != 0:
            outcome.problems.append(f"{schema}:\n{_indent(done.output)}")
    for source in gitlab_files(root):
        documents = split_component(source.read_text(encoding="utf-8"))
        parts = []
        for index, document in enumerate(documents, start=1):
            part = scratch / f"{source.stem}.document-{index}.yml"
            part.write_text(document, encoding="utf-8")
            parts.append(part)
        done = proc.run(
            [
                "check-jsonschema",
                "--builtin-schema",
                GITLAB_SCHEMA,
                "--data-transform",
                "gitlab-ci",
                *map(str, parts),
            ],
            cwd=root,
            env=env,
            timeout=TOOL_TIMEOUT,
            ok=None,
        )
        outcome.checked.append(f"{_relative(source, root)} ({len(parts)} documents)")
        if done.returncode != 0:
            outcome.problems.append(f"{_relative(source, root)}:\n{_indent(done.output)}")
    return outcome


def zizmor_config_problems(config: Path) -> list[str]:
    """Audits a zizmor.yml turns off (``disable: true`` or an ``ignore:`` entry) without a
    written reason: a comment on the line or on the line above."""
    lines = config.read_text(encoding="utf-8").splitlines()
    problems = []
    in_ignore = False
    ignore_indent = 0
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if re.match(r"^ignore:\s*(#.*)?$", stripped):
            in_ignore, ignore_indent = True, indent
            continue
        if in_ignore and stripped and not stripped.startswith("#") and indent <= ignore_indent:
            in_ignore = False
        turns_off = re.match(r"^disable:\s*true\b", stripped) or (
            in_ignore and stripped.startswith("- ")
        )
        if not turns_off:
            continue
        before = lines[number - 2].strip() if number > 1 else ""
        if "#" in stripped or before.startswith("#"):
            continue
        problems.append(
            f"{config.name}:{number}: {stripped!r} turns an audit off without a reason: "
            "add a comment on the line or the line above"
        )
    return problems


def check_zizmor(root: Path, env: Mapping[str, str]) -> Outcome:
    """zizmor, offline, auditor persona: zero findings."""
    outcome = Outcome("zizmor")
    github = root / ".github"
    if not workflow_files(root):
        return outcome
    for name in ZIZMOR_CONFIGS:
        if (github / name).is_file():
            outcome.problems += zizmor_config_problems(github / name)
    done = proc.run(
        ["zizmor", "--offline", "--persona", "auditor", "--no-progress", str(github)],
        cwd=root,
        env={**env, "NO_COLOR": "1"},
        timeout=TOOL_TIMEOUT,
        ok=None,
    )
    outcome.checked.append(_relative(github, root) + "/")
    if done.returncode != 0 or "No findings to report" not in done.output:
        outcome.problems.append(f"zizmor (exit {done.returncode}):\n{_indent(done.output)}")
    return outcome


def check_shell(root: Path, env: Mapping[str, str], scratch: Path) -> Outcome:
    """shellcheck over every script of every CI file."""
    outcome = Outcome("shellcheck")
    scripts = [s for w in workflow_files(root) for s in github_scripts(w)]
    scripts += [s for g in gitlab_files(root) for s in gitlab_scripts(g)]
    for index, script in enumerate(scripts, start=1):
        target = scratch / f"script-{index:03d}.sh"
        # GitHub runs `bash --noprofile --norc -eo pipefail`; GitLab runs each job's
        # lines in one shell (sh or bash, whichever the image has): check as POSIX sh.
        target.write_text(f"#!/usr/bin/env {script.shell}\n{script.text}\n", encoding="utf-8")
        done = proc.run(
            ["shellcheck", "--format=gcc", f"--shell={script.shell}", str(target)],
            cwd=root,
            env=env,
            timeout=TOOL_TIMEOUT,
            ok=None,
        )
        outcome.checked.append(f"{_relative(script.source, root)}: {script.where}")
        if done.returncode != 0:
            findings = []
            for line in done.output.splitlines():
                match = re.match(r"^[^:]+:(\d+):(\d+): (.*)$", line)
                if match:
                    yaml_line = script.line + int(match.group(1)) - 2
                    findings.append(
                        f"{_relative(script.source, root)}:{yaml_line}:{match.group(2)}: "
                        f"{match.group(3)}"
                    )
                else:
                    findings.append(line)
            outcome.problems.append(f"{script.where}:\n{_indent(chr(10).join(findings))}")
    return outcome


def validate(root: Path, environ: Mapping[str, str] | None = None) -> list[Outcome]:
    """Run every validator on the repository at ``root``."""
    env = tool_env(environ)
    require_tools(env, ["check-jsonschema", "zizmor", "shellcheck"])
    with tempfile.TemporaryDirectory(prefix="taskbelt-ci-validate-") as tmp:
        scratch = Path(tmp)
        (scratch / "schema").mkdir()
        (scratch / "shell").mkdir()
        return [
            check_schemas(root, env, scratch / "schema"),
            check_zizmor(root, env),
            check_shell(root, env, scratch / "shell"),
        ]


def render(outcomes: Sequence[Outcome]) -> str:
    """A short report: one line per validator, then every problem."""
    lines = []
    for outcome in outcomes:
        verdict = "passed" if outcome.passed else "failed"
        lines.append(f"{outcome.name:<11} {verdict}  ({len(outcome.checked)} checked)")
    for outcome in outcomes:
        lines += [f"--- {outcome.name} ---\n{problem}" for problem in outcome.problems]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: exit 0 when every validator passed, 1 when one found a problem."""
    parser = argparse.ArgumentParser(prog="ci:validate", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root",
        type=Path,
        default=Path(os.environ.get("TASKBELT_PROJECT_ROOT") or Path.cwd()),
        help="the repository to validate (default: $TASKBELT_PROJECT_ROOT, else here)",
    )
    args = parser.parse_args(argv)
    try:
        outcomes = validate(args.root.resolve())
    except TaskbeltError as exc:
        print(f"taskbelt: error: {exc.cause}", file=sys.stderr)
        if exc.fix:
            print(f"taskbelt: fix: {exc.fix}", file=sys.stderr)
        return int(exc.exit_code)
    print(render(outcomes))
    if not any(o.checked for o in outcomes):
        print("taskbelt: error: no CI files found (.github/workflows, .gitlab-ci.yml, templates/)")
        return int(ExitCode.USAGE)
    return int(ExitCode.OK if all(o.passed for o in outcomes) else ExitCode.FAILED)


if __name__ == "__main__":
    sys.exit(main())
