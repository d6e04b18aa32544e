"""GitHub Actions output: annotations, the job summary and step outputs.

Used when ``GITHUB_ACTIONS=true``. Findings that carry a place (ruff, mypy,
bandit, failing tests) become ``::error file=...,line=...`` workflow
commands, so they show on the pull request's diff (a finding the debt
ledger knows is a ``::notice``); the summary table is
appended to ``$GITHUB_STEP_SUMMARY``; ``status`` and ``coverage`` are
written to ``$GITHUB_OUTPUT`` for the calling workflow.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from taskbelt.results import RunSummary, Status

_MAX_ANNOTATIONS_PER_CHECK = 50


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, message: str, **props: str | int) -> str:
    """One workflow command, escaped as GitHub's runner expects."""
    rendered = ",".join(f"{k}={_escape_property(str(v))}" for k, v in props.items() if v != "")
    return (
        f"::{level} {rendered}::{_escape_data(message)}"
        if rendered
        else f"::{level}::{_escape_data(message)}"
    )


def places(details: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Findings in ``details``, else in its nested parts (the audit has two scans).

    A level that lists findings is not searched deeper: two type checkers'
    row lists theirs together and keeps each checker's details too.
    """
    own = [v for k, v in details.items() if k in {"findings", "failing"} and isinstance(v, list)]
    if own:
        yield from (i for found in own for i in found if isinstance(i, Mapping))
        return
    for value in details.values():
        if isinstance(value, Mapping):
            yield from places(value)


def said(place: Mapping[str, Any], *keys: str) -> str:
    """The first of ``keys`` a finding has a value for, as text ("" for none).

    Findings name their fields by tool (ruff's ``code``, bandit's ``test_id``).
    """
    return next((str(place[k]) for k in keys if place.get(k) not in (None, "")), "")


def annotation_lines(summary: RunSummary) -> list[str]:
    """``::error`` lines for every placed finding, and one per check without places."""
    lines = []
    for result in summary.results:
        if result.status not in {Status.FAILED, Status.ERROR}:
            continue
        placed = [p for p in places(result.details) if said(p, "path", "file")]
        # the ledger's known findings do not fail the check: notices, after the new ones
        placed.sort(key=lambda p: p.get("state") == "known")
        for place in placed[:_MAX_ANNOTATIONS_PER_CHECK]:
            code = said(place, "code", "test_id", "test")
            lines.append(
                command(
                    "notice" if place.get("state") == "known" else "error",
                    said(place, "message", "text") or result.summary,
                    file=said(place, "path", "file"),
                    line=said(place, "line"),
                    col=said(place, "column"),
                    title=f"{result.name} {code}".strip(),
                )
            )
        if all(p.get("state") == "known" for p in placed):
            # nothing placed fails it (a fixed ledger entry in CI, or no places at all)
            lines.append(command("error", result.summary, title=f"taskbelt {result.name}"))
    return lines


def markdown(summary: RunSummary) -> str:
    """The summary table as Markdown (the same rows the terminal shows)."""
    icon = {
        Status.PASSED: "✅",
        Status.FAILED: "❌",
        Status.SKIPPED: "⏭️",
        Status.ERROR: "💥",
        Status.INTERRUPTED: "⏹️",
    }
    rows = ["| check | verdict | seconds | reason |", "|---|---|---:|---|"]
    for r in summary.results:
        reason = r.summary.replace("|", "\\|")  # one line already (CheckResult)
        rows.append(
            f"| {r.name} | {icon[r.status]} {r.status.value} | {r.seconds:.1f} | {reason} |"
        )
    parts = [f"### taskbelt: {summary.status.value}", "", *rows, ""]
    parts += [f"- {note}" for note in summary.notes]
    for r in summary.results:
        if "percent" in r.details and r.output.strip():  # coverage's table
            parts += [
                "",
                "<details><summary>coverage report</summary>",
                "",
                "```text",
                r.output.strip(),
                "```",
                "</details>",
            ]
    return "\n".join(parts) + "\n"


def outputs(summary: RunSummary) -> dict[str, str]:
    """Step outputs: the verdict, and the coverage figure when coverage ran.

    The check that measured a percentage is the coverage gate; the output
    keeps the name the reusable workflow documents.
    """
    values = {"status": summary.status.value}
    for r in summary.results:
        if "percent" in r.details:
            values["coverage"] = f"{float(r.details['percent']):.2f}"
    return values


def emit(summary: RunSummary, environ: Mapping[str, str]) -> list[str]:
    """Write the summary and outputs files; return the annotation lines to print."""
    step_summary = environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with Path(step_summary).open("a", encoding="utf-8") as handle:
            handle.write(markdown(summary))
    output_file = environ.get("GITHUB_OUTPUT")
    if output_file:
        with Path(output_file).open("a", encoding="utf-8") as handle:
            handle.writelines(f"{k}={v}\n" for k, v in outputs(summary).items())
    return annotation_lines(summary)
