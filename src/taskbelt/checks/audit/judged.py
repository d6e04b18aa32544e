"""Which of bandit's findings the repository's source already suppressed.

bandit's side of :mod:`taskbelt.checks.audit.suppress`: it judges each finding by
its file's comments, and asks bandit for its test names only when a
``# nosec`` names some.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Protocol, TypeVar

from taskbelt.checks.audit import suppress
from taskbelt.checks.base import CheckContext
from taskbelt.errors import ToolError


class Finding(Protocol):
    """What this module reads of a bandit finding (``bandit.Issue``)."""

    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...
    @property
    def lines(self) -> tuple[int, ...]: ...
    @property
    def test_id(self) -> str: ...


F = TypeVar("F", bound=Finding)

#: Asks bandit, in the audit tools' Python, for its test ids and names (what a
#: nosec comment may name); only run when some nosec comment names anything.
_TESTS_SCRIPT = """
import json
from bandit.core.extension_loader import MANAGER as m
ids = set(m.plugins_by_id) | set(m.blacklist_by_id) | set(m.builtin)
names = {n: p.plugin._test_id for n, p in m.plugins_by_name.items()}
names.update({n: b["id"] for n, b in m.blacklist_by_name.items()})
print(json.dumps({"ids": sorted(ids), "names": names}))
"""


def bandit_tests(ctx: CheckContext) -> suppress.BanditTests:
    """bandit's test ids and names, from the bandit taskbelt runs.

    Raises:
        ToolError: bandit's Python could not say.
    """
    python = str(ctx.tools_bin / "python") if ctx.tools_bin else "python"
    done = ctx.run([python, "-c", _TESTS_SCRIPT])
    try:
        data = json.loads(done.stdout)
        return suppress.BanditTests(frozenset(data["ids"]), dict(data["names"]))
    except (ValueError, KeyError, TypeError):
        raise ToolError(
            "bandit could not list its tests, needed to read the `# nosec` comments",
            "run `mise run check -- --no-cache` to rebuild the audit tools",
            output=done.stdout + done.stderr,
        ) from None


def suppressed(
    ctx: CheckContext, issues: Sequence[F], comments: Mapping[str, suppress.Comments]
) -> dict[F, str]:
    """The findings the repository's source suppressed, each with the comment that did.

    ``comments``: each scanned file's, read once for this and for TB001.
    """
    tests: list[suppress.BanditTests] = []

    def known() -> suppress.BanditTests:
        if not tests:
            tests.append(bandit_tests(ctx))
        return tests[0]

    judged: dict[F, str] = {}
    for issue in issues:
        lines = issue.lines or (issue.line,)
        found = comments[issue.file]
        comment = suppress.judged(found, issue.line, lines, issue.test_id, known)
        if comment:
            judged[issue] = comment
    return judged
