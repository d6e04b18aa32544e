"""A fake GitHub Actions runner: runs a workflow's jobs on this machine.

THIS IS NOT GITHUB'S RUNNER. These machines cannot reach GitHub, so GitHub's
runner cannot exist here; this harness imitates the parts of it that
taskbelt's reusable workflow relies on, so that the workflow's own scripts and
the tasks they call run for real against a throwaway repository:

- each job (each matrix leg) gets a fresh workspace and runner temp folder, and
  the GITHUB_* / RUNNER_* environment, with the files GITHUB_OUTPUT, GITHUB_ENV,
  GITHUB_PATH and GITHUB_STEP_SUMMARY (fresh for every step, read back after it);
- ``${{ }}`` expressions are evaluated by a small evaluator (literals, contexts,
  ``! && || == != < <= > >=``, ``fromJSON toJSON format contains startsWith
  endsWith join success always failure cancelled``);
- ``run:`` steps run with ``bash --noprofile --norc -eo pipefail`` (``shell: bash``)
  or ``bash -e`` (no shell given), as GitHub's Ubuntu runners do; their
  ``::error``/``::warning`` lines are collected as annotations;
- each ``uses:`` step is stood in for: checkout copies the repository (the
  caller's, or taskbelt's working tree for ``job.workflow_repository``) and
  refuses to keep credentials; mise-action and setup-uv only check that the tool
  is on PATH; upload-artifact and download-artifact copy to and from a local
  folder (hidden files only with ``include-hidden-files``, one upload per name);
  upload-sarif checks the file is SARIF 2.1.0 and records it.

What it does not do: containers, services, caches, ``hashFiles``, secrets,
concurrency, or anything on GitHub's side (permissions are not enforced: the
structure tests check them). Jobs run one after another in ``needs`` order.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# --------------------------------------------------------------------------- expressions

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>-?(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?(?:[eE][-+]?\d+)?))
      | (?P<string>'(?:[^']|'')*')
      | (?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\],.*])
      | (?P<name>[A-Za-z_][A-Za-z0-9_-]*)
    )""",
    re.X,
)


class ExpressionError(ValueError):
    """An expression the evaluator cannot read."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ExpressionError(f"cannot read {text[pos:]!r} in {text!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind)))
        pos = match.end()
    return out


def _to_number(value: Any) -> float:  # noqa: PLR0911 - one return per type
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return 0.0
        try:
            return float(int(text, 16)) if text.lower().startswith("0x") else float(text)
        except ValueError:
            return math.nan
    return math.nan


def truthy(value: Any) -> bool:
    """GitHub's truthiness: false, 0, '', null and NaN are falsy."""
    if isinstance(value, float) and math.isnan(value):
        return False
    return value not in (None, False, 0, "")


def _equal(left: Any, right: Any) -> bool:
    if type(left) is type(right) or (
        isinstance(left, int | float)
        and isinstance(right, int | float)
        and not isinstance(left, bool)
        and not isinstance(right, bool)
    ):
        if isinstance(left, str):
            return left.lower() == right.lower()
        return bool(left == right)
    if isinstance(left, dict | list) or isinstance(right, dict | list):
        return False
    return _to_number(left) == _to_number(right)


