"""Secrets out of everything taskbelt prints or writes: the one masker.

What is masked:

- the value of every environment variable whose name says secret (``TOKEN``,
  ``SECRET``, ``PASSWORD``, ``PASSWD``, ``API_KEY``, ``PRIVATE_KEY``,
  ``CREDENTIAL`` anywhere in it, any case) or that ``[tool.taskbelt]
  secret-env`` names (``fnmatch`` patterns, ``DATABASE_URL``, ``SENTRY_*``),
  wherever it appears, also as JSON or XML escapes it, and the ends of it
  a tool shortened (pytest's ``'wJalrXUtnFEM...iCYEXAMPLEKEY'``);
- the userinfo of a URL (``user:pass`` before a host's ``@`` becomes ``***``).

What is not: values under :data:`MIN_LENGTH` characters (``1``, ``true``:
masking them would mask ordinary text everywhere), and what merely looks
like userinfo: ``docker://python:3.12@sha256:...`` is an image pinned by
digest, printed whole.

Where: at the output boundary, not in each check. The run installs its
masker (:func:`install`); the terminal stream, the ``-v`` log lines, the
JSON report, the GitHub annotations and step summary, the verdict cache and
the files in the reports folder all pass through it (see ``README``,
"Security"). Values that secret *findings* quote (bandit's hard-coded
passwords) are dropped where the finding is parsed, in ``checks/audit/bandit``.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import html
import json
import logging
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from taskbelt.files import write_atomic
from taskbelt.results import CheckResult, RunSummary

MASK = "***"
#: Shorter values are not masked: too likely to be ordinary words or numbers.
MIN_LENGTH = 6
SECRET_NAME = re.compile(
    r"TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIAL", re.IGNORECASE
)
#: ``scheme://userinfo@``; not when what follows ``@`` is a digest
#: (``python:3.12@sha256:...`` names an image, it holds no password).
_URL_USERINFO = re.compile(
    r"(?P<scheme>\b[a-z][a-z0-9+.-]*://)[^/?#@\s]+@(?!(?:sha256|sha384|sha512):[0-9a-f])",
    re.IGNORECASE,
)
#: How tools mark where they cut a long value short.
_CUT = r"\.\.\.|\u2026"
#: A report file larger than this is not read into memory to be masked.
_LARGEST_FILE = 64 * 1024 * 1024


def _spellings(value: str) -> set[str]:
    """``value`` as text, inside a JSON string and inside XML."""
    return {
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        html.escape(value, quote=False),  # XML text
        html.escape(value, quote=False).replace('"', "&quot;"),  # XML attributes
        html.escape(value),
    }


def _cut_ends(values: Iterable[str]) -> re.Pattern[str] | None:
    """The ends of ``values`` where a tool cut them short: ``head...`` and ``...tail``.

    pytest shortens a long value in an assertion message to its first and
    last characters around ``...``: for a 40-character key, 25 characters of
    it. The ends are masked when they touch the cut mark.
    """
    heads = {v[:k] for v in values for k in range(MIN_LENGTH, len(v))}
    tails = {v[-k:] for v in values for k in range(MIN_LENGTH, len(v))}
    if not heads:
        return None

    def alternatives(parts: set[str]) -> str:
        return "|".join(re.escape(p) for p in sorted(parts, key=lambda p: (-len(p), p)))

    return re.compile(
        rf"(?:{alternatives(heads)})(?={_CUT})"
        rf"|(?:(?<=\.\.\.)|(?<=\u2026))(?:{alternatives(tails)})"
    )


@dataclass(frozen=True)
class Masker:
    """Masks a fixed set of secret values and URL credentials in text and data."""

    #: What is replaced, longest first (so a value inside another is not left half shown).
    values: tuple[str, ...] = ()
    #: The secrets' ends beside a cut mark (see :func:`_cut_ends`).
    cut: re.Pattern[str] | None = None

    @classmethod
    def from_environ(
        cls,
        environ: Mapping[str, str] | None = None,
        names: Iterable[str] = (),
        also: Mapping[str, str] | None = None,
    ) -> Masker:
        """The masker for ``environ`` (default: this process's) plus ``names`` patterns.

        ``also`` holds more variables the tools will see (tox's ``set_env``),
        judged by the same rules.
        """
        env = os.environ if environ is None else environ
        patterns = tuple(names)
        secret = {
            value
            for key, value in [*env.items(), *(also or {}).items()]
            if len(value) >= MIN_LENGTH
            and (SECRET_NAME.search(key) or any(fnmatch.fnmatchcase(key, p) for p in patterns))
        }
        spelled = {form for value in secret for form in _spellings(value) if form}
        return cls(tuple(sorted(spelled, key=lambda v: (-len(v), v))), _cut_ends(secret))

    def text(self, text: str) -> str:
        """``text`` with every secret value and URL credential replaced by ``***``."""
        for value in self.values:
            if value in text:
                text = text.replace(value, MASK)
        if self.cut is not None and ("..." in text or "\u2026" in text):
            text = self.cut.sub(MASK, text)
        if "://" in text:
            text = _URL_USERINFO.sub(rf"\g<scheme>{MASK}@", text)
        return text

    def data(self, value: Any) -> Any:
        """``value`` with every string inside it (keys too) masked; JSON-like data only."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {self.data(k): self.data(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.data(v) for v in value)
        return value

    def result(self, result: CheckResult) -> CheckResult:
        """``result`` with its summary, output and details masked."""
        return dataclasses.replace(
            result,
            summary=self.text(result.summary),
            output=self.text(result.output),
            details=self.data(dict(result.details)),
        )

    def summary(self, summary: RunSummary) -> RunSummary:
        """Every result and note of ``summary`` masked."""
        return dataclasses.replace(
            summary,
            results=tuple(self.result(r) for r in summary.results),
            notes=tuple(self.text(n) for n in summary.notes),
        )

    def file(self, path: Path) -> bool:
        """Mask ``path`` in place (temporary file, then rename); True if it changed.

        Binary files (a NUL byte, or not UTF-8: coverage's database) and very
        large ones are left alone.
        """
        try:
            if path.stat().st_size > _LARGEST_FILE:
                return False
            raw = path.read_bytes()
        except OSError:
            return False
        if b"\0" in raw:
            return False
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return False
        masked = self.text(text)
        if masked == text:
            return False
        write_atomic(path, masked)
        return True

    def folder(self, folder: Path, since: float = 0.0) -> list[Path]:
        """Mask every file under ``folder`` changed at or after ``since``; the masked ones."""
        if not folder.is_dir():
            return []
        changed = []
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()):
            try:
                recent = path.stat().st_mtime >= since
            except OSError:
                continue
            if recent and self.file(path):
                changed.append(path)
        return changed


_installed: Masker | None = None


def install(masker: Masker | None) -> None:
    """Make ``masker`` the one this process masks with (None: read the environment each time).

    One process runs one repository's checks at a time (a nox process runs
    its sessions one after another), so the masker is the process's, like
    the log handler it serves.
    """
    global _installed  # noqa: PLW0603 - see the docstring
    _installed = masker


def current() -> Masker:
    """The installed masker, else one for this process's environment as it is now."""
    return _installed if _installed is not None else Masker.from_environ()


def mask_record(record: logging.LogRecord) -> bool:
    """A logging filter: the record's message, arguments filled in, masked."""
    record.msg = current().text(record.getMessage())
    record.args = None
    return True


class MaskedStream:
    """A text stream that masks what is written to it before passing it on.

    The terminal's last gate: rich writes whole rendered lines, so a secret
    is never split across two writes.
    """

    def __init__(self, stream: TextIO) -> None:
        """Wrap ``stream``."""
        self.stream = stream

    def write(self, text: str) -> int:
        """Write ``text`` masked; return the length asked for, as a stream does."""
        self.stream.write(current().text(text))
        return len(text)

    def writelines(self, lines: Sequence[str]) -> None:
        """Write each line masked."""
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        """Everything else (``flush``, ``isatty``, ``fileno``, ``encoding``) is the stream's."""
        return getattr(self.stream, name)
