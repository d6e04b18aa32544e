"""The summary table printed after every command.

One row per check (verdict, seconds, one-line reason), then the captured
output of each check that did not pass, then notes (e.g. where dependencies
came from). Colour only when the console allows it (NO_COLOR is honoured).
"""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from taskbelt.results import CheckResult, RunSummary, Status

STYLE = {
    Status.PASSED: "green",
    Status.FAILED: "red",
    Status.SKIPPED: "yellow",
    Status.ERROR: "bold red",
    Status.INTERRUPTED: "magenta",
}


def table(summary: RunSummary) -> Table:
    """The check / verdict / seconds / reason table."""
    grid = Table(show_edge=False, pad_edge=False, box=None, header_style="bold")
    grid.add_column("check")
    grid.add_column("verdict")
    grid.add_column("seconds", justify="right")
    grid.add_column("reason", overflow="fold")
    for result in summary.results:
        verdict = "cached" if result.details.get("cached") else result.status.value
        grid.add_row(
            result.name,
            Text(verdict, style=STYLE[result.status]),
            f"{result.seconds:.1f}",
            Text(result.summary),  # plain text: "[tool.coverage.run]" is not markup
        )
    return grid


def details(result: CheckResult) -> str:
    """The block shown under the table for a check that did not pass."""
    body = result.output.strip() or "(no output)"
    indented = "\n".join(f"  {line}" for line in body.splitlines())
    return f"--- {result.name}: {result.status.value} ---\n{indented}"


def render(console: Console, summary: RunSummary, *, seconds: float) -> None:
    """Print the whole report to ``console``."""
    for result in summary.results:
        stopped = result.status is Status.INTERRUPTED and result.output.strip()
        if result.status in {Status.FAILED, Status.ERROR} or stopped:
            console.print(details(result), markup=False, highlight=False)
            console.print()
    console.print(table(summary))
    for note in summary.notes:
        console.print(f"note: {note}", markup=False)
    verdict = summary.status.value
    console.print(
        Text(
            f"taskbelt: {verdict} ({len(summary.results)} checks, {seconds:.1f} s)",
            style=STYLE[summary.status],
        )
    )