def to_string(value: Any) -> str:
    """How GitHub renders a value inside a string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, indent=2)
    return str(value)


class _Parser:
    def __init__(self, text: str, contexts: Mapping[str, Any], functions: Mapping[str, Any]):
        self.tokens = _tokens(text)
        self.pos = 0
        self.contexts = contexts
        self.functions = functions
        self.text = text

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise ExpressionError(f"expected {value or 'more'} in {self.text!r}")
        self.pos += 1
        return token

    def parse(self) -> Any:
        value = self.or_()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()} in {self.text!r}")
        return value

    def or_(self) -> Any:
        value = self.and_()
        while self.peek() == ("op", "||"):
            self.take()
            right = self.and_()
            value = value if truthy(value) else right
        return value

    def and_(self) -> Any:
        value = self.equality()
        while self.peek() == ("op", "&&"):
            self.take()
            right = self.equality()
            value = right if truthy(value) else value
        return value

    def equality(self) -> Any:
        value = self.comparison()
        while self.peek() in {("op", "=="), ("op", "!=")}:
            op = self.take()[1]
            right = self.comparison()
            value = _equal(value, right) if op == "==" else not _equal(value, right)
        return value

    def comparison(self) -> Any:
        value = self.unary()
        while self.peek() in {("op", "<"), ("op", "<="), ("op", ">"), ("op", ">=")}:
            op = self.take()[1]
            right = self.unary()
            a, b = _to_number(value), _to_number(right)
            value = {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
        return value

    def unary(self) -> Any:
        if self.peek() == ("op", "!"):
            self.take()
            return not truthy(self.unary())
        return self.postfix(self.primary())

    def primary(self) -> Any:  # noqa: PLR0911 - one return per kind of token
        kind, value = self.take()
        if kind == "number":
            number = float(int(value, 16)) if value.lower().startswith("0x") else float(value)
            return int(number) if number.is_integer() else number
        if kind == "string":
            return value[1:-1].replace("''", "'")
        if (kind, value) == ("op", "("):
            inner = self.or_()
            self.take(")")
            return inner
        if kind != "name":
            raise ExpressionError(f"unexpected {value!r} in {self.text!r}")
        if value in {"true", "false"}:
            return value == "true"
        if value == "null":
            return None
        if self.peek() == ("op", "("):
            self.take()
            args: list[Any] = []
            while self.peek() != ("op", ")"):
                args.append(self.or_())
                if self.peek() == ("op", ","):
                    self.take()
            self.take(")")
            function = self.functions.get(value.lower())
            if function is None:
                raise ExpressionError(f"the harness has no function {value}()")
            return function(*args)
        if value not in self.contexts:
            raise ExpressionError(f"unknown context {value!r} in {self.text!r}")
        return self.contexts[value]

    def postfix(self, value: Any) -> Any:
        while self.peek() in {("op", "."), ("op", "[")}:
            op = self.take()[1]
            if op == ".":
                key = self.take()[1]
            else:
                key = self.or_()
                self.take("]")
            if key == "*":
                items = value.values() if isinstance(value, dict) else value or []
                value = list(items)
            elif isinstance(value, dict):
                match = [v for k, v in value.items() if str(k).lower() == str(key).lower()]
                value = match[0] if match else None
            elif isinstance(value, list) and isinstance(key, int | float):
                index = int(key)
                value = value[index] if 0 <= index < len(value) else None
            else:
                value = None
        return value


def _format(template: str, *args: Any) -> str:
    return re.sub(
        r"\{\{|\}\}|\{(\d+)\}",
        lambda m: (
            "{"
            if m.group(0) == "{{"
            else "}" if m.group(0) == "}}" else to_string(args[int(m.group(1))])
        ),
        template,
    )


def _contains(haystack: Any, needle: Any) -> bool:
    if isinstance(haystack, list):
        return any(_equal(item, needle) for item in haystack)
    return to_string(needle).lower() in to_string(haystack).lower()


def evaluate(text: str, contexts: Mapping[str, Any], status: Mapping[str, bool]) -> Any:
    """Evaluate one expression (without the ``${{ }}``)."""
    functions: dict[str, Callable[..., Any]] = {
        "fromjson": json.loads,
        "tojson": lambda v: json.dumps(v, indent=2),
        "format": _format,
        "contains": _contains,
        "startswith": lambda a, b: to_string(a).lower().startswith(to_string(b).lower()),
        "endswith": lambda a, b: to_string(a).lower().endswith(to_string(b).lower()),
        "join": lambda items, sep=",": to_string(sep).join(to_string(i) for i in items or []),
        "success": lambda: status["success"],
        "failure": lambda: status["failure"],
        "always": lambda: True,
        "cancelled": lambda: False,
    }
    return _Parser(text, contexts, functions).parse()


_EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
#: A value that is one expression and nothing else.
_LONE = r"\s*\$\{\{((?:(?!\}\}).)*)\}\}\s*"


def interpolate(value: Any, contexts: Mapping[str, Any], status: Mapping[str, bool]) -> Any:
    """Expand ``${{ }}`` in a value: a lone expression keeps its type; else a string."""
    if isinstance(value, dict):
        return {k: interpolate(v, contexts, status) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, contexts, status) for v in value]
    if not isinstance(value, str):
        return value
    lone = re.fullmatch(_LONE, value, re.S)
    if lone:
        return evaluate(lone.group(1), contexts, status)
    return _EXPRESSION.sub(lambda m: to_string(evaluate(m.group(1), contexts, status)), value)


def condition(value: Any, contexts: Mapping[str, Any], status: Mapping[str, bool]) -> bool:
    """An ``if:``: with or without ``${{ }}``; a status function is implied if none is used."""
    if value is None:
        return status["success"]
    if isinstance(value, bool):
        return value and status["success"]
    text = str(value).strip()
    lone = re.fullmatch(_LONE, text, re.S)
    expression = lone.group(1) if lone else text
    if not re.search(r"\b(success|failure|always|cancelled)\s*\(", expression):
        expression = f"success() && ({expression})"
    return truthy(evaluate(expression, contexts, status))


# --------------------------------------------------------------------------- results


@dataclass
class Annotation:
    """One ``::error``/``::warning``/``::notice`` workflow command a step printed."""

    level: str
    properties: dict[str, str]
    message: str
    step: str

    @staticmethod
    def parse(line: str, step: str) -> Annotation | None:
        match = re.match(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$", line.strip())
        if not match:
            return None

        def unescape(text: str) -> str:
            return (
                text.replace("%0D", "\r")
                .replace("%0A", "\n")
                .replace("%3A", ":")
                .replace("%2C", ",")
                .replace("%25", "%")
            )

        props = {}
        for part in (match.group(2) or "").split(","):
            if "=" in part:
                key, _, raw = part.partition("=")
                props[key.strip()] = unescape(raw)
        return Annotation(match.group(1), props, unescape(match.group(3)), step)


@dataclass
class StepResult:
    """What one step did."""

    name: str
    id: str
    outcome: str
    outputs: dict[str, str] = field(default_factory=dict)
    log: str = ""


@dataclass
class JobResult:
    """What one job (or one matrix leg) did."""

    job_id: str
    name: str
    result: str
    outputs: dict[str, str] = field(default_factory=dict)
    steps: list[StepResult] = field(default_factory=list)
    summary: str = ""
    annotations: list[Annotation] = field(default_factory=list)
    matrix: dict[str, Any] = field(default_factory=dict)
    workspace: Path | None = None

    @property
    def log(self) -> str:
        """Every step's log, headed by the step name."""
        return "\n".join(f"=== {s.name} [{s.outcome}]\n{s.log}" for s in self.steps)

    def step(self, name_or_id: str) -> StepResult:
        """The step with this id or name."""
        for step in self.steps:
            if name_or_id in {step.id, step.name}:
                return step
        raise KeyError(name_or_id)


