"""The shell scripts of CI files, with where each one starts, for shellcheck.

Every ``run:`` step of a GitHub workflow that runs in bash or sh, and each
GitLab job's ``before_script``, ``script`` and ``after_script`` (one script
each, ``!reference`` items left out), with ``${{ ... }}`` and ``$[[ ... ]]``
expressions replaced by a placeholder so that shellcheck reads plain shell.
Line numbers are those of the YAML file, so a finding points at the line to
edit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

#: Stands in for a ``${{ ... }}`` or ``$[[ ... ]]`` expression in a script.
PLACEHOLDER = "TASKBELT_EXPRESSION"
_GITHUB_EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.S)
_GITLAB_EXPRESSION = re.compile(r"\$\[\[.*?\]\]", re.S)
_GITLAB_SCRIPT_KEYS = ("before_script", "script", "after_script")
_GITLAB_NOT_JOBS = frozenset(
    {"default", "include", "stages", "variables", "workflow", "image", "services", "cache"}
)


@dataclass(frozen=True)
class Script:
    """One shell script found in a CI file, with where it came from."""

    source: Path
    where: str
    line: int
    text: str
    shell: str = "bash"


def split_component(text: str) -> list[str]:
    """A CI file's YAML documents as separate texts (a component has a spec and jobs)."""
    parts = re.split(r"^---[ \t]*$", text, flags=re.M)
    return [part.strip("\n") + "\n" for part in parts if part.strip()]


def _mark_line(node: yaml.Node) -> int:
    """The 1-based line where a scalar's text starts (block scalars: the next line)."""
    line = node.start_mark.line + 1
    return line + 1 if isinstance(node, yaml.ScalarNode) and node.style in {"|", ">"} else line


def _mapping(node: yaml.Node | None) -> dict[str, yaml.Node]:
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): v for k, v in node.value if isinstance(k, yaml.ScalarNode)}


def github_scripts(path: Path) -> Iterator[Script]:
    """Every ``run:`` of a workflow, with expressions replaced by a placeholder."""
    root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    top = _mapping(root)
    default_shell = _mapping(_mapping(top.get("defaults")).get("run")).get("shell")
    for job_id, job_node in _mapping(top.get("jobs")).items():
        job = _mapping(job_node)
        job_shell = _mapping(_mapping(job.get("defaults")).get("run")).get("shell")
        steps = job.get("steps")
        if not isinstance(steps, yaml.SequenceNode):
            continue
        for index, step_node in enumerate(steps.value, start=1):
            step = _mapping(step_node)
            run = step.get("run")
            if not isinstance(run, yaml.ScalarNode):
                continue
            shell_node = step.get("shell") or job_shell or default_shell
            shell = str(shell_node.value) if isinstance(shell_node, yaml.ScalarNode) else "bash"
            if shell.split()[0] not in {"bash", "sh"}:
                continue
            name = step.get("name")
            label = str(name.value) if isinstance(name, yaml.ScalarNode) else f"step {index}"
            yield Script(
                path,
                f"jobs.{job_id} step {index} ({label})",
                _mark_line(run),
                _GITHUB_EXPRESSION.sub(PLACEHOLDER, str(run.value)),
                "sh" if shell.split()[0] == "sh" else "bash",
            )


def _script_lines(node: yaml.Node) -> list[tuple[int, str]]:
    if isinstance(node, yaml.ScalarNode):
        return [(_mark_line(node), str(node.value))]
    if isinstance(node, yaml.SequenceNode):
        return [
            (_mark_line(item), str(item.value)) for item in node.value if item.tag != "!reference"
        ]
    return []


def gitlab_scripts(path: Path) -> Iterator[Script]:
    """Each GitLab job's before_script, script and after_script, as one script each."""
    text = path.read_text(encoding="utf-8")
    offset = 0
    for document in split_component(text):
        start = text.index(document.strip("\n"), offset)
        first_line = text.count("\n", 0, start)
        offset = start + len(document.strip("\n"))
        # compose() builds nodes only, so GitLab's `!reference` tags need no constructor.
        root = yaml.compose(document, Loader=yaml.SafeLoader)
        for job_id, job_node in _mapping(root).items():
            if job_id in _GITLAB_NOT_JOBS or job_id == "spec":
                continue
            job = _mapping(job_node)
            for key in _GITLAB_SCRIPT_KEYS:
                node = job.get(key)
                if node is None:
                    continue
                lines = _script_lines(node)
                if not lines:
                    continue
                body = "\n".join(line for _, line in lines)
                yield Script(
                    path,
                    f"{job_id}.{key}",
                    lines[0][0] + first_line,
                    _GITLAB_EXPRESSION.sub(PLACEHOLDER, body),
                    "sh",
                )
