"""bandit findings the repository's ruff settings judged: an S rule ignored in a file or everywhere.

``[tool.ruff.lint] ignore = ["S307"]`` (or ``per-file-ignores``) is the
repository's judgement on bandit's B307, as a ``# noqa: S307`` on the line
is (:mod:`taskbelt.checks.audit.suppress`). ruff is asked where it can tell:

* per-file ignores: the repository's ruff, run on the finding's files with
  only the rules in question selected, reports what its settings leave in;
  the same run without the repository's settings (``--isolated``) says what
  ruff finds at all. A finding ruff reports only without the settings was
  ignored for that file (``--select`` on the command line replaces the
  settings' rule selection but keeps their per-file ignores).
* ignores for the whole tree: a selection on the command line also undoes
  the settings' ``ignore``, so no run of ruff can show it. The ``ignore`` and
  ``extend-ignore`` lists are read from the settings file ruff itself says
  it uses for the file (``--show-settings``: ``Settings path``, following
  ``extend``), and count only where ruff's resolved rule set for that file
  (``linter.rules.enabled``) does not hold the rule after all.

Where ruff cannot answer (a ruff too old for an option, unreadable output),
nothing is judged: the finding counts. Never a pass for want of an answer.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from taskbelt.checks.audit import suppress
from taskbelt.checks.audit.judged import F
from taskbelt.checks.base import CheckContext
from taskbelt.checks.lint.check import output_format_option
from taskbelt.output.console import LOGGER

_SETTINGS_PATH = re.compile(r'^Settings path:\s*"?(?P<path>[^"\n]+)"?\s*$', re.M)
_ENABLED = re.compile(r"^linter\.rules\.enabled = \[\n(?P<rules>.*?)^\]", re.M | re.S)
_CODE = re.compile(r"\(([A-Z]+[0-9]+)\)")
#: How each judgement here begins (a comment's begins with ``#``).
PREFIX = "ruff: "
#: How many ``extend`` links are followed.
_MAX_EXTENDS = 8


def sarif_kind(by: str) -> str:
    """SARIF's suppression kind: ``external`` for ruff's settings, ``inSource`` for a comment."""
    return "external" if by.startswith(PREFIX) else "inSource"


def _code(test_id: str) -> str:
    return "S" + test_id[1:]


def suppressed(ctx: CheckContext, issues: Sequence[F]) -> dict[F, str]:
    """The findings the repository's ruff settings ignore, each with where they do."""
    known = set(suppress.ruff_codes().values())
    wanted = [i for i in issues if _code(i.test_id) in known]
    if not wanted:
        return {}
    judged: dict[F, str] = {}
    files = sorted({i.file for i in wanted})
    codes = sorted({_code(i.test_id) for i in wanted})
    kept = _reported(ctx, files, codes, isolated=False)
    found = _reported(ctx, files, codes, isolated=True)
    # ruff finds a file's settings by its folder: one question per folder.
    by_folder = {str(Path(f).parent): f for f in files}
    settings = {folder: _settings(ctx, file) for folder, file in by_folder.items()}
    for issue in wanted:
        code, where = _code(issue.test_id), settings[str(Path(issue.file).parent)]
        place = (code, issue.file, issue.line)
        if where is None:
            continue
        path, enabled = where
        shown = ctx.project.relative(path)
        if kept is not None and found is not None and place in found and place not in kept:
            judged[issue] = f"{PREFIX}per-file-ignores in {shown} ({code})"
        elif code not in enabled and (key := _ignored_in(path, code)) is not None:
            judged[issue] = f"{PREFIX}{key} in {shown} ({code})"
    return judged


def _ruff(ctx: CheckContext, args: list[str]) -> str | None:
    done = ctx.run(["ruff", *args])
    if done.returncode != 0:
        LOGGER.info("audit: ruff could not say (exit %d): %s", done.returncode, done.stderr[-300:])
        return None
    return done.stdout


def _reported(
    ctx: CheckContext, files: list[str], codes: list[str], *, isolated: bool
) -> set[tuple[str, str, int]] | None:
    """``(code, file, line)`` of what ruff reports of ``codes`` in ``files``."""
    option = output_format_option(ctx.project.tools.linter.pin)
    args = ["check", "--no-cache", "--no-fix", "--exit-zero", option, "json"]
    args += ["--isolated"] if isolated else []
    out = _ruff(ctx, [*args, "--select", ",".join(codes), *files])
    if out is None:
        return None
    try:
        rows: list[dict[str, Any]] = json.loads(out)
        return {
            (row["code"], ctx.project.relative(Path(row["filename"])), row["location"]["row"])
            for row in rows
        }
    except (ValueError, KeyError, TypeError):
        return None


def _settings(ctx: CheckContext, file: str) -> tuple[Path, frozenset[str]] | None:
    """The settings file ruff uses for ``file`` and the rules it enables there."""
    out = _ruff(ctx, ["check", "--show-settings", file])
    found = None if out is None else _SETTINGS_PATH.search(out)
    rules = None if out is None else _ENABLED.search(out)
    if found is None or rules is None:
        return None
    return Path(found["path"]), frozenset(_CODE.findall(rules["rules"]))


def _ruff_table(path: Path) -> Mapping[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    table = data.get("tool", {}).get("ruff", {}) if path.name == "pyproject.toml" else data
    return table if isinstance(table, Mapping) else {}


def _ignored_in(path: Path, code: str) -> str | None:
    """The key (``[tool.ruff.lint] ignore``) of ``path``, or a file it extends, ignoring ``code``."""
    for _ in range(_MAX_EXTENDS):
        table = _ruff_table(path)
        section = "[tool.ruff" if path.name == "pyproject.toml" else "["
        for key, values, where in _ignore_lists(table):
            if any(_covers(selector, code) for selector in values):
                header = f"{section}{'.' + where if where else ''}]"
                return f"{header.replace('[]', '')} {key}".strip()
        extend = table.get("extend")
        if not isinstance(extend, str):
            return None
        path = (path.parent / extend).resolve()
    return None


def _ignore_lists(table: Mapping[str, Any]) -> Iterable[tuple[str, list[str], str]]:
    lint = table.get("lint")
    for where, section in (("lint", lint if isinstance(lint, Mapping) else {}), ("", table)):
        for key in ("ignore", "extend-ignore"):
            values = section.get(key)
            if isinstance(values, list):
                yield key, [v for v in values if isinstance(v, str)], where


def _covers(selector: str, code: str) -> bool:
    """Whether a rule selector (``S``, ``S3``, ``S307``, ``ALL``) covers ``code``."""
    return selector == "ALL" or code.startswith(selector.upper())
