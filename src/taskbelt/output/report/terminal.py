"""The summary table printed after every command.

The captured output of each check that did not pass (and, with ``-v``, the
findings the debt ledger covers, which do not fail it), then one row per
check (verdict, seconds, one-line reason), then notes (e.g. where
dependencies came from). Colour only when the console allows it (NO_COLOR is honoured).

The reason wraps to the console's width (the terminal's; ``COLUMNS``, else
80, when there is none) at spaces only: a path or an inline code span
(`` `mise run fix` ``) is never cut, so it can be copied from the table; one
longer than the column gets a line of its own. rich's Table cannot do that
(it folds or crops an overlong word), so the columns are laid out here.
"""

from __future__ import annotations

import re
import textwrap

from rich.console import Console
from rich.text import Text

from taskbelt.output.report.github import places, said
from taskbelt.output.words import plural
from taskbelt.results import CheckResult, RunSummary, Status

STYLE = {
    Status.PASSED: "green",
    Status.FAILED: "red",
    Status.SKIPPED: "yellow",
    Status.ERROR: "bold red",
    Status.INTERRUPTED: "magenta",
}


_GAP = "  "
#: Narrower than this, the reason still gets this many columns (the line overflows).
_MIN_REASON = 24
_CODE = re.compile(r"`[^`]*`")


def wrap(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` columns, broken at spaces outside `` `code` ``."""
    shielded = _CODE.sub(lambda m: m.group(0).replace(" ", "\0"), text)
    lines = textwrap.wrap(
        shielded, width=max(width, 1), break_long_words=False, break_on_hyphens=False
    )
    return [line.replace("\0", " ") for line in lines] or [""]


def table(summary: RunSummary, width: int) -> list[Text]:
    """The check / verdict / seconds / reason table, as lines of at most ``width`` columns.

    Only a word longer than the reason column (a long path) goes past ``width``.
    """
    rows = [
        (
            r.name,
            Text("cached" if r.details.get("cached") else r.status.value, STYLE[r.status]),
            f"{r.seconds:.1f}",
            r.summary,
        )
        for r in summary.results
    ]
    name_w = max([len("check"), *(len(row[0]) for row in rows)])
    verdict_w = max([len("verdict"), *(len(row[1]) for row in rows)])
    seconds_w = max([len("seconds"), *(len(row[2]) for row in rows)])
    indent = name_w + verdict_w + seconds_w + 3 * len(_GAP)
    header = f"{'check':<{name_w}}{_GAP}{'verdict':<{verdict_w}}{_GAP}"
    lines = [Text(f"{header}{'seconds':>{seconds_w}}{_GAP}reason", style="bold")]
    for name, verdict, seconds, reason in rows:
        first, *rest = wrap(reason, max(width - indent, _MIN_REASON))
        verdict.pad_right(verdict_w - len(verdict))
        row = Text.assemble(f"{name:<{name_w}}{_GAP}", verdict, f"{_GAP}{seconds:>{seconds_w}}")
        row.append(f"{_GAP}{first}" if first else "")
        lines += [row, *(Text(" " * indent + line) for line in rest)]
    return lines


#: A Python version in a row's words (``3.12``, ``3.12.1``): rows that differ only
#: in it tell the same story (an install that fails alike on every Python).
_VERSION = re.compile(r"(?<![\d.])3\.\d{1,2}(?:\.\d+)?(?![\d.])")


def details(result: CheckResult, alike: tuple[str, ...] = ()) -> str:
    """The block shown under the table for a check that did not pass.

    An ``error`` starts with its cause (the row's reason), then the tool's
    words. ``alike``: the names of other rows with the same block but for the
    Python version, printed once for all of them.
    """
    body = result.output.strip() or "(no output)"
    if result.status is Status.ERROR and result.summary:
        body = f"{result.summary}\n{body}"
    indented = "\n".join(f"  {line}" for line in body.splitlines())
    names = ", ".join((result.name, *alike))
    same = f" (the same on each; shown for {result.name})" if alike else ""
    return f"--- {names}: {result.status.value}{same} ---\n{indented}"


def _blocks(results: tuple[CheckResult, ...]) -> list[str]:
    """The blocks to print: one for each story, its rows named together."""
    groups: dict[object, list[CheckResult]] = {}
    for result in results:
        stopped = result.status is Status.INTERRUPTED and result.output.strip()
        if result.status not in {Status.FAILED, Status.ERROR} and not stopped:
            continue
        key: object = id(result)
        if result.status is Status.ERROR:  # the same cause and fix, whatever the tool's words
            fixes = [line for line in result.output.splitlines() if line.startswith("fix: ")]
            key = _VERSION.sub("3.x", "\n".join((result.summary, *fixes)))
        groups.setdefault(key, []).append(result)
    return [details(first, tuple(r.name for r in rest)) for first, *rest in groups.values()]


def known_blocks(results: tuple[CheckResult, ...]) -> list[str]:
    """Each check's findings the ledger covers: what ``-v`` lists (they fail nothing)."""
    blocks = []
    for result in results:
        known = [p for p in places(result.details) if p.get("state") == "known"]
        if not known:
            continue
        lines = [
            f"  {said(p, 'path', 'file')}:{said(p, 'line')}:{said(p, 'column')}: "
            f"{said(p, 'code', 'test_id')} {said(p, 'message', 'text')}"
            for p in known
        ]
        head = f"--- {result.name}: {plural(len(known), 'known finding')}, in the debt ledger ---"
        blocks.append("\n".join((head, *lines)))
    return blocks


def render(console: Console, summary: RunSummary, *, seconds: float, known: bool = False) -> None:
    """Print the whole report to ``console``; ``known`` (``-v``): the ledger's findings too."""
    for block in [*(known_blocks(summary.results) if known else []), *_blocks(summary.results)]:
        console.print(block, markup=False, highlight=False)
        console.print()
    for line in table(summary, console.width):
        console.print(line, soft_wrap=True)  # laid out already: rich must not wrap it again
    for note in summary.notes:
        console.print(f"note: {note}", markup=False)
    verdict = summary.status.value
    console.print(
        Text(
            f"taskbelt: {verdict} ({plural(len(summary.results), 'check')}, {seconds:.1f} s)",
            style=STYLE[summary.status],
        )
    )