@dataclass
class WorkflowResult:
    """Every job's legs, and the workflow's ``workflow_call`` outputs."""

    jobs: dict[str, list[JobResult]]
    outputs: dict[str, Any]
    artifacts: Path

    def job(self, job_id: str) -> JobResult:
        """The single leg of a job without a matrix (or the first leg)."""
        return self.jobs[job_id][0]


# --------------------------------------------------------------------------- the runner


def workflow_on(document: Mapping[Any, Any]) -> Any:
    """The ``on:`` table (YAML 1.1 reads the key ``on`` as the boolean true)."""
    return document.get("on", document.get(True))


def _copy_tree(source: Path, target: Path, skip: Iterable[str] = ()) -> None:
    skipped = set(skip)

    def ignore(folder: str, names: list[str]) -> set[str]:
        rel = Path(folder).relative_to(source)
        return {n for n in names if n in skipped and rel == Path()} | {
            n for n in names if n in {"__pycache__", ".venv", ".mypy_cache", ".ruff_cache"}
        }

    shutil.copytree(source, target, symlinks=True, ignore=ignore, dirs_exist_ok=True)


@dataclass
class Harness:
    """Runs one workflow file's jobs against a repository, on this machine.

    Args:
        workflow: the workflow file (``on: workflow_call``).
        repository: the calling repository (a git repository; copied for each job).
        taskbelt: the folder checked out for ``repository: ${{ job.workflow_repository }}``.
        base: an empty folder for workspaces, runner temp folders and artifacts.
        inputs: the ``with:`` of the caller.
        env: the machine's environment for every step (default: this process's).
    """

    workflow: Path
    repository: Path
    taskbelt: Path
    base: Path
    inputs: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    caller_repository: str = "acme/consumer"
    workflow_repository: str = "acme/taskbelt"
    workflow_sha: str = "0" * 40
    uploaded_sarif: list[Path] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.document = yaml.safe_load(self.workflow.read_text(encoding="utf-8"))
        self.artifacts = self.base / "artifacts"
        self.artifacts.mkdir(parents=True, exist_ok=True)
        self.caller_sha = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=self.repository,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    # ------------------------------------------------------------------ contexts

    def typed_inputs(self) -> dict[str, Any]:
        """The caller's inputs over the declared defaults, checked against their types."""
        declared = workflow_on(self.document)["workflow_call"].get("inputs", {})
        unknown = set(self.inputs) - set(declared)
        if unknown:
            raise ValueError(f"inputs the workflow does not declare: {sorted(unknown)}")
        values = {}
        for name, spec in declared.items():
            value = self.inputs.get(name, spec.get("default"))
            if value is None and spec.get("required"):
                raise ValueError(f"required input {name} not given")
            kind = spec["type"]
            expected = {"string": str, "boolean": bool, "number": int | float}[kind]
            if value is not None and not isinstance(value, expected):
                raise TypeError(f"input {name} must be a {kind}, got {value!r}")
            values[name] = (
                value if value is not None else {"string": "", "boolean": False}.get(kind, 0)
            )
        return values

    def github_context(self, workspace: Path) -> dict[str, Any]:
        return {
            "workspace": str(workspace),
            "repository": self.caller_repository,
            "repository_owner": self.caller_repository.split("/")[0],
            "sha": self.caller_sha,
            "ref": "refs/heads/main",
            "ref_name": "main",
            "event_name": "push",
            "server_url": "https://github.com",
            "run_id": "1",
            "run_attempt": "1",
            "actor": "harness",
            "workflow": "caller",
            "workflow_ref": f"{self.caller_repository}/.github/workflows/ci.yml@refs/heads/main",
            "workflow_sha": self.caller_sha,
            "job_workflow_sha": self.workflow_sha,
            "token": "",
        }

    # ------------------------------------------------------------------ jobs

    def order(self) -> list[str]:
        """Jobs in an order where every job comes after what it needs."""
        jobs = self.document["jobs"]
        done: list[str] = []
        while len(done) < len(jobs):
            ready = [
                j for j in jobs if j not in done and all(n in done for n in self._needs(jobs[j]))
            ]
            if not ready:
                raise ValueError("needs form a cycle")
            done += ready
        return done

    @staticmethod
    def _needs(job: Mapping[str, Any]) -> list[str]:
        needs = job.get("needs", [])
        return [needs] if isinstance(needs, str) else list(needs)

    def run(
        self,
        only: Iterable[str] | None = None,
        given: Mapping[str, JobResult] | None = None,
    ) -> WorkflowResult:
        """Run every job, or those in ``only``: the others are ``given`` or count as skipped."""
        selected = set(only) if only is not None else None
        results: dict[str, list[JobResult]] = {}
        inputs = self.typed_inputs()
        for job_id in self.order():
            job = self.document["jobs"][job_id]
            if given and job_id in given:
                results[job_id] = [given[job_id]]
                continue
            if selected is not None and job_id not in selected:
                results[job_id] = [JobResult(job_id, job_id, "skipped")]
                continue
            results[job_id] = self.run_job(job_id, job, inputs, results)
        jobs_context = {
            j: {"result": self._aggregate(r), "outputs": r[-1].outputs} for j, r in results.items()
        }
        outputs = {
            name: interpolate(
                spec["value"],
                {"jobs": jobs_context, "inputs": inputs},
                {"success": True, "failure": False},
            )
            for name, spec in workflow_on(self.document)["workflow_call"].get("outputs", {}).items()
        }
        return WorkflowResult(results, outputs, self.artifacts)

    @staticmethod
    def _aggregate(legs: list[JobResult]) -> str:
        results = {leg.result for leg in legs}
        for verdict in ("failure", "cancelled", "success"):
            if verdict in results:
                return verdict
        return "skipped"

    def run_job(
        self,
        job_id: str,
        job: Mapping[str, Any],
        inputs: Mapping[str, Any],
        previous: Mapping[str, list[JobResult]],
    ) -> list[JobResult]:
        """Run every matrix leg of one job."""
        needs = {
            n: {"result": self._aggregate(previous[n]), "outputs": previous[n][-1].outputs}
            for n in self._needs(job)
        }
        all_needed_ok = all(n["result"] == "success" for n in needs.values())
        status = {"success": all_needed_ok, "failure": not all_needed_ok}
        base_contexts = {
            "inputs": inputs,
            "needs": needs,
            "vars": {},
            "secrets": {},
            "github": self.github_context(self.base),
        }
        if not condition(job.get("if"), base_contexts, status):
            return [JobResult(job_id, str(job.get("name", job_id)), "skipped")]
        legs = self._matrix(job, base_contexts, status)
        return [self._run_leg(job_id, job, inputs, needs, leg) for leg in legs]

    @staticmethod
    def _matrix(
        job: Mapping[str, Any], contexts: Mapping[str, Any], status: Mapping[str, bool]
    ) -> list[dict[str, Any]]:
        matrix = (job.get("strategy") or {}).get("matrix")
        if matrix is None:
            return [{}]
        matrix = interpolate(matrix, contexts, status)
        axes = {k: v for k, v in matrix.items() if k not in {"include", "exclude"}}
        if any(not isinstance(v, list) for v in axes.values()):
            raise ValueError(f"a matrix axis is not a list: {axes}")
        legs = [dict(zip(axes, combo, strict=True)) for combo in itertools.product(*axes.values())]
        if matrix.get("include") or matrix.get("exclude"):
            raise ValueError("the harness does not expand matrix include/exclude")
        return legs

    def _run_leg(
        self,
        job_id: str,
        job: Mapping[str, Any],
        inputs: Mapping[str, Any],
        needs: Mapping[str, Any],
        matrix: dict[str, Any],
    ) -> JobResult:
        leg = "-".join(str(v) for v in matrix.values())
        home = self.base / "jobs" / (f"{job_id}-{leg}" if leg else job_id)
        workspace = home / "workspace"
        temp = home / "temp"
        workspace.mkdir(parents=True)
        temp.mkdir()
        runner = {"os": "Linux", "arch": "X64", "temp": str(temp), "tool_cache": str(temp)}
        github = self.github_context(workspace)
        job_env: dict[str, str] = {}
        contexts: dict[str, Any] = {
            "inputs": inputs,
            "needs": needs,
            "matrix": matrix,
            "strategy": {"fail-fast": False, "job-index": 0, "job-total": 1},
            "github": github,
            "runner": runner,
            "vars": {},
            "secrets": {},
            "job": {
                "status": "success",
                "workflow_repository": self.workflow_repository,
                "workflow_sha": self.workflow_sha,
                "workflow_ref": f"{self.workflow_repository}/{self.workflow.name}@refs/heads/main",
                "workflow_file_path": f".github/workflows/{self.workflow.name}",
            },
            "steps": {},
            "env": {},
        }
        status = {"success": True, "failure": False}
        name = to_string(interpolate(job.get("name", job_id), contexts, status))
        result = JobResult(job_id, name, "success", matrix=matrix, workspace=workspace)
        workflow_env = interpolate(self.document.get("env", {}), contexts, status)
        contexts["env"] = {**workflow_env}
        job_env = {**workflow_env, **interpolate(job.get("env", {}), contexts, status)}
        contexts["env"] = dict(job_env)
        defaults = {
            **((self.document.get("defaults") or {}).get("run") or {}),
            **((job.get("defaults") or {}).get("run") or {}),
        }
        defaults = interpolate(defaults, contexts, status)
        extra_path: list[str] = []
        timeout = float(job.get("timeout-minutes", 360)) * 60
        for index, step in enumerate(job.get("steps", []), start=1):
            step_id = str(step.get("id", f"__step{index}"))
            step_name = to_string(
                interpolate(
                    step.get("name", step.get("uses", step.get("run", ""))), contexts, status
                )
            )
            if not condition(step.get("if"), contexts, status):
                result.steps.append(StepResult(step_name, step_id, "skipped"))
                contexts["steps"][step_id] = {
                    "outputs": {},
                    "outcome": "skipped",
                    "conclusion": "skipped",
                }
                continue
            step_env = {**job_env, **interpolate(step.get("env", {}), contexts, status)}
            if "uses" in step:
                with_ = interpolate(step.get("with", {}), contexts, status)
                outcome, log = self._uses(str(step["uses"]), with_, workspace, contexts)
                outputs: dict[str, str] = {}
            else:
                outcome, log, outputs, new_env, new_path, summary, notes = self._run(
                    str(step["run"]),
                    step=step,
                    defaults=defaults,
                    step_env=step_env,
                    workspace=workspace,
                    temp=temp,
                    github=github,
                    extra_path=extra_path,
                    timeout=timeout,
                )
                job_env.update(new_env)
                extra_path = new_path + extra_path
                result.summary += summary
                result.annotations += [
                    a for line in notes if (a := Annotation.parse(line, step_name)) is not None
                ]
            contexts["env"] = dict(job_env)
            contexts["steps"][step_id] = {
                "outputs": outputs,
                "outcome": outcome,
                "conclusion": outcome,
            }
            result.steps.append(StepResult(step_name, step_id, outcome, outputs, log))
            if outcome != "success":
                status = {"success": False, "failure": True}
                result.result = "failure"
                contexts["job"]["status"] = "failure"
        result.outputs = {
            k: to_string(interpolate(v, contexts, {"success": True, "failure": False}))
            for k, v in (job.get("outputs") or {}).items()
        }
        return result

    # ------------------------------------------------------------------ run: steps

    def _run(
        self,
        script: str,
        *,
        step: Mapping[str, Any],
        defaults: Mapping[str, Any],
        step_env: Mapping[str, str],
        workspace: Path,
        temp: Path,
        github: Mapping[str, Any],
        extra_path: list[str],
        timeout: float,
    ) -> tuple[str, str, dict[str, str], dict[str, str], list[str], str, list[str]]:
        if "${{" in script:
            raise ValueError(
                f"an expression inside run: would be expanded into the script: {script!r}"
            )
        shell = step.get("shell", defaults.get("shell"))
        if shell not in (None, "bash"):
            raise ValueError(f"the harness runs bash only, not {shell!r}")
        argv = (
            ["bash", "--noprofile", "--norc", "-eo", "pipefail"]
            if shell == "bash"
            else ["bash", "-e"]
        )
        directory = step.get("working-directory", defaults.get("working-directory", "."))
        cwd = (workspace / str(directory)).resolve()
        token = uuid.uuid4().hex
        files = {
            key: temp / f"{key.lower()}-{token}"
            for key in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH", "GITHUB_STEP_SUMMARY")
        }
        for path in files.values():
            path.write_text("", encoding="utf-8")
        script_file = temp / f"step-{token}.sh"
        script_file.write_text(script, encoding="utf-8")
        env = {
            **self.env,
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_WORKSPACE": str(workspace),
            "GITHUB_REPOSITORY": str(github["repository"]),
            "GITHUB_SHA": str(github["sha"]),
            "GITHUB_REF": str(github["ref"]),
            "GITHUB_EVENT_NAME": str(github["event_name"]),
            "GITHUB_SERVER_URL": str(github["server_url"]),
            "GITHUB_RUN_ID": str(github["run_id"]),
            "GITHUB_WORKFLOW_REF": str(github["workflow_ref"]),
            "RUNNER_OS": "Linux",
            "RUNNER_TEMP": str(temp),
            **{k: str(v) for k, v in step_env.items()},
            **{k: str(v) for k, v in files.items()},
        }
        env["PATH"] = os.pathsep.join([*extra_path, env.get("PATH", "")])
        try:
            done = subprocess.run(
                [*argv, str(script_file)],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
            log = done.stdout + done.stderr
            outcome = "success" if done.returncode == 0 else "failure"
        except subprocess.TimeoutExpired as exc:
            log = f"{exc.stdout or ''}{exc.stderr or ''}\n(timed out after {timeout:g} s)"
            outcome = "failure"
        notes = [line for line in log.splitlines() if line.startswith("::")]
        return (
            outcome,
            log,
            _key_values(files["GITHUB_OUTPUT"].read_text(encoding="utf-8")),
            _key_values(files["GITHUB_ENV"].read_text(encoding="utf-8")),
            [p for p in files["GITHUB_PATH"].read_text(encoding="utf-8").splitlines() if p][::-1],
            files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8"),
            notes,
        )

    # ------------------------------------------------------------------ uses: steps

    def _uses(
        self, uses: str, with_: Mapping[str, Any], workspace: Path, contexts: Mapping[str, Any]
    ) -> tuple[str, str]:
        action, _, ref = uses.partition("@")
        if not re.fullmatch(r"[0-9a-f]{40}", ref):
            return "failure", f"{uses}: not pinned to a full commit SHA"
        stand_ins: dict[str, Callable[[Mapping[str, Any], Path, Mapping[str, Any]], str]] = {
            "actions/checkout": self._checkout,
            "jdx/mise-action": lambda w, ws, c: self._on_path("mise"),
            "astral-sh/setup-uv": lambda w, ws, c: self._on_path("uv"),
            "actions/upload-artifact": self._upload,
            "actions/download-artifact": self._download,
            "github/codeql-action/upload-sarif": self._upload_sarif,
        }
        stand_in = stand_ins.get(action)
        if stand_in is None:
            return "failure", f"the harness has no stand-in for {action}"
        try:
            return "success", stand_in(with_, workspace, contexts)
        except (OSError, ValueError) as exc:
            return "failure", f"{action}: {exc}"

    def _on_path(self, tool: str) -> str:
        found = shutil.which(tool, path=self.env.get("PATH"))
        if found is None:
            raise ValueError(f"{tool} is not on PATH")
        return f"{tool}: {found}"

    def _checkout(
        self, with_: Mapping[str, Any], workspace: Path, contexts: Mapping[str, Any]
    ) -> str:
        if to_string(with_.get("persist-credentials")) != "false":
            raise ValueError(
                "persist-credentials is not false: the token would stay in .git/config"
            )
        repository = to_string(with_.get("repository")) or self.caller_repository
        target = (workspace / to_string(with_.get("path") or ".")).resolve()
        if not target.is_relative_to(workspace):
            raise ValueError(f"path {target} is outside the workspace")
        if repository == self.workflow_repository:
            if to_string(with_.get("ref")) != self.workflow_sha:
                raise ValueError(
                    f"taskbelt checked out at {with_.get('ref')!r}, not the workflow's commit"
                )
            _copy_tree(self.taskbelt, target, skip={".git", ".taskbelt-cache", ".nox", ".coverage"})
            return f"copied taskbelt ({self.taskbelt}) to {target}"
        if repository != self.caller_repository:
            raise ValueError(f"the harness knows no repository {repository}")
        _copy_tree(self.repository, target, skip={".taskbelt-cache"})
        return f"copied {self.repository} to {target}"

    def _upload(
        self, with_: Mapping[str, Any], workspace: Path, contexts: Mapping[str, Any]
    ) -> str:
        name = to_string(with_.get("name")) or "artifact"
        target = self.artifacts / name
        if target.exists():
            raise ValueError(f"an artifact named {name} was uploaded already")
        hidden = to_string(with_.get("include-hidden-files")) == "true"
        copied = []
        for raw in to_string(with_.get("path")).splitlines():
            if any(c in raw for c in "*?["):  # a glob: the artifact's root is the matches' folder
                files = sorted(p.resolve() for p in workspace.glob(raw.strip()) if p.is_file())
                if not files:
                    continue
                base = Path(os.path.commonpath([f.parent for f in files]))
            else:
                source = (workspace / raw.strip()).resolve()
                if not raw.strip() or not source.exists():
                    continue
                files = (
                    [source] if source.is_file() else [p for p in source.rglob("*") if p.is_file()]
                )
                base = source.parent if source.is_file() else source
            for file in files:
                rel = file.relative_to(workspace)
                if not hidden and any(part.startswith(".") for part in rel.parts):
                    continue
                dest = target / file.relative_to(base)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, dest)
                copied.append(str(file.relative_to(base)))
        if not copied:
            mode = to_string(with_.get("if-no-files-found")) or "warn"
            if mode == "error":
                raise ValueError(f"no files found for artifact {name}")
            return f"::warning::no files found for artifact {name}"
        return f"uploaded {name}: {', '.join(sorted(copied))}"

    def _download(
        self, with_: Mapping[str, Any], workspace: Path, contexts: Mapping[str, Any]
    ) -> str:
        target = (workspace / (to_string(with_.get("path")) or ".")).resolve()
        name = to_string(with_.get("name"))
        if name:
            chosen = [self.artifacts / name]
            if not chosen[0].is_dir():
                raise ValueError(f"no artifact named {name}")
        else:
            pattern = re.escape(to_string(with_.get("pattern")) or "*").replace(r"\*", ".*")
            chosen = sorted(p for p in self.artifacts.iterdir() if re.fullmatch(pattern, p.name))
        merge = to_string(with_.get("merge-multiple")) == "true" or bool(name)
        for artifact in chosen:
            _copy_tree(artifact, target if merge else target / artifact.name)
        return f"downloaded {', '.join(p.name for p in chosen) or 'nothing'} to {target}"

    def _upload_sarif(
        self, with_: Mapping[str, Any], workspace: Path, contexts: Mapping[str, Any]
    ) -> str:
        path = (workspace / to_string(with_.get("sarif_file"))).resolve()
        # a folder: every .sarif file in it, in one upload (as the action does)
        files = sorted(path.rglob("*.sarif")) if path.is_dir() else [path]
        tools: list[str] = []
        for file in files:
            data = json.loads(file.read_text(encoding="utf-8"))
            if data.get("version") != "2.1.0" or not isinstance(data.get("runs"), list):
                raise ValueError(f"{file} is not SARIF 2.1.0")
            tools += [run["tool"]["driver"]["name"] for run in data["runs"]]
        # code scanning refuses two runs of one tool under one category in an upload
        if len(tools) != len(set(tools)):
            raise ValueError(f"two runs of one tool in one upload: {sorted(tools)}")
        self.uploaded_sarif += files
        return f"code scanning would receive {', '.join(f.name for f in files)} ({len(tools)} runs)"


def _key_values(text: str) -> dict[str, str]:
    """Parse a GITHUB_OUTPUT / GITHUB_ENV file (``k=v`` and ``k<<EOF`` blocks)."""
    values: dict[str, str] = {}
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            key, _, delimiter = line.partition("<<")
            body = []
            while index < len(lines) and lines[index] != delimiter:
                body.append(lines[index])
                index += 1
            index += 1
            values[key] = "\n".join(body)
        elif "=" in line:
            key, _, value = line.partition("=")
            values[key] = value
    return values
